/**
 * Carries out the tenant-scoped quota plan (quota.ts) against the apiserver. The steady state is
 * recognised from the cache at no cost; only when the cache says allocations must move does the
 * sync read a consistent snapshot (one LIST of the Tenant's ResourceQuotas), and every write is
 * guarded by the resourceVersion it was planned from. A conflict, or a finished lowering phase,
 * plans again from a fresh snapshot. See docs/design/0002-tenant-quota.md.
 */
import {
  FIELD_MANAGER_TENANT,
  LABEL_PROPAGATED_FROM,
  LABEL_TENANT,
  PropagatedFrom,
  type TenantResourceQuota,
} from '../../crds/index.js';
import { apiErrorCode, apiErrorMessage } from '../runtime/kube.js';
import type { ApiClient } from './api.js';
import type { Logger } from '../runtime/logging.js';
import type { DeepReadonly, KubeObject } from '../runtime/objects.js';
import { semanticEqual } from '../runtime/semantic.js';
import {
  isControlledBy,
  resourceQuotaSpec,
  tenantQuotaChild,
  type Cached,
  type CachedTenant,
} from './desired.js';
import { KINDS, collectionPath, objectPath } from './kinds.js';
import { resourceQuotaName } from './names.js';
import { formatResourceList, parseResourceList, type ResourceAmounts } from './quantity.js';
import {
  loweredStatusHard,
  planTenantQuota,
  type QuotaObservation,
  type QuotaPlan,
  type QuotaWrite,
} from './quota.js';
import type { RecentWrites } from './recent.js';
import { Reasons, type Problem } from './status.js';
import { isPermanentError, mapLimit, recentKey } from './writer.js';

/** Plans per item before giving up and retrying with backoff (each plan follows a fresh LIST). */
const MAX_ROUNDS = 10;

/** A namespace of the Tenant, as the quota sync sees it. */
export interface QuotaNamespace {
  readonly name: string;
  readonly terminating: boolean;
}

/** Dependencies and inputs of {@link syncTenantQuotas}. */
export interface QuotaSyncInput {
  readonly client: ApiClient;
  readonly recent: RecentWrites;
  readonly log: Logger;
  readonly tenant: CachedTenant;
  readonly namespaces: readonly QuotaNamespace[];
  /** The freshest cached ResourceQuota `ns/name`. */
  readonly cached: (namespace: string, name: string) => Cached | undefined;
  readonly writeConcurrency: number;
}

interface RQ extends KubeObject {
  spec?: { hard?: Record<string, string>; scopes?: string[]; scopeSelector?: unknown };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** The item's scopes and selector, as compared with a stored quota's. */
function scopesOf(
  spec: { scopes?: readonly string[]; scopeSelector?: unknown } | undefined,
): unknown {
  return {
    scopes: spec?.scopes !== undefined && spec.scopes.length > 0 ? [...spec.scopes] : undefined,
    scopeSelector: spec?.scopeSelector ?? undefined,
  };
}

/** Parses a stored quota for the planner. @throws Error if a stored quantity is invalid */
export function observeQuota(
  rq: DeepReadonly<RQ>,
  item: DeepReadonly<TenantResourceQuota>,
): QuotaObservation['quota'] {
  return {
    specHard: parseResourceList(rq.spec?.hard),
    ...(rq.status?.hard !== undefined ? { statusHard: parseResourceList(rq.status.hard) } : {}),
    ...(rq.status?.used !== undefined ? { used: parseResourceList(rq.status.used) } : {}),
    scopesMatch: semanticEqual(scopesOf(rq.spec), scopesOf(resourceQuotaSpec(item, {}))),
  };
}

function observations(
  namespaces: readonly QuotaNamespace[],
  item: DeepReadonly<TenantResourceQuota>,
  quotaOf: (namespace: string) => DeepReadonly<RQ> | undefined,
): QuotaObservation[] {
  return namespaces.map((ns) => {
    const rq = quotaOf(ns.name);
    return {
      namespace: ns.name,
      terminating: ns.terminating,
      ...(rq !== undefined ? { quota: observeQuota(rq, item) } : {}),
    };
  });
}

/** The stored ResourceQuotas of the Tenant's quota items, by `ns/name` (one consistent LIST). */
async function listQuotas(input: QuotaSyncInput): Promise<Map<string, RQ>> {
  const tenant = input.tenant.metadata.name ?? '';
  const list = await input.client.request<{ items?: RQ[] }>({
    method: 'GET',
    path: collectionPath(KINDS.ResourceQuota),
    query: {
      labelSelector: `${LABEL_TENANT}=${tenant},${LABEL_PROPAGATED_FROM}=${PropagatedFrom.ResourceQuota}`,
    },
  });
  const out = new Map<string, RQ>();
  for (const rq of list.items ?? []) {
    out.set(`${rq.metadata?.namespace ?? ''}/${rq.metadata?.name ?? ''}`, rq);
  }
  return out;
}

function hardPatch(
  next: ResourceAmounts,
  current: Readonly<Record<string, string>> | undefined,
): Record<string, string | null> {
  const patch: Record<string, string | null> = formatResourceList(next);
  for (const k of Object.keys(current ?? {})) if (!(k in next)) patch[k] = null;
  return patch;
}

/** Thrown (internally) when a guarded write lost a race: plan again from a fresh snapshot. */
class Replan extends Error {}

/** Thrown (internally) when a quota of our name exists that the Tenant does not control. */
class ForeignQuota extends Error {}

async function createQuota(input: QuotaSyncInput, desired: KubeObject): Promise<RQ> {
  const namespace = desired.metadata?.namespace ?? '';
  const name = desired.metadata?.name ?? '';
  try {
    return await input.client.request<RQ>({
      method: 'POST',
      path: collectionPath(KINDS.ResourceQuota, namespace),
      query: { fieldManager: FIELD_MANAGER_TENANT },
      body: desired,
    });
  } catch (err) {
    if (apiErrorCode(err) !== 409) throw err;
    // The snapshot (selected by our labels) did not show it: either created since, or a
    // namesake without our labels, which must be left alone.
    const live = await input.client
      .request<RQ>({ method: 'GET', path: objectPath(KINDS.ResourceQuota, name, namespace) })
      .catch((e: unknown) => {
        if (apiErrorCode(e) === 404) return undefined;
        throw e;
      });
    if (live !== undefined && !isControlledBy(live, input.tenant)) {
      throw new ForeignQuota(
        `ResourceQuota ${namespace}/${name} exists and is not controlled by Tenant ${input.tenant.metadata.name ?? ''}`,
      );
    }
    throw new Replan(`ResourceQuota ${namespace}/${name} was created concurrently`);
  }
}

async function patchStatusHard(
  input: QuotaSyncInput,
  rq: RQ,
  specHard: ResourceAmounts,
): Promise<void> {
  const stored = rq.status?.hard !== undefined ? parseResourceList(rq.status.hard) : undefined;
  const lowered = loweredStatusHard(stored, specHard);
  if (lowered === undefined) return;
  const name = rq.metadata?.name ?? '';
  const namespace = rq.metadata?.namespace ?? '';
  const updated = await input.client.request<RQ>({
    method: 'PATCH',
    path: `${objectPath(KINDS.ResourceQuota, name, namespace)}/status`,
    query: { fieldManager: FIELD_MANAGER_TENANT },
    contentType: 'application/merge-patch+json',
    body: {
      metadata: { resourceVersion: rq.metadata?.resourceVersion },
      status: { hard: formatResourceList(lowered) },
    },
  });
  input.recent.wrote(recentKey('ResourceQuota', namespace, name), updated);
}

async function executeWrite(
  input: QuotaSyncInput,
  item: DeepReadonly<TenantResourceQuota>,
  write: QuotaWrite,
  stored: RQ | undefined,
): Promise<void> {
  const name = resourceQuotaName(item.name);
  const key = recentKey('ResourceQuota', write.namespace, name);
  let written: RQ;
  if (write.action === 'create') {
    written = await createQuota(
      input,
      tenantQuotaChild(input.tenant, write.namespace, item, write.specHard).object,
    );
  } else {
    if (stored === undefined) throw new Replan(`ResourceQuota ${write.namespace}/${name} vanished`);
    const itemSpec = resourceQuotaSpec(item, {}) as RQ['spec'];
    written = await input.client.request<RQ>({
      method: 'PATCH',
      path: objectPath(KINDS.ResourceQuota, name, write.namespace),
      query: { fieldManager: FIELD_MANAGER_TENANT },
      contentType: 'application/merge-patch+json',
      body: {
        metadata: { resourceVersion: stored.metadata?.resourceVersion },
        spec: {
          hard: hardPatch(write.specHard, stored.spec?.hard),
          scopes: itemSpec?.scopes ?? null,
          scopeSelector: itemSpec?.scopeSelector ?? null,
        },
      },
    });
  }
  input.recent.wrote(key, written);
  // Admission enforces status.hard, which the quota controller copies from spec only later:
  // lower it ourselves before anyone else is raised (guarded by the spec write's resourceVersion).
  if (write.lowerStatus) await patchStatusHard(input, written, write.specHard);
}

function isRace(err: unknown): boolean {
  const code = apiErrorCode(err);
  return err instanceof Replan || code === 409 || code === 404;
}

async function executePlan(
  input: QuotaSyncInput,
  item: DeepReadonly<TenantResourceQuota>,
  plan: Extract<QuotaPlan, { writes: unknown }>,
  stored: ReadonlyMap<string, RQ>,
): Promise<'done' | 'replan'> {
  const name = resourceQuotaName(item.name);
  let raced = false;
  let foreign: ForeignQuota | undefined;
  await mapLimit(plan.writes, input.writeConcurrency, async (w) => {
    try {
      await executeWrite(input, item, w, stored.get(`${w.namespace}/${name}`));
    } catch (err) {
      if (err instanceof ForeignQuota) foreign ??= err;
      else if (isRace(err)) raced = true;
      else throw err;
    }
  });
  if (foreign !== undefined) throw foreign;
  return raced || plan.kind === 'lower' ? 'replan' : 'done';
}

/** A stored quota of that name this Tenant does not control. */
function foreignQuota(
  input: QuotaSyncInput,
  stored: ReadonlyMap<string, RQ>,
  name: string,
): Problem | undefined {
  for (const ns of input.namespaces) {
    const rq = stored.get(`${ns.name}/${name}`);
    if (rq !== undefined && !isControlledBy(rq, input.tenant)) {
      return {
        reason: Reasons.ChildConflict,
        message: `ResourceQuota ${ns.name}/${name} exists and is not controlled by Tenant ${input.tenant.metadata.name ?? ''}`,
      };
    }
  }
  return undefined;
}

async function syncItem(
  input: QuotaSyncInput,
  item: DeepReadonly<TenantResourceQuota>,
): Promise<Problem | undefined> {
  const name = resourceQuotaName(item.name);
  const hard = parseResourceList(item.hard);
  const fromCache = planTenantQuota(
    hard,
    observations(input.namespaces, item, (ns) => input.cached(ns, name)),
  );
  if (fromCache.kind === 'steady' || fromCache.kind === 'wait') return undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const stored = await listQuotas(input);
    const foreign = foreignQuota(input, stored, name);
    if (foreign !== undefined) return foreign;
    const plan = planTenantQuota(
      hard,
      observations(input.namespaces, item, (ns) => stored.get(`${ns}/${name}`)),
    );
    if (plan.kind === 'steady' || plan.kind === 'wait') return undefined;
    input.log.debug(
      { item: item.name, phase: plan.kind, writes: plan.writes.length },
      'Moving tenant quota allocations',
    );
    if ((await executePlan(input, item, plan, stored)) === 'done') return undefined;
  }
  throw new Error(
    `tenant quota ${item.name} did not settle after ${MAX_ROUNDS} rounds of conflicts`,
  );
}

/**
 * Syncs every Tenant-scoped quota item of the Tenant. Returns problems retrying cannot fix (a
 * foreign ResourceQuota in the way, a quota the apiserver refuses); throws for anything else.
 */
export async function syncTenantQuotas(input: QuotaSyncInput): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const item of input.tenant.spec.resourceQuotas ?? []) {
    if (item.scope !== 'Tenant') continue;
    try {
      const problem = await syncItem(input, item);
      if (problem !== undefined) problems.push(problem);
    } catch (err) {
      if (err instanceof ForeignQuota) {
        problems.push({ reason: Reasons.ChildConflict, message: err.message });
        continue;
      }
      if (!isPermanentError(err)) throw err;
      problems.push({
        reason: Reasons.ApplyFailed,
        message: `ResourceQuota ${item.name}: ${apiErrorMessage(err)}`,
      });
    }
  }
  return problems;
}
