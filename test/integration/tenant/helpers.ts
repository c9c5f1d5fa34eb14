/**
 * Shared steps of the Tenant controller's integration tests: install the CRD, create Tenants and
 * tenant namespaces as admin (until admission assigns namespaces, tests create them with the
 * label and ownerReference admission would add), run the controller under its own identity, and
 * read what it did (including its requests, from the apiserver's audit log).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, apiErrorCode } from '../../../controller/runtime/kube.js';
import type { KubeObject } from '../../../controller/runtime/objects.js';
import { tenantOwnerReference } from '../../../controller/tenant/membership.js';
import { tenantCRD, type Tenant } from '../../../crds/index.js';
import { startController, type ControllerProcess } from '../../harness/controller.js';
import type { AuditEvent } from '../../harness/controlplane.js';
import { getPlane } from '../../harness/shared.js';
import { eventually } from '../../helpers/names.js';

/** The controller's identity in these tests (a service account, as in a real install). */
export const CONTROLLER_USER = 'system:serviceaccount:tenantry-system:tenantry-controller';

/** An admin client. */
export function admin(): KubeClient {
  return new KubeClient(getPlane().kubeConfig());
}

/** A client for another identity. */
export function clientFor(kc: KubeConfig): KubeClient {
  return new KubeClient(kc);
}

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
export const TENANTS = '/apis/tenantry.io/v1alpha1/tenants';

/** Applies the Tenant CRD and waits until it is served. Idempotent. */
export async function installTenantCRD(): Promise<void> {
  const c = admin();
  await c.request({
    method: 'PATCH',
    path: `${CRD_PATH}/${tenantCRD.metadata.name}`,
    query: { fieldManager: 'tenantry-test', force: true },
    body: tenantCRD,
    contentType: 'application/apply-patch+yaml',
  });
  await eventually('the Tenant CRD to be served', async () => {
    const list = await c.request<{ resources: { name: string }[] }>({
      method: 'GET',
      path: '/apis/tenantry.io/v1alpha1',
    });
    return list.resources.some((r) => r.name === 'tenants') ? true : undefined;
  });
}

/** Creates a Tenant; returns it as stored. */
export async function createTenant(t: Tenant): Promise<Tenant & KubeObject> {
  const body = {
    apiVersion: t.apiVersion,
    kind: t.kind,
    metadata: { name: t.metadata.name },
    spec: t.spec,
  };
  return admin().request<Tenant & KubeObject>({ method: 'POST', path: TENANTS, body });
}

/** Reads a Tenant (undefined when gone). */
export async function getTenant(name: string): Promise<(Tenant & KubeObject) | undefined> {
  return get<Tenant & KubeObject>(`${TENANTS}/${name}`);
}

/** Merge-patches a Tenant's spec as admin (a GitOps tool or a user). */
export async function patchTenantSpec(name: string, spec: Record<string, unknown>): Promise<void> {
  await admin().request({
    method: 'PATCH',
    path: `${TENANTS}/${name}`,
    contentType: 'application/merge-patch+json',
    body: { spec },
  });
}

/**
 * Creates namespace `name` in Tenant `t` the way admission will: label plus a non-controller
 * ownerReference with the Tenant's UID.
 */
export async function createTenantNamespace(
  t: Tenant,
  name: string,
  client = admin(),
): Promise<KubeObject> {
  return client.request<KubeObject>({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: { 'tenantry.io/tenant': t.metadata.name ?? '' },
        ownerReferences: [
          tenantOwnerReference({
            metadata: { name: t.metadata.name ?? '', uid: t.metadata.uid ?? '' },
          }),
        ],
      },
    },
  });
}

/** GET `path`, undefined on 404. */
export async function get<T = KubeObject>(path: string, client = admin()): Promise<T | undefined> {
  try {
    return await client.request<T>({ method: 'GET', path });
  } catch (err) {
    if (apiErrorCode(err) === 404) return undefined;
    throw err;
  }
}

/** Lists `path` with an optional label selector. */
export async function list<T = KubeObject>(path: string, labelSelector?: string): Promise<T[]> {
  const r = await admin().request<{ items: T[] }>({
    method: 'GET',
    path,
    query: labelSelector !== undefined ? { labelSelector } : {},
  });
  return r.items;
}

/** Deletes `path` (ignoring 404), with an optional propagation policy. */
export async function del(
  path: string,
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan',
): Promise<void> {
  try {
    await admin().request({
      method: 'DELETE',
      path,
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        ...(propagationPolicy !== undefined ? { propagationPolicy } : {}),
      },
    });
  } catch (err) {
    if (apiErrorCode(err) !== 404) throw err;
  }
}

let controllerIdentity: { kubeconfigPath: string } | undefined;

/**
 * The controller's kubeconfig: a client certificate for {@link CONTROLLER_USER}, bound to
 * cluster-admin (the chart narrows this; here it only needs to be distinct from the test's admin so
 * the audit log tells its requests apart).
 */
export async function controllerKubeconfig(): Promise<string> {
  if (controllerIdentity !== undefined) return controllerIdentity.kubeconfigPath;
  const user = getPlane().makeUser(CONTROLLER_USER, ['system:serviceaccounts']);
  await admin()
    .request({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'tenantry-test-controller' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'cluster-admin',
        },
        subjects: [{ kind: 'User', name: CONTROLLER_USER, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    })
    .catch((err: unknown) => {
      if (apiErrorCode(err) !== 409) throw err;
    });
  controllerIdentity = user;
  return user.kubeconfigPath;
}

/** Starts the controller with only the tenant module, as {@link CONTROLLER_USER}; waits until ready. */
export async function startTenantController(
  namespace: string,
  args: string[] = [],
): Promise<ControllerProcess> {
  const c = await startController(getPlane().plane, {
    namespace,
    kubeconfigPath: await controllerKubeconfig(),
    args: ['--controllers=tenant', ...args],
  });
  await c.waitReady();
  return c;
}

/** Write verbs, as the audit log names them. */
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The controller's audit events after `since` (ISO time), optionally writes only, leases excluded. */
export function controllerRequests(since: string, writesOnly = false): AuditEvent[] {
  return getPlane()
    .plane.auditEvents(CONTROLLER_USER)
    .filter((e) => Date.parse(e.stageTimestamp) >= Date.parse(since))
    .filter((e) => e.objectRef?.resource !== 'leases')
    .filter((e) => !writesOnly || WRITE_VERBS.has(e.verb));
}

/** "verb resource[/sub] ns/name" lines of audit events, for assertion messages. */
export function describeRequests(events: readonly AuditEvent[]): string[] {
  return events.map((e) => {
    const r = e.objectRef ?? {};
    const res = `${r.resource ?? ''}${r.subresource !== undefined ? `/${r.subresource}` : ''}`;
    return `${e.verb} ${res} ${r.namespace !== undefined ? `${r.namespace}/` : ''}${r.name ?? ''}`;
  });
}

/**
 * The ValidatingAdmissionPolicy admission installs to keep the garbage collector from deleting
 * tenant namespaces (installed here too, until admission's is in place, so foreground deletion
 * tests see the product's behaviour). Idempotent.
 */
export async function installGcProtection(): Promise<void> {
  const name = 'tenantry-test-no-gc-of-tenant-namespaces';
  const c = admin();
  await c.request({
    method: 'PATCH',
    path: `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${name}`,
    query: { fieldManager: 'tenantry-test', force: true },
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['DELETE'],
              resources: ['namespaces'],
            },
          ],
        },
        validations: [
          {
            expression:
              "request.userInfo.username != 'system:serviceaccount:kube-system:generic-garbage-collector' || !has(oldObject.metadata.labels) || !('tenantry.io/tenant' in oldObject.metadata.labels)",
            message: 'tenant namespaces are never deleted by garbage collection',
          },
        ],
      },
    },
  });
  await c.request({
    method: 'PATCH',
    path: `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/${name}`,
    query: { fieldManager: 'tenantry-test', force: true },
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name },
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  });
}

/** Waits until `probe` holds, returning its value. */
export { eventually };
