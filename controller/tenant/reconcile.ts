/**
 * The Tenant reconciler: read the caches, compute with desired.ts/status.ts/quota.ts, write only
 * the difference (docs/design/0001-reconcile-runtime.md). Per Tenant key:
 *
 * 1. gone → nothing (children and owner RBAC carry a controller ownerReference: the garbage
 *    collector removes them); deleting → finalize.ts;
 * 2. add the finalizer before any other write;
 * 3. for each member namespace (membership.ts): enforce namespace metadata, create or repair every
 *    child; prune children that left the spec or whose namespace left the Tenant;
 * 4. owner RBAC (cluster-scoped); 5. Tenant-scoped quotas (quota-sync.ts);
 * 6. status through the status subresource, only when it changed.
 *
 * The controller never writes the Tenant spec, so GitOps tools never fight it.
 */
import { FINALIZER, FIELD_MANAGER_TENANT } from '../../crds/index.js';
import { getCondition, isStatusEqual } from '../runtime/conditions.js';
import type { ReconcileContext, Reconciler, Result } from '../runtime/controller.js';
import type { ApiClient } from './api.js';
import { apiErrorMessage } from '../runtime/kube.js';
import type { Logger } from '../runtime/logging.js';
import type { KubeObject } from '../runtime/objects.js';
import {
  childAction,
  childId,
  desiredChildNames,
  desiredClusterRbac,
  desiredNamespaceChildren,
  isControlledBy,
  namespaceMetadataPatch,
  namespaceOwnerClusterRole,
  contentDigest,
  type Cached,
  type CachedTenant,
  type DesiredChild,
  type TenantObject,
} from './desired.js';
import { recordWarning } from './events.js';
import { finalizeTenant } from './finalize.js';
import {
  CLUSTER_CHILD_KINDS,
  KINDS,
  NAMESPACED_CHILD_KINDS,
  collectionPath,
  objectPath,
  type ChildKind,
} from './kinds.js';
import { isMemberOf } from './membership.js';
import { syncTenantQuotas } from './quota-sync.js';
import { RecentWrites } from './recent.js';
import { Reasons, computeStatus, specProblems, type Problem } from './status.js';
import {
  GLOBAL_KEY,
  INDEX_CHILDREN_BY_TENANT,
  INDEX_NAMESPACES_BY_LABEL,
  INDEX_NAMESPACES_BY_TENANT_UID,
  followCaches,
  type TenantCaches,
} from './watches.js';
import { deleteChild, ensureChild, mapLimit, recentKey, type ChildWriterDeps } from './writer.js';

/** How long a Tenant with problems waits before a retry, absent any event. */
export const PROBLEM_REQUEUE_MS = 60_000;

/** Options of {@link tenantReconciler}. */
export interface TenantReconcilerOptions {
  /** Bulk writes (children, namespace metadata). */
  readonly client: ApiClient;
  /**
   * A Tenant's serial steps (finalizer, status, quota moves, deletion), which a worker waits on.
   * @default client
   */
  readonly urgentClient?: ApiClient;
  readonly caches: TenantCaches;
  readonly log: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Writes in flight per reconcile. @default 16 */
  readonly writeConcurrency?: number;
}

/** Everything one pass needs. */
interface Pass {
  readonly opts: TenantReconcilerOptions;
  readonly deps: ChildWriterDeps;
  readonly recent: RecentWrites;
  readonly log: Logger;
  readonly concurrency: number;
  readonly now: Date;
}

/** The client for a Tenant's serial steps. */
function urgent(pass: Pass): ApiClient {
  return pass.opts.urgentClient ?? pass.opts.client;
}

function isTerminating(ns: Cached): boolean {
  return (
    ns.metadata?.deletionTimestamp !== undefined ||
    (ns as { status?: { phase?: string } }).status?.phase === 'Terminating'
  );
}

function freshTenant(pass: Pass, name: string): CachedTenant | undefined {
  return pass.recent.resolve<TenantObject>(
    recentKey('Tenant', undefined, name),
    pass.opts.caches.tenants.get(name),
  );
}

function lookupTenant(pass: Pass): (name: string) => CachedTenant | undefined {
  return (name) => freshTenant(pass, name);
}

/** The namespaces of `tenant` per membership.ts (label + ownerReference with the current UID). */
function memberNamespaces(pass: Pass, tenant: CachedTenant): Cached[] {
  const name = tenant.metadata.name ?? '';
  const lookup = lookupTenant(pass);
  return pass.opts.caches.namespaces
    .byIndex(INDEX_NAMESPACES_BY_LABEL, name)
    .map(
      (ns) =>
        pass.recent.resolve(recentKey('Namespace', undefined, ns.metadata?.name ?? ''), ns) ?? ns,
    )
    .filter((ns) => isMemberOf(ns, name, lookup));
}

function cachedChild(
  pass: Pass,
  kind: ChildKind,
  name: string,
  namespace?: string,
): Cached | undefined {
  const informer =
    kind === 'ClusterRole' || kind === 'ClusterRoleBinding'
      ? pass.opts.caches.cluster[kind]
      : pass.opts.caches.children[kind];
  const key = namespace !== undefined ? `${namespace}/${name}` : name;
  return pass.recent.resolve(recentKey(kind, namespace, name), informer.get(key));
}

/** Collects problems (returned) and transient errors (thrown at the end of the pass). */
class Outcomes {
  readonly problems: Problem[] = [];
  readonly errors: unknown[] = [];

  async run(fn: () => Promise<Problem | Problem[] | undefined | void>): Promise<void> {
    try {
      const p = await fn();
      if (Array.isArray(p)) this.problems.push(...p);
      else if (p !== undefined) this.problems.push(p);
    } catch (err) {
      this.errors.push(err);
    }
  }
}

async function ensure(
  pass: Pass,
  tenant: CachedTenant,
  desired: DesiredChild,
): Promise<Problem | undefined> {
  const meta = desired.object.metadata ?? {};
  const actual = cachedChild(pass, desired.kind, meta.name ?? '', meta.namespace);
  if (childAction(desired, actual, tenant) === 'none') return undefined;
  const outcome = await ensureChild(pass.deps, tenant, desired, actual);
  if (outcome.result === 'conflict')
    return { reason: Reasons.ChildConflict, message: outcome.message };
  if (outcome.result === 'failed') return { reason: Reasons.ApplyFailed, message: outcome.message };
  if (outcome.result !== 'unchanged' && outcome.result !== 'skipped') {
    pass.log.debug(
      { kind: desired.kind, namespace: meta.namespace, name: meta.name, result: outcome.result },
      'Wrote child',
    );
  }
  return undefined;
}

async function patchNamespace(pass: Pass, tenant: CachedTenant, ns: Cached): Promise<void> {
  const patch = namespaceMetadataPatch(tenant, ns);
  if (patch === undefined) return;
  const name = ns.metadata?.name ?? '';
  try {
    const updated = await pass.opts.client.request<KubeObject>({
      method: 'PATCH',
      path: objectPath(KINDS.Namespace, name),
      query: { fieldManager: FIELD_MANAGER_TENANT },
      contentType: 'application/merge-patch+json',
      body: { metadata: patch },
    });
    pass.recent.wrote(recentKey('Namespace', undefined, name), updated);
  } catch (err) {
    // A merge patch never creates: a namespace deleted meanwhile is simply gone.
    if ((err as { code?: number }).code !== 404) throw err;
  }
}

type Stale = { kind: ChildKind; obj: Cached };

/** Children of this Tenant, in any namespace, that no member namespace asks for any more. */
function staleChildren(pass: Pass, tenant: CachedTenant, members: readonly Cached[]): Stale[] {
  const name = tenant.metadata.name ?? '';
  const wanted = new Map(
    members.map((ns) => {
      const nsName = ns.metadata?.name ?? '';
      return [nsName, desiredChildNames(tenant, nsName)];
    }),
  );
  const out: Stale[] = [];
  for (const kind of NAMESPACED_CHILD_KINDS) {
    for (const obj of pass.opts.caches.children[kind].byIndex(INDEX_CHILDREN_BY_TENANT, name)) {
      const namespace = obj.metadata?.namespace ?? '';
      // Children of an earlier Tenant of the same name are the garbage collector's.
      const keep =
        !isControlledBy(obj, tenant) || wanted.get(namespace)?.has(childId(obj)) === true;
      if (!keep && cachedChild(pass, kind, obj.metadata?.name ?? '', namespace) !== undefined) {
        out.push({ kind, obj });
      }
    }
  }
  return out;
}

/** Owner RBAC of this Tenant that the spec no longer produces. */
function staleClusterRbac(pass: Pass, tenant: CachedTenant): Stale[] {
  const name = tenant.metadata.name ?? '';
  const rbac = new Set(desiredClusterRbac(tenant).map((c) => childId(c.object)));
  const out: Stale[] = [];
  for (const kind of CLUSTER_CHILD_KINDS) {
    for (const obj of pass.opts.caches.cluster[kind].byIndex(INDEX_CHILDREN_BY_TENANT, name)) {
      const keep = !isControlledBy(obj, tenant) || rbac.has(childId(obj));
      if (!keep && cachedChild(pass, kind, obj.metadata?.name ?? '') !== undefined) {
        out.push({ kind, obj });
      }
    }
  }
  return out;
}

async function ensureFinalizer(pass: Pass, tenant: CachedTenant): Promise<CachedTenant> {
  const finalizers = tenant.metadata.finalizers ?? [];
  if (finalizers.includes(FINALIZER)) return tenant;
  pass.log.info('Adding finalizer to Tenant');
  const name = tenant.metadata.name ?? '';
  const updated = await urgent(pass).request<TenantObject>({
    method: 'PATCH',
    path: objectPath(KINDS.Tenant, name),
    query: { fieldManager: FIELD_MANAGER_TENANT },
    contentType: 'application/merge-patch+json',
    body: {
      metadata: {
        resourceVersion: tenant.metadata.resourceVersion,
        finalizers: [...finalizers, FINALIZER],
      },
    },
  });
  pass.recent.wrote(recentKey('Tenant', undefined, name), updated);
  return updated;
}

async function writeStatus(
  pass: Pass,
  tenant: CachedTenant,
  members: readonly Cached[],
  problems: readonly Problem[],
): Promise<void> {
  const names = members.map((ns) => ns.metadata?.name ?? '');
  const next = computeStatus({ tenant, namespaces: names, problems, now: pass.now });
  if (isStatusEqual(tenant.status, next)) return;
  const name = tenant.metadata.name ?? '';
  const updated = await urgent(pass).request<TenantObject>({
    method: 'PATCH',
    path: `${objectPath(KINDS.Tenant, name)}/status`,
    query: { fieldManager: FIELD_MANAGER_TENANT },
    contentType: 'application/merge-patch+json',
    body: { metadata: { resourceVersion: tenant.metadata.resourceVersion }, status: next },
  });
  pass.recent.wrote(recentKey('Tenant', undefined, name), updated);
  const before = getCondition(tenant.status?.conditions, 'Ready');
  const conflicts = problems.filter((p) => p.reason === Reasons.ChildConflict);
  const after = getCondition(next.conditions, 'Ready');
  if (conflicts.length > 0 && after !== undefined && before?.message !== after.message) {
    await recordWarning({
      client: urgent(pass),
      log: pass.log,
      tenant,
      reason: Reasons.ChildConflict,
      message: conflicts.map((c) => c.message).join('; '),
      now: pass.now,
    });
  }
}

async function reconcileTenant(pass: Pass, cached: CachedTenant): Promise<Result> {
  const tenant = await ensureFinalizer(pass, cached);
  const members = memberNamespaces(pass, tenant);
  const active = members.filter((ns) => !isTerminating(ns));
  const out = new Outcomes();
  out.problems.push(...specProblems(tenant));
  const tasks: (() => Promise<Problem | undefined | void>)[] = [];
  for (const ns of active) {
    tasks.push(() => patchNamespace(pass, tenant, ns));
    for (const child of desiredNamespaceChildren(tenant, ns.metadata?.name ?? ''))
      tasks.push(() => ensure(pass, tenant, child));
  }
  for (const child of desiredClusterRbac(tenant)) tasks.push(() => ensure(pass, tenant, child));
  for (const { kind, obj } of [
    ...staleChildren(pass, tenant, members),
    ...staleClusterRbac(pass, tenant),
  ]) {
    tasks.push(async () => {
      pass.log.info(
        { kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name },
        'Deleting child that left the Tenant spec',
      );
      await deleteChild(pass.deps, kind, obj);
    });
  }
  await mapLimit(tasks, pass.concurrency, (task) => out.run(task));
  await out.run(() =>
    syncTenantQuotas({
      client: urgent(pass),
      recent: pass.recent,
      log: pass.log,
      tenant,
      namespaces: members.map((ns) => ({
        name: ns.metadata?.name ?? '',
        terminating: isTerminating(ns),
      })),
      cached: (ns, name) => cachedChild(pass, 'ResourceQuota', name, ns),
      writeConcurrency: pass.concurrency,
    }),
  );
  if (out.errors.length > 0) {
    throw out.errors.length === 1
      ? out.errors[0]
      : new AggregateError(
          out.errors,
          `${out.errors.length} writes failed: ${out.errors.map(apiErrorMessage).join('; ')}`,
        );
  }
  await writeStatus(pass, tenant, members, out.problems);
  return out.problems.length > 0 ? { requeueAfterMs: PROBLEM_REQUEUE_MS } : {};
}

/** The namespaces a deleted Tenant must let go of: labelled for it or referencing its UID. */
function relatedNamespaces(pass: Pass, tenant: CachedTenant): Cached[] {
  const byName = new Map<string, Cached>();
  const ns = pass.opts.caches.namespaces;
  for (const n of [
    ...ns.byIndex(INDEX_NAMESPACES_BY_LABEL, tenant.metadata.name ?? ''),
    ...ns.byIndex(INDEX_NAMESPACES_BY_TENANT_UID, tenant.metadata.uid ?? ''),
  ]) {
    const name = n.metadata?.name ?? '';
    byName.set(name, pass.recent.resolve(recentKey('Namespace', undefined, name), n) ?? n);
  }
  return [...byName.values()];
}

async function ensureGlobal(pass: Pass): Promise<void> {
  const desired = namespaceOwnerClusterRole();
  const actual = cachedChild(pass, 'ClusterRole', desired.metadata?.name ?? '');
  if (actual === undefined) {
    pass.log.info({ name: desired.metadata?.name }, 'Creating ClusterRole');
    await pass.opts.client
      .request({
        method: 'POST',
        path: collectionPath(KINDS.ClusterRole),
        query: { fieldManager: FIELD_MANAGER_TENANT },
        body: desired,
      })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code !== 409) throw err;
      });
    return;
  }
  // The shared ClusterRole has no Tenant owner; compare its content only.
  if (contentDigest('ClusterRole', desired) === contentDigest('ClusterRole', actual)) return;
  pass.log.info({ name: desired.metadata?.name }, 'Repairing ClusterRole');
  await pass.opts.client.request({
    method: 'PUT',
    path: objectPath(KINDS.ClusterRole, desired.metadata?.name ?? ''),
    query: { fieldManager: FIELD_MANAGER_TENANT },
    body: {
      ...desired,
      metadata: {
        ...actual.metadata,
        labels: { ...actual.metadata?.labels, ...desired.metadata?.labels },
      },
    },
  });
}

/** The Tenant controller's reconcile function. */
export function tenantReconciler(opts: TenantReconcilerOptions): Reconciler {
  const recent = new RecentWrites();
  followCaches(recent, opts.caches);
  const deps: ChildWriterDeps = { client: opts.client, recent };
  return async (key: string, ctx: ReconcileContext): Promise<Result> => {
    const pass: Pass = {
      opts,
      deps,
      recent,
      log: ctx.log,
      concurrency: opts.writeConcurrency ?? 16,
      now: opts.now?.() ?? new Date(),
    };
    if (key === GLOBAL_KEY) {
      await ensureGlobal(pass);
      return {};
    }
    const tenant = freshTenant(pass, key);
    if (tenant === undefined) return {};
    if (tenant.metadata.deletionTimestamp !== undefined) {
      await finalizeTenant({
        client: opts.urgentClient ?? opts.client,
        log: ctx.log,
        tenant,
        namespaces: relatedNamespaces(pass, tenant),
        lookupTenant: lookupTenant(pass),
        now: pass.now,
        writeConcurrency: pass.concurrency,
      });
      return {};
    }
    return reconcileTenant(pass, tenant);
  };
}
