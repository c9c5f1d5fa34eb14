/**
 * The key ring against the real API server: renewal keeps old keys (old blobs still open, new
 * seals use the new key); relabelled (`compromised`) keys stop loading without a restart;
 * malformed key Secrets are ignored with an Event; Bitnami's reference test key, imported as a
 * key Secret, unseals the reference vectors; a 403 on key Secrets never mints a key; SIGUSR1
 * mints a key on any replica (Bitnami's signal) instead of opening Node's debugger.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { selfSignedCertificatePem } from '../../../crypto/x509-forge.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import {
  TEST_PRIVATE_KEY,
  TEST_PUBLIC_KEY,
  VECTOR_A,
  VECTOR_B,
  VECTOR_C,
  VECTOR_D,
} from '../../unit/crypto/fixtures.js';
import {
  admin,
  create,
  createNamespace,
  createSealedSecret,
  decoded,
  eventsFor,
  getSecret,
  importKeySecret,
  installCRDs,
  keySecrets,
  metricValue,
  sealDirect,
  startSealedSecretController,
  waitForCert,
  waitForSecret,
  waitForSynced,
} from './helpers.js';

const FINGERPRINT = 'tenantry.io/sealed-key-fingerprint';

function certFor(privatePem: string, publicPem: string, notBefore: Date): string {
  return selfSignedCertificatePem({
    publicKey: createPublicKey(publicPem),
    privateKey: createPrivateKey(privatePem),
    commonName: '',
    serialNumber: '01',
    notBefore,
    notAfter: new Date(notBefore.getTime() + 10 * 365 * 86_400_000),
  });
}

describe('SealedSecret controller: the key ring', () => {
  const running: ControllerProcess[] = [];
  before(installCRDs);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  it('renews keys: old blobs still open, new seals use the new key, old keys are kept', async () => {
    const ctl = uniqueName('ss-ctl');
    const c = await startSealedSecretController(ctl, ['--key-renew-period=6s']);
    running.push(c);
    const cert1 = await waitForCert(c);
    const ns = await createNamespace('ss-renew');
    await createSealedSecret(
      await sealDirect(cert1, { namespace: ns, name: 'old' }, { v: 'sealed-with-1' }),
    );
    const cert2 = await eventually('a renewed certificate', async () => {
      const now = await waitForCert(c);
      return now !== cert1 ? now : undefined;
    });
    await createSealedSecret(
      await sealDirect(cert2, { namespace: ns, name: 'new' }, { v: 'sealed-with-2' }),
    );
    const [oldSecret, newSecret] = [await waitForSecret(ns, 'old'), await waitForSecret(ns, 'new')];
    expect(decoded(oldSecret).v).to.equal('sealed-with-1');
    expect(decoded(newSecret).v).to.equal('sealed-with-2');
    expect(oldSecret.metadata.annotations?.[FINGERPRINT]).to.not.equal(
      newSecret.metadata.annotations?.[FINGERPRINT],
    );
    // The old Secret is recreated with the old key after the renewal.
    await admin().request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/secrets/old` });
    expect(decoded(await waitForSecret(ns, 'old')).v).to.equal('sealed-with-1');
    const keys = await keySecrets(ctl);
    expect(keys.length).to.be.at.least(2);
    for (const k of keys) {
      expect(k.type).to.equal('kubernetes.io/tls');
      expect(k.metadata.name).to.match(/^sealed-secrets-key[a-z0-9]{5}$/);
      expect(k.metadata.labels?.['sealedsecrets.bitnami.com/sealed-secrets-key']).to.equal(
        'active',
      );
    }
  });

  it('SIGUSR1 mints a new key on the replica that gets it, follower included; no debugger opens', async () => {
    const ctl = uniqueName('ss-ctl');
    const a = await startSealedSecretController(ctl);
    running.push(a);
    const first = await waitForCert(a);
    const b = await startSealedSecretController(ctl);
    running.push(b);
    const leading = async (c: ControllerProcess): Promise<boolean> =>
      metricValue(await c.metrics(), 'leader_election_master_status') === 1;
    await eventually('a leader', async () => (await leading(a)) || (await leading(b)) || undefined);
    const [leader, follower] = (await leading(a)) ? [a, b] : [b, a];

    process.kill(follower.pid, 'SIGUSR1');
    const second = await eventually('the leader to serve a new certificate', async () => {
      const now = await waitForCert(leader);
      return now !== first ? now : undefined;
    });
    expect(await waitForCert(follower)).to.equal(second);
    expect((await keySecrets(ctl)).length).to.equal(2);

    process.kill(leader.pid, 'SIGUSR1');
    await eventually('a third key', async () => (await keySecrets(ctl)).length === 3 || undefined);
    // Events about the (cluster-scoped) controller Namespace live in `default`.
    const generated = (await eventsFor('default', ctl)).filter((e) => e.reason === 'KeyGenerated');
    expect(generated.filter((e) => e.message.includes('SIGUSR1')).length).to.equal(2);
    for (const c of [leader, follower]) {
      // Without the listener, Node opens its inspector on SIGUSR1 and says so on stderr.
      expect(c.logs(500)).to.include('Signal received').and.not.include('Debugger listening');
    }
  });

  it('stops using a key relabelled compromised, without a restart', async () => {
    const ctl = uniqueName('ss-ctl');
    const c = await startSealedSecretController(ctl);
    running.push(c);
    const cert = await waitForCert(c);
    const ns = await createNamespace('ss-comp');
    await createSealedSecret(await sealDirect(cert, { namespace: ns, name: 'x' }, { v: '1' }));
    await waitForSynced(ns, 'x', 'True');
    const [key] = await keySecrets(ctl);
    await admin().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ctl}/secrets/${key!.metadata.name}`,
      contentType: 'application/merge-patch+json',
      body: {
        metadata: { labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'compromised' } },
      },
    });
    await eventually('the key to be unloaded', async () =>
      metricValue(await c.metrics(), 'tenantry_sealing_keys', { state: 'loaded' }) === 0
        ? true
        : undefined,
    );
    expect((await c.get('/v1/cert.pem')).status).to.equal(500);
    const cond = await waitForSynced(ns, 'x', 'False');
    expect(cond.message).to.contain('no sealing key is loaded');
    // The produced Secret is not deleted.
    expect(decoded(await getSecret(ns, 'x')).v).to.equal('1');
    // Back to active: loaded again, in sync again.
    await admin().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ctl}/secrets/${key!.metadata.name}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' } } },
    });
    await waitForSynced(ns, 'x', 'True');
  });

  it('ignores malformed key Secrets with a Warning Event and keeps running', async () => {
    const ctl = uniqueName('ss-ctl');
    await admin().request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: ctl } },
    });
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await importKeySecret(ctl, 'bad-pem', 'not a key', 'not a cert');
    await importKeySecret(ctl, 'non-rsa', ecPem, 'irrelevant');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaPem = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    await importKeySecret(ctl, 'empty-cert', rsaPem, '');
    const c = await startSealedSecretController(ctl);
    running.push(c);
    await waitForCert(c); // a good key was generated beside the bad ones
    for (const [name, text] of [
      ['bad-pem', 'tls.key'],
      ['non-rsa', 'private key is not an RSA key'],
      ['empty-cert', 'tls.crt is missing or empty'],
    ]) {
      const events = await eventually(`a Warning for ${name}`, async () => {
        const e = await eventsFor(ctl, name!);
        return e.some((x) => x.reason === 'InvalidSealingKey') ? e : undefined;
      });
      expect(events.find((x) => x.reason === 'InvalidSealingKey')?.message).to.contain(text);
    }
    const m = await c.metrics();
    expect(metricValue(m, 'tenantry_sealing_keys', { state: 'rejected' })).to.equal(3);
    expect(metricValue(m, 'tenantry_sealing_keys', { state: 'loaded' })).to.equal(1);
    expect((await c.get('/healthz')).status).to.equal(200);
  });

  it('unseals the reference vectors with the reference test key imported as a Bitnami key Secret', async () => {
    const ctl = uniqueName('ss-ctl');
    await admin().request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: ctl } },
    });
    const keyPem = TEST_PRIVATE_KEY.export({ type: 'pkcs1', format: 'pem' }).toString();
    const pubPem = TEST_PUBLIC_KEY.export({ type: 'spki', format: 'pem' }).toString();
    await importKeySecret(
      ctl,
      'sealed-secrets-keyabcde',
      keyPem,
      certFor(keyPem, pubPem, new Date('2020-01-01T00:00:00Z')),
    );
    const c = await startSealedSecretController(ctl);
    running.push(c);
    await waitForCert(c);
    // The vectors are bound to namespace myns (strict: myns/mysecret).
    await admin()
      .request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'myns' } } })
      .catch(() => undefined);
    const ss = (
      name: string,
      value: string,
      annotations: Record<string, string> = {},
      namespace = 'myns',
    ): Record<string, unknown> => ({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name, namespace, annotations },
      spec: { encryptedData: { foo: value } },
    });
    const other = await createNamespace('ss-vec');
    const suffix = uniqueName('v');
    await createSealedSecret(ss('mysecret', VECTOR_A));
    await createSealedSecret(
      ss(`b-${suffix}`, VECTOR_C, { 'sealedsecrets.bitnami.com/namespace-wide': 'true' }),
    );
    await createSealedSecret(
      ss('d', VECTOR_D, { 'sealedsecrets.bitnami.com/cluster-wide': 'true' }, other),
    );
    for (const [namespace, name] of [
      ['myns', 'mysecret'],
      ['myns', `b-${suffix}`],
      [other, 'd'],
    ] as const) {
      expect(decoded(await waitForSecret(namespace, name)).foo, `${namespace}/${name}`).to.equal(
        'bar',
      );
    }
    // Vector B (same label as A) replaces A's blob: a spec change unseals again.
    await admin().request({
      method: 'PATCH',
      path: '/apis/bitnami.com/v1alpha1/namespaces/myns/sealedsecrets/mysecret',
      contentType: 'application/merge-patch+json',
      body: { spec: { encryptedData: { foo: VECTOR_B, again: VECTOR_B } } },
    });
    expect(
      decoded(await waitForSecret('myns', 'mysecret', (s) => 'again' in (s.data ?? {}))),
    ).to.deep.equal({ foo: 'bar', again: 'bar' });
    await admin().request({
      method: 'DELETE',
      path: '/apis/bitnami.com/v1alpha1/namespaces/myns/sealedsecrets/mysecret',
    });
  });

  it('never mints a key while key Secrets cannot be listed (403), and says why', async () => {
    const ctl = uniqueName('ss-ctl');
    const user = uniqueName('ss-no-secrets');
    const identity = getPlane().makeUser(user, []);
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: user },
      rules: [
        {
          apiGroups: ['bitnami.com'],
          resources: ['sealedsecrets', 'sealedsecrets/status'],
          verbs: ['*'],
        },
        { apiGroups: ['tenantry.io'], resources: ['tenants'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] },
      ],
    };
    await create('/apis/rbac.authorization.k8s.io/v1/clusterroles', role);
    await create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: user },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
      subjects: [{ kind: 'User', name: user }],
    });
    const { startController } = await import('../../harness/controller.js');
    const c = await startController(getPlane().plane, {
      namespace: ctl,
      kubeconfigPath: identity.kubeconfigPath,
      args: ['--controllers=sealedsecret', '--key-size=2048'],
    });
    running.push(c);
    await eventually('the 403 to be logged', async () =>
      /HTTP 403 Forbidden\): no key will be generated/.test(c.logs(200)) ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(await keySecrets(ctl)).to.deep.equal([]);
    expect((await c.get('/readyz')).status).to.equal(503);
    expect((await c.get('/v1/cert.pem')).status).to.equal(500);
  });
});
