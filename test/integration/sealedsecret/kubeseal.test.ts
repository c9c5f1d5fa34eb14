/**
 * Cross-compatibility with Bitnami's real `kubeseal` (v0.27.1, built by the harness): it seals
 * with our certificate (`--cert`, and fetched through the API server's service proxy), validates
 * and re-encrypts through our endpoints, and our sealer's output opens with its offline
 * `--recovery-unseal` — their code decrypting our blobs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { ensureKubeseal } from '../../harness/binaries.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { uniqueName } from '../../helpers/names.js';
import {
  createNamespace,
  createSealedSecret,
  decoded,
  installCRDs,
  keySecrets,
  kubectlSeal,
  parseDoc,
  sealDirect,
  startSealedSecretController,
  waitForCert,
  waitForSecret,
} from './helpers.js';

const run = promisify(execFile);

describe('SealedSecret controller: Bitnami kubeseal against it', () => {
  let kubeseal: string;
  let controller: ControllerProcess;
  let ctl: string;
  let certPem: string;
  let dir: string;

  before(async () => {
    kubeseal = await ensureKubeseal();
    await installCRDs();
    ctl = uniqueName('ss-ctl');
    controller = await startSealedSecretController(ctl, [
      '--rate-limit=50',
      '--rate-limit-burst=50',
    ]);
    certPem = await waitForCert(controller);
    dir = mkdtempSync(join(tmpdir(), 'kubeseal-'));
    writeFileSync(join(dir, 'cert.pem'), certPem);
    await getPlane().plane.exposeLocalService({
      namespace: ctl,
      name: 'sealed-secrets-controller',
      port: controller.httpPort,
    });
  });
  after(async () => {
    await controller?.stop();
  });

  async function ks(args: string[], stdin = ''): Promise<string> {
    const p = run(kubeseal, ['--kubeconfig', getPlane().kubeconfigPath, ...args], {
      timeout: 60_000,
    });
    p.child.stdin?.end(stdin);
    const { stdout } = await p;
    return stdout;
  }

  function secret(namespace: string, name: string): string {
    return stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'Opaque',
      data: {
        user: Buffer.from('bob').toString('base64'),
        pass: Buffer.from('hunter2').toString('base64'),
      },
    });
  }

  it('kubeseal --cert seals with our certificate and the controller unseals it', async () => {
    const ns = await createNamespace('ks-cert');
    const out = await ks(['--cert', join(dir, 'cert.pem'), '-o', 'yaml'], secret(ns, 'offline'));
    await createSealedSecret(parseDoc(out));
    expect(decoded(await waitForSecret(ns, 'offline'))).to.deep.equal({
      user: 'bob',
      pass: 'hunter2',
    });
  });

  it('kubeseal --fetch-cert and online sealing go through the API server service proxy', async () => {
    const fetched = await ks(['--fetch-cert', '--controller-namespace', ctl]);
    expect(fetched).to.equal(certPem);
    const ns = await createNamespace('ks-proxy');
    const out = await ks(
      ['--controller-namespace', ctl, '-o', 'yaml', '--scope', 'namespace-wide'],
      secret(ns, 'online'),
    );
    await createSealedSecret(parseDoc(out));
    expect(decoded(await waitForSecret(ns, 'online')).pass).to.equal('hunter2');
    // kubectl seal finds the same controller the same way.
    expect(await kubectlSeal(['--fetch-cert', '--controller-namespace', ctl])).to.equal(certPem);
  });

  it('kubeseal --validate and --re-encrypt use /v1/verify and /v1/rotate', async () => {
    const ns = await createNamespace('ks-verify');
    const sealed = await ks(['--controller-namespace', ctl, '-o', 'yaml'], secret(ns, 'v'));
    await ks(['--controller-namespace', ctl, '--validate'], sealed);
    const moved = parseDoc<{ metadata: { namespace: string } }>(sealed);
    moved.metadata.namespace = 'elsewhere';
    const err = await ks(['--controller-namespace', ctl, '--validate'], stringify(moved)).then(
      () => '',
      (e: { stderr?: string }) => e.stderr ?? '',
    );
    expect(err).to.contain('unable to decrypt sealed secret');
    const reEncrypted = await ks(
      ['--controller-namespace', ctl, '--re-encrypt', '-o', 'yaml'],
      sealed,
    );
    const ss = parseDoc<Record<string, unknown>>(reEncrypted);
    expect((ss.spec as { encryptedData: Record<string, string> }).encryptedData.user).to.not.equal(
      parseDoc<{ spec: { encryptedData: Record<string, string> } }>(sealed).spec.encryptedData.user,
    );
    await createSealedSecret(ss);
    expect(decoded(await waitForSecret(ns, 'v')).user).to.equal('bob');
  });

  it("opens our sealer's output with kubeseal --recovery-unseal and our private key", async () => {
    const [key] = await keySecrets(ctl);
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, Buffer.from(key!.data!['tls.key']!, 'base64'));
    const ns = await createNamespace('ks-recover');
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide'] as const) {
      const ours = await sealDirect(
        certPem,
        { namespace: ns, name: `r-${scope}`, scope },
        { token: `t-${scope}` },
      );
      const out = await ks(
        ['--recovery-unseal', '--recovery-private-key', keyFile, '-o', 'yaml'],
        JSON.stringify(ours),
      );
      const s = parseDoc<{ data: Record<string, string> }>(out);
      expect(Buffer.from(s.data.token!, 'base64').toString(), scope).to.equal(`t-${scope}`);
    }
    // And the plugin's own output too.
    const pluginOut = await kubectlSeal(
      ['--cert', join(dir, 'cert.pem'), '-o', 'yaml'],
      secret(ns, 'p'),
    );
    const s = parseDoc<{ data: Record<string, string> }>(
      await ks(['--recovery-unseal', '--recovery-private-key', keyFile, '-o', 'yaml'], pluginOut),
    );
    expect(Buffer.from(s.data.pass!, 'base64').toString()).to.equal('hunter2');
  });
});
