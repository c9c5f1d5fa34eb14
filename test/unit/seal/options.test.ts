import { expect } from 'chai';
import { parseSealArgs, parseWithYargs, type ParsedArgs } from '../../../plugin/seal/options.js';
import { CliError } from '../../../plugin/shared/errors.js';
import { runSeal } from './helpers.js';

async function outcome(parse: () => Promise<ParsedArgs>): Promise<unknown> {
  try {
    return await parse();
  } catch (err) {
    if (err instanceof CliError) return { error: err.message };
    throw err;
  }
}

describe('kubectl seal: argument parsing', () => {
  // The fast path (util.parseArgs) must mean exactly what yargs means for every command line it
  // accepts; anything else falls through to yargs.
  const corpus: string[][] = [
    [],
    ['--cert', 'c.pem'],
    ['--cert=c.pem', '-o', 'yaml'],
    ['-o', 'json', '-w', 'out.json', '-f', 'in.yaml'],
    ['--scope', 'namespace-wide', '-n', 'ns', '--name', 'x'],
    ['--scope', 'tenant-wide', '--tenant', 'acme'],
    ['--raw', '--from-file', 'k=v.txt', '-n', 'a', '--name', 'b'],
    ['--raw', '--from-file', 'a', '--from-file', 'b'],
    ['--merge-into', 'x.yaml'],
    ['--fetch-cert', '--controller-name', 'n', '--controller-namespace', 'ns'],
    [
      '--validate',
      '--kubeconfig',
      'k',
      '--context',
      'c',
      '--as',
      'u',
      '--request-timeout',
      '1m30s',
    ],
    ['--re-encrypt'],
    ['--rotate'],
    ['--recovery-unseal', '--recovery-private-key', 'a,b', '--recovery-private-key', 'c'],
    ['--allow-empty-data', '--name', 'first', '--name', 'second'],
    ['--raw', '--validate'],
    ['--scope', 'bad'],
    ['-o', 'xml'],
    ['--from-file', 'x'],
  ];
  for (const args of corpus) {
    it(`fast path and yargs agree: ${JSON.stringify(args)}`, async () => {
      const env = { SEALED_SECRETS_CONTROLLER_NAME: 'from-env' };
      const fast = await outcome(() => parseSealArgs(args, env));
      const slow = await outcome(() => parseWithYargs(args, env));
      expect(fast).to.deep.equal(slow);
    });
  }

  it('parses values as documented', async () => {
    const parsed = await parseSealArgs(
      [
        '--recovery-unseal',
        '--recovery-private-key',
        'a,b',
        '--recovery-private-key',
        'c',
        '--request-timeout',
        '2s',
        '-n',
        'x',
      ],
      {},
    );
    expect(parsed.kind).to.equal('run');
    if (parsed.kind !== 'run') return;
    expect(parsed.options).to.deep.include({
      mode: 'recovery-unseal',
      recoveryPrivateKeys: ['a', 'b', 'c'],
      namespace: 'x',
      controllerName: 'sealed-secrets-controller',
      controllerNamespace: 'kube-system',
      format: undefined,
      scope: undefined,
    });
    expect(parsed.options.kube.requestTimeoutMs).to.equal(2000);
  });

  it('syntax only yargs knows still works (--no-x, --x=false)', async () => {
    const parsed = await parseSealArgs(['--no-allow-empty-data', '--raw=false', '--cert', 'c'], {});
    expect(parsed).to.deep.include({ kind: 'run' });
    if (parsed.kind === 'run')
      expect(parsed.options).to.deep.include({ mode: 'seal', allowEmptyData: false });
  });

  it('--help and --version print and exit 0', async () => {
    const help = await runSeal(['--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^kubectl seal \[flags\]/);
    for (const flag of [
      '--cert',
      '--scope',
      '--merge-into',
      '--recovery-unseal',
      '--kubeconfig',
      '--context',
      '--namespace',
    ]) {
      expect(help.stdout).to.include(flag);
    }
    expect(help.stdout).to.not.include('--rotate');
    const version = await runSeal(['--version']);
    expect(version).to.deep.equal({ code: 0, stdout: 'kubectl-seal version: 0.1.0\n', stderr: '' });
  });

  it('several unknown flags are all named', async () => {
    const result = await runSeal(['--foo', '--bar', 'x']);
    expect(result.stderr).to.equal('error: unknown flag: --foo; unknown flag: --bar\n');
  });
});
