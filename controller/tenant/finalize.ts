/**
 * Deleting a Tenant (docs/design/0004-tenant-deletion.md). The finalizer holds the Tenant until
 * its deletionPolicy is carried out on every namespace that refers to it:
 *
 * - `Retain` (default): the namespace is detached: the Tenant ownerReference and the tenant
 *   label are removed, `tenantry.io/detached-from: <tenant>` is added. Workloads keep running.
 * - `Delete`: member namespaces are deleted explicitly, by this controller (never by a garbage
 *   collection cascade: admission denies the garbage collector's deletes of tenant namespaces).
 *
 * A namespace referencing the Tenant without being a member (label missing) is detached under
 * either policy: once the Tenant is gone the garbage collector would otherwise delete it.
 */
import {
  FINALIZER,
  FIELD_MANAGER_TENANT,
  LABEL_CORDONED,
  LABEL_TENANT,
  TENANT_API_VERSION,
  TENANT_KIND,
} from '../../crds/index.js';
import { isStatusEqual } from '../runtime/conditions.js';
import { apiErrorCode } from '../runtime/kube.js';
import type { ApiClient } from './api.js';
import type { Logger } from '../runtime/logging.js';
import type { KubeObject } from '../runtime/objects.js';
import type { Cached, CachedTenant } from './desired.js';
import { KINDS, objectPath } from './kinds.js';
import { isMemberOf } from './membership.js';
import { ANNOTATION_DETACHED_FROM, ANNOTATION_MANAGED_METADATA } from './names.js';
import { terminatingStatus } from './status.js';
import { mapLimit } from './writer.js';

/** What {@link finalizeTenant} needs. */
export interface FinalizeInput {
  readonly client: ApiClient;
  readonly log: Logger;
  readonly tenant: CachedTenant;
  /** Every cached namespace that carries the Tenant's label or references its UID. */
  readonly namespaces: readonly Cached[];
  readonly lookupTenant: (name: string) => CachedTenant | undefined;
  readonly now: Date;
  readonly writeConcurrency: number;
}

function isTenantRef(
  r: { apiVersion?: string; kind?: string; name?: string; uid?: string },
  tenant: CachedTenant,
): boolean {
  return (
    r.kind === TENANT_KIND &&
    (r.apiVersion ?? '').split('/')[0] === TENANT_API_VERSION.split('/')[0] &&
    (r.uid === tenant.metadata.uid || r.name === tenant.metadata.name)
  );
}

/**
 * The merge patch detaching `ns` from `tenant`, guarded by resourceVersion (the ownerReference
 * list is replaced whole, so it must not overwrite a concurrent change).
 *
 * @returns undefined if there is nothing left to detach
 */
export function detachPatch(ns: Cached, tenant: CachedTenant): Record<string, unknown> | undefined {
  const name = tenant.metadata.name ?? '';
  const meta = ns.metadata ?? {};
  const refs = meta.ownerReferences ?? [];
  const kept = refs.filter((r) => !isTenantRef(r, tenant));
  const labelled = meta.labels?.[LABEL_TENANT] === name;
  if (kept.length === refs.length && !labelled) return undefined;
  return {
    metadata: {
      resourceVersion: meta.resourceVersion,
      ownerReferences: kept.length > 0 ? kept : null,
      labels: labelled ? { [LABEL_TENANT]: null, [LABEL_CORDONED]: null } : {},
      annotations: { [ANNOTATION_DETACHED_FROM]: name, [ANNOTATION_MANAGED_METADATA]: null },
    },
  };
}

async function carryOut(input: FinalizeInput, ns: Cached): Promise<void> {
  const name = ns.metadata?.name ?? '';
  const tenantName = input.tenant.metadata.name ?? '';
  const path = objectPath(KINDS.Namespace, name);
  const deleting =
    input.tenant.spec.deletionPolicy === 'Delete' && isMemberOf(ns, tenantName, input.lookupTenant);
  try {
    if (deleting) {
      if (ns.metadata?.deletionTimestamp !== undefined) return;
      input.log.info(
        { namespace: name },
        'Deleting Namespace of deleted Tenant (deletionPolicy Delete)',
      );
      await input.client.request({
        method: 'DELETE',
        path,
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: ns.metadata?.uid } },
      });
      return;
    }
    const patch = detachPatch(ns, input.tenant);
    if (patch === undefined) return;
    input.log.info({ namespace: name }, 'Detaching Namespace from deleted Tenant');
    await input.client.request({
      method: 'PATCH',
      path,
      query: { fieldManager: FIELD_MANAGER_TENANT },
      contentType: 'application/merge-patch+json',
      body: patch,
    });
  } catch (err) {
    // Gone already (404), or deleted and recreated under the same name (409 on the UID
    // precondition of a delete): nothing of this Tenant is left in it. A 409 on the guarded
    // detach is a stale cache: rethrow and retry from a fresh one.
    const code = apiErrorCode(err);
    if (code === 404 || (code === 409 && deleting)) return;
    throw err;
  }
}

/**
 * Carries out the deletionPolicy, then removes the finalizer. Every step is idempotent: a
 * controller killed half-way repeats the remaining steps on its next start.
 */
export async function finalizeTenant(input: FinalizeInput): Promise<void> {
  const { tenant, client } = input;
  const finalizers = tenant.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return;
  const tenantPath = objectPath(KINDS.Tenant, tenant.metadata.name ?? '');
  const members = input.namespaces.map((ns) => ns.metadata?.name ?? '');
  const status = terminatingStatus(tenant, members, input.now);
  let resourceVersion = tenant.metadata.resourceVersion;
  if (!isStatusEqual(tenant.status, status) && members.length > 0) {
    const updated = await client.request<KubeObject>({
      method: 'PATCH',
      path: `${tenantPath}/status`,
      query: { fieldManager: FIELD_MANAGER_TENANT },
      contentType: 'application/merge-patch+json',
      body: { metadata: { resourceVersion }, status },
    });
    resourceVersion = updated.metadata?.resourceVersion;
  }
  await mapLimit(input.namespaces, input.writeConcurrency, (ns) => carryOut(input, ns));
  input.log.info({ namespaces: members.length }, 'Removing finalizer from Tenant');
  await client.request({
    method: 'PATCH',
    path: tenantPath,
    query: { fieldManager: FIELD_MANAGER_TENANT },
    contentType: 'application/merge-patch+json',
    body: {
      metadata: {
        resourceVersion,
        finalizers: finalizers.filter((f) => f !== FINALIZER),
      },
    },
  });
}
