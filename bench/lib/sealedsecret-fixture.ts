// The SealedSecret benchmarks' shared fixture (bench/sealedsecret.ts for tenantry's controller,
// bench/bitnami.ts for Bitnami's on the same data): RSA-4096 key Secrets as Bitnami stores them,
// SealedSecrets sealed with the newest key, and a ServiceAccount bound to cluster-admin.
import { KubeClient } from '../../controller/runtime/index.js';
import { mapLimit } from '../../controller/tenant/writer.js';
import { parseSealingCertificate } from '../../crypto/certificate.js';
import { generateSealingKey, type SealingKeyPair } from '../../crypto/keys.js';
import { hybridEncryptNative } from '../../crypto/hybrid.js';
import { encryptionLabel } from '../../crypto/scope.js';
import { serviceAccountToken, type ServiceAccountToken } from '../../test/harness/accounts.js';
import type { ControlPlane } from '../../test/harness/controlplane.js';
import { installCRDs } from '../../test/harness/crds.js';

/** The controller's namespace (its keys and ServiceAccount), as in Bitnami's chart. */
export const CONTROLLER_NAMESPACE = 'sealed-secrets';
/** The ServiceAccount the controller runs as. */
export const CONTROLLER_ACCOUNT = 'sealed-secrets-controller';
const ITEM_NAMES = ['username', 'password', 'url'];

/**
 * `keys` RSA-4096 key Secrets in the controller's namespace, one month apart, the newest a day
 * old: a year of renewals, none due yet. Returns the newest (the one that seals).
 */
export async function makeKeys(c: KubeClient, keys: number): Promise<SealingKeyPair> {
  const start = Date.now() - (keys - 1) * 30 * 86_400_000 - 86_400_000;
  const pairs = await Promise.all(
    Array.from({ length: keys }, (_, i) =>
      generateSealingKey({ bits: 4096, now: new Date(start + i * 30 * 86_400_000) }),
    ),
  );
  await mapLimit(pairs, 4, async (p) => {
    await c.request({
      method: 'POST',
      path: `/api/v1/namespaces/${CONTROLLER_NAMESPACE}/secrets`,
      body: {
        metadata: {
          generateName: 'sealed-secrets-key',
          labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' },
        },
        type: 'kubernetes.io/tls',
        data: {
          'tls.crt': Buffer.from(p.certificatePem).toString('base64'),
          'tls.key': Buffer.from(p.privateKeyPem).toString('base64'),
        },
      },
    });
  });
  return pairs[pairs.length - 1]!;
}

/** Shape of the SealedSecrets: how many, items each, how many per namespace (`bench-<n>`). */
export interface SealedSecretSet {
  readonly count: number;
  readonly items: number;
  readonly perNamespace: number;
}

/** Creates the namespaces and the strict-scope SealedSecrets, sealed with `newest`. */
export async function makeSealedSecrets(
  c: KubeClient,
  newest: SealingKeyPair,
  set: SealedSecretSet,
): Promise<void> {
  const { publicKey } = parseSealingCertificate(newest.certificatePem);
  const namespaces = Math.ceil(set.count / set.perNamespace);
  for (let n = 0; n < namespaces; n++) {
    await c.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: `bench-${n}` } },
    });
  }
  const objects = Array.from({ length: set.count }, (_, i) => {
    const namespace = `bench-${Math.floor(i / set.perNamespace)}`;
    const name = `app-${i}`;
    const label = encryptionLabel({ scope: 'strict', namespace, name });
    const encryptedData: Record<string, string> = {};
    for (const item of ITEM_NAMES.slice(0, set.items)) {
      encryptedData[item] = hybridEncryptNative(
        publicKey,
        Buffer.from(`${item}-${i}-value`),
        label,
      ).toString('base64');
    }
    return {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name, namespace },
      spec: { encryptedData },
    };
  });
  await mapLimit(objects, 8, async (o) => {
    await c.request({
      method: 'POST',
      path: `/apis/bitnami.com/v1alpha1/namespaces/${o.metadata.namespace}/sealedsecrets`,
      body: o,
    });
  });
}

/**
 * The controller's ServiceAccount in its namespace (which must exist), bound to cluster-admin,
 * with a bound token. A controller runs in a cluster under such a token, not the admin's client
 * certificate: the API server checks a token against its cache, while a client certificate is
 * verified (x509 chain) on every request, 4–6 % of kube-apiserver's CPU in this bench.
 */
export function controllerAccount(plane: ControlPlane): Promise<ServiceAccountToken> {
  return serviceAccountToken(plane, {
    namespace: CONTROLLER_NAMESPACE,
    name: CONTROLLER_ACCOUNT,
    clusterRole: 'cluster-admin',
  });
}

/**
 * The whole fixture on a fresh plane: the CRDs, the controller's namespace, `keys` key Secrets,
 * the SealedSecrets, and the controller's ServiceAccount.
 */
export async function prepareFixture(
  plane: ControlPlane,
  opts: { keys: number } & SealedSecretSet,
  log: (line: string) => void,
): Promise<ServiceAccountToken> {
  const admin = new KubeClient(plane.kubeConfig());
  await installCRDs(plane.kubeConfig());
  await admin.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { metadata: { name: CONTROLLER_NAMESPACE } },
  });
  log(`bench: generating ${opts.keys} RSA-4096 keys`);
  const newest = await makeKeys(admin, opts.keys);
  log(`bench: creating ${opts.count} SealedSecrets`);
  await makeSealedSecrets(admin, newest, opts);
  return controllerAccount(plane);
}
