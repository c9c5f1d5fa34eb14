/**
 * Helpers for the SealedSecret controller's integration tests: CRDs, namespaces, the real
 * controller process (RSA-2048 keys for speed), sealing with `kubectl seal`'s `run()`, and
 * reading Secrets, SealedSecret status and metrics.
 */
import { PassThrough, Readable } from 'node:stream';
import { createPrivateKey } from 'node:crypto';
import { parse } from 'yaml';
import { KubeClient } from '../../../controller/runtime/kube.js';
import { sealValue } from '../../../crypto/value.js';
import { encryptionLabel, withScopeAnnotations, type SealingScope } from '../../../crypto/scope.js';
import { parseSealingCertificate } from '../../../crypto/certificate.js';
import {
  LABEL_SEALED_SECRETS_KEY,
  sealedSecretCRD,
  tenantCRD,
  type CustomResourceDefinition,
} from '../../../crds/index.js';
import { run as kubectlSealRun } from '../../../plugin/seal/run.js';
import { startController, type ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';

export { metricValue } from '../../harness/metrics.js';

export const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
export const SS_API = '/apis/bitnami.com/v1alpha1';

/** An admin client (system:masters). */
export function admin(): KubeClient {
  return new KubeClient(getPlane().kubeConfig());
}

/** Applies both CRDs and waits until SealedSecrets and Tenants are served. */
export async function installCRDs(): Promise<void> {
  const c = admin();
  for (const crd of [sealedSecretCRD, tenantCRD] as CustomResourceDefinition[]) {
    await c.request({
      method: 'PATCH',
      path: `${CRD_PATH}/${crd.metadata.name}`,
      query: { fieldManager: 'tenantry-test', force: true },
      body: crd,
      contentType: 'application/apply-patch+yaml',
    });
  }
  for (const [group, plural] of [
    ['bitnami.com/v1alpha1', 'sealedsecrets'],
    ['tenantry.io/v1alpha1', 'tenants'],
  ] as const) {
    await eventually(`${plural} served`, async () => {
      const list = await c.request<{ resources: { name: string }[] }>({
        method: 'GET',
        path: `/apis/${group}`,
      });
      return list.resources.some((r) => r.name === plural) ? true : undefined;
    });
  }
}

/** Creates a namespace (optionally with labels/ownerReferences) and returns its name. */
export async function createNamespace(
  prefix: string,
  meta: { labels?: Record<string, string>; ownerReferences?: unknown[] } = {},
): Promise<string> {
  const name = uniqueName(prefix);
  await admin().request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { metadata: { name, ...meta } },
  });
  return name;
}

/** Starts the controller with only the sealedsecret module, RSA-2048 keys, and waits until ready. */
export async function startSealedSecretController(
  namespace: string,
  args: string[] = [],
  opts: { kubeconfigPath?: string; waitForKey?: boolean } = {},
): Promise<ControllerProcess> {
  const c = await startController(getPlane().plane, {
    namespace,
    args: ['--controllers=sealedsecret', '--key-size=2048', ...args],
    ...(opts.kubeconfigPath !== undefined ? { kubeconfigPath: opts.kubeconfigPath } : {}),
  });
  await c.waitReady();
  if (opts.waitForKey !== false) await waitForCert(c);
  return c;
}

/** Waits until /v1/cert.pem serves a certificate and returns it. */
export async function waitForCert(c: ControllerProcess): Promise<string> {
  return eventually(
    'the controller to serve /v1/cert.pem',
    async () => {
      const r = await c.get('/v1/cert.pem');
      return r.status === 200 ? r.body : undefined;
    },
    60_000,
  );
}

/** Where a sealed value is meant to unseal. */
export interface SealTarget {
  readonly namespace: string;
  readonly name: string;
  readonly scope?: SealingScope;
  readonly tenant?: string;
}

/** A SealedSecret sealed with `crypto/` directly (the library `kubectl seal` uses). */
export async function sealDirect(
  certPem: string,
  target: SealTarget,
  items: Record<string, string>,
  template: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const cert = parseSealingCertificate(certPem);
  const scope = target.scope ?? 'strict';
  const label = encryptionLabel({ ...target, scope });
  const encryptedData: Record<string, string> = {};
  for (const [k, v] of Object.entries(items)) {
    encryptedData[k] = await sealValue({
      publicKey: cert.publicKey,
      plaintext: Buffer.from(v),
      label,
    });
  }
  const annotations = withScopeAnnotations({}, scope);
  if (target.tenant !== undefined) annotations['tenantry.io/tenant'] = target.tenant;
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: target.name, namespace: target.namespace, annotations },
    spec: { encryptedData, template: { metadata: { annotations }, ...template } },
  };
}

/** Runs `kubectl seal` in process; resolves with stdout, throws with stderr on failure. */
export async function kubectlSeal(args: string[], stdin = ''): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  const code = await kubectlSealRun(args, {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout,
    stderr,
    env: { ...process.env, KUBECONFIG: getPlane().kubeconfigPath },
  });
  if (code !== 0)
    throw new Error(
      `kubectl seal ${args.join(' ')} failed (${code}): ${Buffer.concat(err).toString()}`,
    );
  return Buffer.concat(out).toString();
}

/** Parses one YAML/JSON document. */
export function parseDoc<T = Record<string, unknown>>(text: string): T {
  return parse(text) as T;
}

/** Creates an object (POST) at `collection`. */
export async function create<T = unknown>(collection: string, body: unknown): Promise<T> {
  return admin().request<T>({ method: 'POST', path: collection, body });
}

/** Creates a SealedSecret. */
export async function createSealedSecret(ss: Record<string, unknown>): Promise<SealedSecretView> {
  const ns = (ss.metadata as { namespace: string }).namespace;
  return create<SealedSecretView>(`${SS_API}/namespaces/${ns}/sealedsecrets`, ss);
}

/** The fields of a SealedSecret tests read. */
export interface SealedSecretView {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion: string;
    annotations?: Record<string, string>;
  };
  spec: {
    encryptedData: Record<string, string>;
    template?: Record<string, unknown>;
    data?: string;
  };
  status?: {
    observedGeneration?: number;
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastUpdateTime?: string;
      lastTransitionTime?: string;
    }[];
  };
}

/** The fields of a Secret tests read. */
export interface SecretView {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
}

/** GET a Secret, or undefined if absent. */
export async function getSecret(namespace: string, name: string): Promise<SecretView | undefined> {
  try {
    return await admin().request<SecretView>({
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}/secrets/${name}`,
    });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** GET a SealedSecret. */
export async function getSealedSecret(namespace: string, name: string): Promise<SealedSecretView> {
  return admin().request<SealedSecretView>({
    method: 'GET',
    path: `${SS_API}/namespaces/${namespace}/sealedsecrets/${name}`,
  });
}

/** Decoded data of a Secret. */
export function decoded(secret: SecretView | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {}))
    out[k] = Buffer.from(v, 'base64').toString();
  return out;
}

/** Waits for the Secret to exist (and match `check`). */
export async function waitForSecret(
  namespace: string,
  name: string,
  check: (s: SecretView) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<SecretView> {
  return eventually(
    `Secret ${namespace}/${name}`,
    async () => {
      const s = await getSecret(namespace, name);
      return s !== undefined && check(s) ? s : undefined;
    },
    timeoutMs,
  );
}

/** Waits until the SealedSecret's Synced condition has `status` (and returns the condition). */
export async function waitForSynced(
  namespace: string,
  name: string,
  status: 'True' | 'False',
  check: (c: { reason?: string; message?: string }) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<{ status: string; reason?: string; message?: string }> {
  return eventually(
    `SealedSecret ${namespace}/${name} Synced=${status}`,
    async () => {
      const ss = await getSealedSecret(namespace, name);
      const c = ss.status?.conditions?.find((x) => x.type === 'Synced');
      return c?.status === status &&
        check(c) &&
        ss.status?.observedGeneration === ss.metadata.generation
        ? c
        : undefined;
    },
    timeoutMs,
  );
}

/** API writes of the controller, from `tenantry_client_requests`, excluding Lease renewals. */
export function writesOf(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    const m = /^tenantry_client_requests\{verb="([^"]+)",resource="([^"]+)"\} (\S+)$/.exec(line);
    if (m === null) continue;
    const [, verb, resource, n] = m;
    if (!['create', 'update', 'patch', 'apply', 'delete', 'deletecollection'].includes(verb!))
      continue;
    if (resource === 'leases') continue;
    out[`${verb} ${resource}`] = Number(n);
  }
  return out;
}

/** Key Secrets in the controller namespace. */
export async function keySecrets(namespace: string): Promise<SecretView[]> {
  const list = await admin().request<{ items: SecretView[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/secrets`,
    query: { labelSelector: LABEL_SEALED_SECRETS_KEY },
  });
  return list.items;
}

/** Imports a PEM key pair as a Bitnami key Secret (kubernetes.io/tls, label active). */
export async function importKeySecret(
  namespace: string,
  name: string,
  keyPem: string,
  certPem: string,
  label = 'active',
): Promise<void> {
  await create(`/api/v1/namespaces/${namespace}/secrets`, {
    metadata: { name, namespace, labels: { [LABEL_SEALED_SECRETS_KEY]: label } },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(certPem).toString('base64'),
      'tls.key': Buffer.from(keyPem).toString('base64'),
    },
  });
}

/** PKCS#1 PEM of a private key PEM in any format. */
export function pkcs1(pem: string): string {
  return createPrivateKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** POSTs a body to the controller's main listener. */
export async function post(
  c: ControllerProcess,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${c.httpPort}${path}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
  return { status: res.status, body: await res.text() };
}

/** Events about an object. */
export async function eventsFor(
  namespace: string,
  name: string,
): Promise<{ type: string; reason: string; message: string }[]> {
  const list = await admin().request<{
    items: { type: string; reason: string; message: string; involvedObject: { name: string } }[];
  }>({
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/events`,
  });
  return list.items.filter((e) => e.involvedObject.name === name);
}
