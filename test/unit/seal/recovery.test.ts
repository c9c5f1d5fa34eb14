import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { parseSealingCertificate } from '../../../crypto/certificate.js';
import { generateSealingKey, type SealingKeyPair } from '../../../crypto/keys.js';
import { sealValue } from '../../../crypto/value.js';
import type { KubeObject } from '../../../plugin/shared/objects.js';
import { runSeal, secretYaml, TempDir } from './helpers.js';

describe('kubectl seal --recovery-unseal', () => {
  let key: SealingKeyPair;
  let dir: TempDir;
  let cert: string;
  let keyFile: string;
  const otherKeyPem = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();

  before(async () => {
    key = await generateSealingKey({ bits: 2048 });
  });
  beforeEach(() => {
    dir = new TempDir();
    cert = dir.file('cert.pem', key.certificatePem);
    keyFile = dir.file('key.pem', key.privateKeyPem);
  });
  afterEach(() => dir.cleanup());

  async function sealed(args: string[] = []): Promise<string> {
    const stdin = secretYaml({
      name: 'db',
      namespace: 'prod',
      data: { password: 'aHVudGVyMg==' },
      stringData: { user: 'admin' },
    });
    const result = await runSeal(['--cert', cert, ...args], { stdin });
    expect(result.code, result.stderr).to.equal(0);
    return result.stdout;
  }

  it('decrypts with a PEM key file into the original Secret', async () => {
    const result = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: await sealed(),
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'prod' },
      data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' },
    });
  });

  it('takes keys from Secret and List backups, comma-separated or repeated', async () => {
    const tlsSecret = (name: string, pem: string): object => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name, namespace: 'kube-system' },
      data: { 'tls.key': Buffer.from(pem).toString('base64'), 'tls.crt': '' },
    });
    const list = dir.file(
      'backup.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [tlsSecret('old', otherKeyPem), tlsSecret('new', key.privateKeyPem)],
      }),
    );
    const other = dir.file('other.pem', otherKeyPem);
    const single = dir.file(
      'secret.yaml',
      `kind: Secret\ndata:\n  tls.key: ${Buffer.from(key.privateKeyPem).toString('base64')}\n`,
    );
    for (const args of [
      ['--recovery-private-key', list],
      ['--recovery-private-key', `${other},${single}`],
      ['--recovery-private-key', other, '--recovery-private-key', keyFile],
    ]) {
      const result = await runSeal(['--recovery-unseal', '-o', 'yaml', ...args], {
        stdin: await sealed(),
      });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include('password: aHVudGVyMg==');
    }
  });

  it('uses the SealedSecret scope: namespace-wide and tenant-wide', async () => {
    const ns = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: await sealed(['--scope', 'namespace-wide']),
    });
    expect((JSON.parse(ns.stdout) as KubeObject).metadata?.annotations).to.deep.equal({
      'sealedsecrets.bitnami.com/namespace-wide': 'true',
    });
    const tenant = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: await sealed(['--scope', 'tenant-wide', '--tenant', 'acme']),
    });
    expect(tenant.code, tenant.stderr).to.equal(0);
  });

  it('fails with the item, the SealedSecret and the crypto reason', async () => {
    const wrongKey = dir.file('wrong.pem', otherKeyPem);
    const wrong = await runSeal(['--recovery-unseal', '--recovery-private-key', wrongKey], {
      stdin: await sealed(),
    });
    expect(wrong.stderr).to.match(
      /^error: cannot unseal item "password" of SealedSecret prod\/db \(strict\): cannot decrypt the session key/,
    );

    const moved = (await sealed()).replace(/"namespace": "prod"/g, '"namespace": "other"');
    const movedResult = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: moved,
    });
    expect(movedResult.stderr).to.match(/SealedSecret other\/db \(strict\).*OAEP label/);

    const tampered = (await sealed()).replace(/"password": "AQ/, '"password": "AR');
    const tamperedResult = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: tampered,
    });
    expect(tamperedResult.code).to.equal(1);
    expect(tamperedResult.stderr).to.match(/too short|RSA|AES/);
  });

  it('needs keys, and keys need --recovery-unseal', async () => {
    expect((await runSeal(['--recovery-unseal'])).stderr).to.match(
      /needs at least one --recovery-private-key/,
    );
    expect((await runSeal(['--recovery-private-key', keyFile])).stderr).to.match(
      /--recovery-private-key requires --recovery-unseal/,
    );
    const noKey = dir.file('nokey.yaml', 'kind: Secret\ndata: {other: YQ==}\n');
    const result = await runSeal(['--recovery-unseal', '--recovery-private-key', noKey], {
      stdin: await sealed(),
    });
    expect(result.stderr).to.match(/no private key found in .*nokey\.yaml/);
  });

  it('warns that template data is not rendered', async () => {
    const object = JSON.parse(await sealed()) as { spec: { template: Record<string, unknown> } };
    object.spec.template['data'] = { url: 'postgres://{{ .user }}' };
    const result = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: JSON.stringify(object),
    });
    expect(result.code).to.equal(0);
    expect(result.stderr).to.equal(
      'warning: spec.template.data is not rendered by --recovery-unseal; skipped keys: url\n',
    );
  });

  it("reads Bitnami's deprecated v1 spec.data blob, and rejects it next to encryptedData", async () => {
    const legacySecret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ignored' },
      data: { b: 'Yg==', a: 'YQ==' },
    };
    const blob = await sealValue({
      publicKey: parseSealingCertificate(key.certificatePem).publicKey,
      plaintext: Buffer.from(JSON.stringify(legacySecret)),
      label: Buffer.from('prod/db'),
    });
    const sealedSecret = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'db', namespace: 'prod' },
      spec: { data: blob, encryptedData: {} as Record<string, string> },
    };
    const result = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: JSON.stringify(sealedSecret),
    });
    expect(result.code, result.stderr).to.equal(0);
    const secret = JSON.parse(result.stdout) as KubeObject;
    expect(secret.metadata).to.deep.equal({ name: 'db', namespace: 'prod' });
    expect(secret['data']).to.deep.equal({ a: 'YQ==', b: 'Yg==' });

    sealedSecret.spec.encryptedData = { x: blob };
    const both = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: JSON.stringify(sealedSecret),
    });
    expect(both.stderr).to.equal(
      "error: cannot use the field 'encryptedData' and the deprecated field 'data' at the same time\n",
    );
  });

  it('rejects input that is not a SealedSecret', async () => {
    const result = await runSeal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: secretYaml({ name: 'x' }),
    });
    expect(result.stderr).to.equal('error: stdin is not a SealedSecret\n');
  });
});
