/**
 * Migration both ways with Bitnami's real controller (v0.27.1, built by the harness and run as a
 * pod would run it, test/harness/bitnami.ts): what `kubectl seal` makes opens in Bitnami's
 * controller; tenantry takes over the key Bitnami generated and the Secrets it made without
 * recreating them; and Bitnami's controller, put back, opens what was sealed while tenantry ran,
 * so a rollback loses nothing. Bitnami's controller watches only the suite's namespaces, so what
 * other suites left on the shared plane does not queue ahead of ours (it sends 5 requests/s).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { serviceAccountToken } from '../../harness/accounts.js';
import { startBitnamiController, type BitnamiController } from '../../harness/bitnami.js';
import { ensureBitnamiController } from '../../harness/binaries.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually } from '../../helpers/names.js';
import {
  admin,
  createNamespace,
  createSealedSecret,
  decoded,
  getSecret,
  installCRDs,
  keySecrets,
  kubectlSeal,
  metricValue,
  parseDoc,
  startSealedSecretController,
  waitForCert,
  waitForSecret,
  waitForSynced,
} from './helpers.js';

/** A Secret manifest as a user would pipe it into `kubectl seal`. */
function secretYaml(namespace: string, name: string, data: Record<string, string>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { app: name } },
    type: 'kubernetes.io/basic-auth',
    data: Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
  });
}

describe("SealedSecret controller: migrating from Bitnami's controller and back", function () {
  // The first run on a machine builds Bitnami's controller (about a minute with Go's caches warm).
  this.timeout(600_000);
  let ctl: string;
  let ns: string;
  let token: string;
  let bitnami: BitnamiController | undefined;
  let tenantry: ControllerProcess | undefined;
  let bitnamiCert: string;
  let sealedDb: string;
  const bitnamiArgs = (): string[] => [
    '--key-size=2048',
    '--all-namespaces=false',
    `--additional-namespaces=${ns}`,
  ];

  before(async () => {
    await ensureBitnamiController();
    await installCRDs();
    ctl = await createNamespace('bitnami-ctl');
    ns = await createNamespace('from-bitnami');
    ({ token } = await serviceAccountToken(getPlane().plane, {
      namespace: ctl,
      name: 'sealed-secrets-controller',
      clusterRole: 'cluster-admin',
    }));
    bitnami = await startBitnamiController(getPlane().plane, {
      namespace: ctl,
      token,
      args: bitnamiArgs(),
    });
    await getPlane().plane.exposeLocalService({
      namespace: ctl,
      name: 'sealed-secrets-controller',
      port: bitnami.httpPort,
    });
  });
  after(async () => {
    await bitnami?.stop();
    await tenantry?.stop();
  });

  it("Bitnami's controller opens what kubectl seal makes with its certificate, fetched through the service proxy", async () => {
    bitnamiCert = await kubectlSeal(['--fetch-cert', '--controller-namespace', ctl]);
    const keys = await keySecrets(ctl);
    expect(keys).to.have.length(1, 'Bitnami generated one key at start');
    expect(Buffer.from(keys[0]!.data!['tls.crt']!, 'base64').toString()).to.equal(bitnamiCert);

    for (const [name, scope] of [
      ['db', 'strict'],
      ['wide', 'namespace-wide'],
    ] as const) {
      const sealed = await kubectlSeal(
        ['--controller-namespace', ctl, '--scope', scope, '-o', 'yaml'],
        secretYaml(ns, name, { username: 'bob', password: `hunter2-${name}` }),
      );
      if (name === 'db') sealedDb = sealed;
      await createSealedSecret(parseDoc(sealed));
      const secret = await waitForSecret(ns, name, undefined, 60_000);
      expect(decoded(secret)).to.deep.equal({ username: 'bob', password: `hunter2-${name}` });
      expect(secret.type).to.equal('kubernetes.io/basic-auth');
      expect(secret.metadata.labels?.app).to.equal(name);
      expect(secret.metadata.ownerReferences?.[0]).to.include({
        kind: 'SealedSecret',
        name,
        controller: true,
      });
    }
  });

  it("kubectl seal --validate and --re-encrypt work through Bitnami's /v1/verify and /v1/rotate", async () => {
    await kubectlSeal(['--controller-namespace', ctl, '--validate'], sealedDb);
    const moved = parseDoc<{ metadata: { namespace: string } }>(sealedDb);
    moved.metadata.namespace = 'elsewhere';
    const refused = await kubectlSeal(
      ['--controller-namespace', ctl, '--validate'],
      stringify(moved),
    ).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(refused).to.contain('unable to decrypt sealed secret');
    type Sealed = { spec: { encryptedData: Record<string, string> } };
    const reEncrypted = parseDoc<Sealed>(
      await kubectlSeal(['--controller-namespace', ctl, '--re-encrypt', '-o', 'yaml'], sealedDb),
    );
    const original = parseDoc<Sealed>(sealedDb);
    expect(Object.keys(reEncrypted.spec.encryptedData)).to.have.members(['username', 'password']);
    expect(reEncrypted.spec.encryptedData.password).to.not.equal(
      original.spec.encryptedData.password,
    );
  });

  it('tenantry takes over the key Bitnami generated and the Secrets it made, without recreating them', async () => {
    const before = await getSecret(ns, 'db');
    await bitnami?.stop();
    bitnami = undefined;
    tenantry = await startSealedSecretController(ctl);
    expect(await waitForCert(tenantry)).to.equal(bitnamiCert);
    // Bitnami's conditions carry no reason; tenantry's do, so this waits for tenantry's pass.
    for (const name of ['db', 'wide'])
      await waitForSynced(ns, name, 'True', (c) => c.reason === 'Unsealed');
    const after = await getSecret(ns, 'db');
    expect(after?.metadata.uid).to.equal(before?.metadata.uid, 'the Secret was not recreated');
    expect(decoded(after)).to.deep.equal(decoded(before));
    expect(await keySecrets(ctl)).to.have.length(1, 'no key was minted over Bitnami’s');
  });

  it('tenantry repairs drift on a Secret Bitnami made', async () => {
    await admin().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/secrets/db`,
      contentType: 'application/merge-patch+json',
      body: { data: { password: Buffer.from('edited').toString('base64') } },
    });
    const restored = await waitForSecret(ns, 'db', (s) => decoded(s).password === 'hunter2-db');
    expect(decoded(restored).username).to.equal('bob');
  });

  it("Bitnami's controller, put back, opens what was sealed while tenantry ran", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitnami-back-'));
    const certFile = join(dir, 'cert.pem');
    writeFileSync(certFile, await waitForCert(tenantry!));
    const sealedWhileTenantry = await kubectlSeal(
      ['--cert', certFile, '-o', 'yaml'],
      secretYaml(ns, 'during', { username: 'carol', password: 'during' }),
    );
    await createSealedSecret(parseDoc(sealedWhileTenantry));
    await waitForSecret(ns, 'during');
    await tenantry?.stop();
    tenantry = undefined;

    // Sealed and applied while no controller runs: only Bitnami's, put back, can open it.
    const sealedAfter = await kubectlSeal(
      ['--cert', certFile, '-o', 'yaml'],
      secretYaml(ns, 'after', { username: 'dave', password: 'after' }),
    );
    await createSealedSecret(parseDoc(sealedAfter));
    bitnami = await startBitnamiController(getPlane().plane, {
      namespace: ctl,
      token,
      args: bitnamiArgs(),
    });
    expect(decoded(await waitForSecret(ns, 'after', undefined, 60_000))).to.deep.equal({
      username: 'dave',
      password: 'after',
    });
    // What tenantry made stays as it was once Bitnami's controller has been through every
    // SealedSecret of the namespace (db, wide, during, after).
    await eventually(
      "Bitnami's controller to look at all four SealedSecrets",
      async () =>
        metricValue(await bitnami!.metrics(), 'sealed_secrets_controller_unseal_requests_total') >=
          4 || undefined,
      60_000,
    );
    for (const [name, password] of [
      ['during', 'during'],
      ['db', 'hunter2-db'],
    ] as const)
      expect(decoded(await getSecret(ns, name)).password).to.equal(password);
    expect(await keySecrets(ctl)).to.have.length(1);
  });
});
