import { expect } from 'chai';
import { generateSealingKey, type SealingKeyPair } from '../../../crypto/keys.js';
import { encryptionLabel, type LabelTarget } from '../../../crypto/scope.js';
import { unsealValue } from '../../../crypto/value.js';
import { runSeal, TempDir } from './helpers.js';

describe('kubectl seal --raw', () => {
  let key: SealingKeyPair;
  let dir: TempDir;
  let cert: string;

  before(async () => {
    key = await generateSealingKey({ bits: 2048 });
  });
  beforeEach(() => {
    dir = new TempDir();
    cert = dir.file('cert.pem', key.certificatePem);
  });
  afterEach(() => dir.cleanup());

  const open = (value: string, target: LabelTarget): string =>
    unsealValue({
      privateKeys: [key.privateKey],
      value,
      label: encryptionLabel(target),
    }).plaintext.toString();

  it('seals stdin byte for byte and prints bare base64 without a newline', async () => {
    const result = await runSeal(['--raw', '--cert', cert, '-n', 'myns', '--name', 'mysecret'], {
      stdin: 'bar\n',
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^AQ[A-Za-z0-9+/]+=*$/);
    expect(open(result.stdout, { scope: 'strict', namespace: 'myns', name: 'mysecret' })).to.equal(
      'bar\n',
    );
  });

  it('reads one --from-file, with or without key=', async () => {
    const file = dir.file('value.txt', 's3cr3t');
    for (const spec of [file, `password=${file}`]) {
      const result = await runSeal([
        '--raw',
        '--cert',
        cert,
        '-n',
        'ns',
        '--scope',
        'namespace-wide',
        '--from-file',
        spec,
      ]);
      expect(result.code, result.stderr).to.equal(0);
      expect(open(result.stdout, { scope: 'namespace-wide', namespace: 'ns' })).to.equal('s3cr3t');
    }
  });

  it('cluster-wide needs neither name nor namespace; tenant-wide needs --tenant', async () => {
    const cluster = await runSeal(['--raw', '--cert', cert, '--scope', 'cluster-wide'], {
      stdin: 'x',
    });
    expect(open(cluster.stdout, { scope: 'cluster-wide' })).to.equal('x');
    const tenant = await runSeal(
      ['--raw', '--cert', cert, '--scope', 'tenant-wide', '--tenant', 'acme'],
      { stdin: 'x' },
    );
    expect(open(tenant.stdout, { scope: 'tenant-wide', tenant: 'acme' })).to.equal('x');
  });

  it("names what is missing, in kubeseal's words", async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--raw', '--name', 'n'],
        /must provide the --namespace flag with --raw and --scope strict\|namespace-wide/,
      ],
      [['--raw', '--scope', 'namespace-wide'], /must provide the --namespace flag/],
      [['--raw', '-n', 'ns'], /must provide the --name flag with --raw and --scope strict/],
      [
        ['--raw', '--scope', 'tenant-wide'],
        /must provide the --tenant flag with --raw and --scope tenant-wide/,
      ],
      [
        ['--raw', '-n', 'ns', '--name', 'n', '--from-file', 'a', '--from-file', 'b'],
        /must provide only one --from-file/,
      ],
      [['--from-file', 'a'], /--from-file requires --raw/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runSeal(['--cert', cert, ...args], { stdin: 'x' });
      expect(result.code, args.join(' ')).to.equal(1);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.match(pattern);
    }
  });

  it('a missing --from-file is a read error', async () => {
    const result = await runSeal([
      '--raw',
      '--cert',
      cert,
      '-n',
      'ns',
      '--name',
      'n',
      '--from-file',
      `${dir.path}/nope`,
    ]);
    expect(result.stderr).to.match(
      /^error: cannot read --from-file .*nope: no such file or directory\n$/,
    );
  });
});
