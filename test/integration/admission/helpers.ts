/**
 * Shared pieces of the admission suites: CRDs, the controller with its webhook on loopback,
 * identities as API clients, RBAC like the Tenant controller grants, and denial assertions.
 */
import { expect } from 'chai';
import { KubeClient } from '../../../controller/runtime/kube.js';
import { allCRDs, type Tenant } from '../../../crds/index.js';
import { startController, type ControllerProcess } from '../../harness/controller.js';
import { freePort } from '../../harness/controlplane.js';
import { getPlane } from '../../harness/shared.js';
import { eventually } from '../../helpers/names.js';
import {
  POLICY_NAMES,
  WEBHOOK_CONFIGURATION_NAME,
} from '../../../controller/admission/manifests.js';

export const TENANTS = '/apis/tenantry.io/v1alpha1/tenants';
export const NAMESPACES = '/api/v1/namespaces';
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** The plane's admin (system:masters). */
export function admin(): KubeClient {
  return new KubeClient(getPlane().kubeConfig());
}

/** A user with a client certificate (CN = name, O = groups). */
export function user(name: string, groups: string[] = []): KubeClient {
  return new KubeClient(getPlane().makeUser(name, groups).kubeConfig());
}

/** Installs the CRDs (idempotent) and waits until Tenants are served. */
export async function installCRDs(): Promise<void> {
  const c = admin();
  for (const crd of allCRDs) {
    await c.request({
      method: 'PATCH',
      path: `${CRD_PATH}/${crd.metadata.name}`,
      query: { fieldManager: 'tenantry-test', force: true },
      body: crd,
      contentType: 'application/apply-patch+yaml',
    });
  }
  await eventually('Tenants served', async () => {
    await c.request({ method: 'GET', path: TENANTS });
    return true;
  });
}

/** The controller with the admission module (and by default the Tenant controller), webhook on 127.0.0.1. */
export async function startAdmission(
  namespace: string,
  extraArgs: string[] = [],
  controllers = 'admission,tenant',
): Promise<{ controller: ControllerProcess; port: number }> {
  const port = await freePort();
  const controller = await startController(getPlane().plane, {
    namespace,
    args: [
      `--controllers=${controllers}`,
      `--webhook-addr=127.0.0.1:${port}`,
      `--webhook-url=https://127.0.0.1:${port}`,
      '--log-level=debug',
      ...extraArgs,
    ],
  });
  await controller.waitReady();
  return { controller, port };
}

/** Deletes the cluster-scoped admission objects so later suites run without them. */
export async function removeAdmissionConfig(): Promise<void> {
  const c = admin();
  const paths = [
    `${ADMISSION}/mutatingwebhookconfigurations/${WEBHOOK_CONFIGURATION_NAME}`,
    `${ADMISSION}/validatingwebhookconfigurations/${WEBHOOK_CONFIGURATION_NAME}`,
    ...Object.values(POLICY_NAMES).flatMap((n) => [
      `${ADMISSION}/validatingadmissionpolicybindings/${n}`,
      `${ADMISSION}/validatingadmissionpolicies/${n}`,
    ]),
  ];
  for (const path of paths) await c.request({ method: 'DELETE', path }).catch(() => undefined);
}

/** Creates a Tenant as admin and returns it as stored. */
export async function createTenant(name: string, spec: Partial<Tenant['spec']>): Promise<Tenant> {
  return admin().request<Tenant>({
    method: 'POST',
    path: TENANTS,
    body: { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', metadata: { name }, spec },
  });
}

/** Creates a ClusterRole + ClusterRoleBinding for `subjects`. */
export async function clusterGrant(
  name: string,
  rules: object[],
  subjects: { kind: string; name: string; namespace?: string }[],
): Promise<void> {
  const c = admin();
  await c.request({
    method: 'POST',
    path: `${RBAC}/clusterroles`,
    body: { metadata: { name }, rules },
  });
  await c.request({
    method: 'POST',
    path: `${RBAC}/clusterrolebindings`,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: subjects.map((s) => ({
        ...s,
        ...(s.kind === 'ServiceAccount' ? {} : { apiGroup: 'rbac.authorization.k8s.io' }),
      })),
    },
  });
}

/** Binds ClusterRole `role` to a user in `namespace`. */
export async function namespaceGrant(
  namespace: string,
  role: string,
  userName: string,
): Promise<void> {
  await admin().request({
    method: 'POST',
    path: `${RBAC}/namespaces/${namespace}/rolebindings`,
    body: {
      metadata: { name: `${role}-${userName}`.replace(/[^a-z0-9-]/g, '-').slice(0, 60) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'User', name: userName, apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
}

/**
 * A predicate for `until`: the request was denied with 403 and a message matching `message`.
 * Waits must name who denies: an RBAC 403 (a ClusterRoleBinding the authorizer has not seen
 * yet) is not the webhook or the policy acting.
 */
export function deniedBy(message: RegExp): (err: unknown) => boolean {
  return (err) => {
    const e = err as { code?: number; body?: { message?: string }; message?: string };
    return e.code === 403 && message.test(e.body?.message ?? e.message ?? '');
  };
}

/** Whether the authorizer lets `c` do `verb` on `resource` (a SelfSubjectAccessReview). */
export async function canI(
  c: KubeClient,
  verb: string,
  resource: string,
  namespace?: string,
  name?: string,
): Promise<boolean> {
  const review = await c.request<{ status: { allowed: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: { spec: { resourceAttributes: { verb, resource, namespace, name } } },
  });
  return review.status.allowed;
}

/**
 * Waits until the authorizer has seen a RoleBinding just created for `c`: RBAC reads bindings
 * from an informer, so a request made at once may still be denied.
 */
export async function untilAllowed(
  c: KubeClient,
  verb: string,
  resource: string,
  namespace?: string,
  name?: string,
): Promise<void> {
  await until(`${verb} ${resource} ${namespace ?? ''}/${name ?? ''} allowed by RBAC`, () =>
    canI(c, verb, resource, namespace, name),
  );
}

/** Asserts `p` is rejected with HTTP `code` and a message matching `message`; returns the message. */
export async function denied(p: Promise<unknown>, message: RegExp, code = 403): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; body?: { message?: string }; message?: string };
    const text = e.body?.message ?? e.message ?? String(err);
    expect(e.code, text).to.equal(code);
    expect(text).to.match(message);
    return text;
  }
  throw new Error(`expected a denial matching ${String(message)}, but the request was allowed`);
}

/** A namespace object. */
export function namespace(
  name: string,
  labels?: Record<string, string>,
  extra: object = {},
): object {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(labels ? { labels } : {}), ...extra },
  };
}

/** Polls until `probe` resolves (the apiserver picks up admission configuration asynchronously). */
export async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  await eventually(what, async () => ((await probe()) ? true : undefined), 60_000, 250);
}

/** A JSON merge patch request. */
export function mergePatch(
  c: KubeClient,
  path: string,
  body: object,
  query: Record<string, string> = {},
): Promise<unknown> {
  return c.request({
    method: 'PATCH',
    path,
    body,
    contentType: 'application/merge-patch+json',
    query,
  });
}

/** A JSON patch request. */
export function jsonPatch(c: KubeClient, path: string, ops: object[]): Promise<unknown> {
  return c.request({
    method: 'PATCH',
    path,
    body: ops,
    contentType: 'application/json-patch+json',
  });
}
