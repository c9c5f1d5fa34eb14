/**
 * The tenant-scoped quota planner (docs/design/0002-tenant-quota.md), pure.
 *
 * Each namespace of the Tenant holds a ResourceQuota whose `hard` is its *allocation*. The native
 * quota admission plugin enforces `status.hard` of each ResourceQuota atomically per namespace
 * (it commits `status.used` with the quota's resourceVersion), so if the allocations never sum to
 * more than the Tenant's `hard`, neither can the usage — whatever runs in parallel.
 *
 * A namespace can consume up to its *reservation* `max(spec.hard, status.hard, used)`: admission
 * lets `used` grow to `status.hard`, and the quota controller copies `spec.hard` into
 * `status.hard`. The planner keeps Σ reservations ≤ Tenant hard at every instant by splitting
 * each pass into two phases:
 *
 * 1. **lower**: every allocation above its target (or unbounded: quota missing, resource
 *    missing) is lowered, spec first and then status, each write guarded by resourceVersion;
 * 2. **raise**: only when nothing is left to lower and every namespace's usage is known, raise
 *    allocations to their targets.
 *
 * Targets are `used + an equal share of what the Tenant has left`, computed from one consistent
 * snapshot; since targets never go below usage and sum to at most the Tenant hard, raising to them
 * from a snapshot where every reservation is at or below its target cannot exceed the hard limit.
 */
import { granularityOf, type ResourceAmounts } from './quantity.js';

/** What the planner knows about one namespace's ResourceQuota for one Tenant quota item. */
export interface QuotaObservation {
  readonly namespace: string;
  /** The namespace is being deleted: nothing can be created in it, so its usage cannot grow. */
  readonly terminating: boolean;
  /** The ResourceQuota as stored; absent when the namespace has none yet. */
  readonly quota?: ObservedQuota;
}

/** A stored ResourceQuota, parsed. */
export interface ObservedQuota {
  readonly specHard: ResourceAmounts;
  /** `status.hard`: what admission enforces; absent until someone has written status. */
  readonly statusHard?: ResourceAmounts;
  /** `status.used`; absent (or missing a resource) until the quota controller has counted. */
  readonly used?: ResourceAmounts;
  /** `scopes` and `scopeSelector` are those of the Tenant item. */
  readonly scopesMatch: boolean;
}

/** One write of a plan. */
export interface QuotaWrite {
  readonly namespace: string;
  /** `create`: the quota is missing; `lower`/`raise`: change `spec.hard` of an existing one. */
  readonly action: 'create' | 'lower' | 'raise';
  /** The new `spec.hard` (the full map). */
  readonly specHard: ResourceAmounts;
  /**
   * After the spec write, also lower `status.hard` to `min(status.hard, specHard)` per resource:
   * admission enforces status, which the quota controller would otherwise update only later.
   */
  readonly lowerStatus: boolean;
}

/** What to do next for one Tenant quota item. */
export type QuotaPlan =
  | { readonly kind: 'steady' }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'lower' | 'raise'; readonly writes: readonly QuotaWrite[] };

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Usage of `resource` the namespace is charged with: its reported usage, 0 if not yet counted. */
function usedOf(o: QuotaObservation, resource: string): bigint {
  return o.quota?.used?.[resource] ?? 0n;
}

/**
 * What a terminating namespace holds: its usage, or (not yet counted) the most it could have been
 * allowed. It cannot grow: the apiserver refuses new objects in a terminating namespace.
 */
function frozenReservation(o: QuotaObservation, resource: string): bigint {
  const used = o.quota?.used?.[resource];
  if (used !== undefined) return used;
  return max(o.quota?.specHard[resource] ?? 0n, o.quota?.statusHard?.[resource] ?? 0n);
}

/**
 * The target allocation of every namespace: its usage plus an equal share (in the coarsest
 * granularity that divides the values) of what the Tenant has left; the remainder goes to the
 * first namespaces by name, so targets are a pure function of the observations. Terminating
 * namespaces are held at what they have. Σ targets ≤ hard whenever Σ usage ≤ hard.
 */
export function quotaTargets(
  hard: ResourceAmounts,
  observations: readonly QuotaObservation[],
): Map<string, Record<string, bigint>> {
  const sorted = [...observations].sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  const active = sorted.filter((o) => !o.terminating);
  const targets = new Map<string, Record<string, bigint>>(sorted.map((o) => [o.namespace, {}]));
  for (const [resource, limit] of Object.entries(hard)) {
    let charged = 0n;
    for (const o of sorted) {
      const held = o.terminating ? frozenReservation(o, resource) : usedOf(o, resource);
      charged += held;
      const t = targets.get(o.namespace);
      if (t !== undefined) t[resource] = held;
    }
    const remaining = limit - charged;
    if (remaining <= 0n || active.length === 0) continue;
    const g = granularityOf([limit, ...sorted.map((o) => usedOf(o, resource))]);
    const units = remaining / g;
    const n = BigInt(active.length);
    active.forEach((o, i) => {
      const t = targets.get(o.namespace);
      if (t === undefined) return;
      const extra = BigInt(i) < units % n ? g : 0n;
      t[resource] = (t[resource] ?? 0n) + (units / n) * g + extra;
    });
  }
  return targets;
}

/** The lowering write `o` needs to be at or below `target`, if any. */
function lowerWrite(o: QuotaObservation, target: ResourceAmounts): QuotaWrite | undefined {
  const q = o.quota;
  if (q === undefined) {
    return { namespace: o.namespace, action: 'create', specHard: target, lowerStatus: true };
  }
  // Resources that left the item stay until the raise phase: removing a limit is a raise.
  const specHard: Record<string, bigint> = { ...q.specHard };
  let specAbove = !q.scopesMatch;
  let statusAbove = q.statusHard === undefined;
  for (const [resource, t] of Object.entries(target)) {
    const current = q.specHard[resource];
    if (current === undefined || current > t) specAbove = true;
    specHard[resource] = current === undefined ? t : min(current, t);
    const enforced = q.statusHard?.[resource];
    if (enforced === undefined || enforced > t) statusAbove = true;
  }
  if (!specAbove && !statusAbove) return undefined;
  return { namespace: o.namespace, action: 'lower', specHard, lowerStatus: true };
}

/** Why raising must wait: some namespace's usage (or enforcement) is not known yet. */
function unknownUsage(
  hard: ResourceAmounts,
  observations: readonly QuotaObservation[],
): string | undefined {
  for (const o of observations) {
    if (o.terminating || o.quota === undefined) continue;
    for (const resource of Object.keys(hard)) {
      if (o.quota.used?.[resource] === undefined || o.quota.statusHard?.[resource] === undefined) {
        return `waiting for the usage of ${resource} in namespace ${o.namespace} to be counted`;
      }
    }
  }
  return undefined;
}

/**
 * The next step for one Tenant quota item over the Tenant's namespaces. Run it on a consistent
 * snapshot, execute the writes (each guarded by the resourceVersion it was planned from), and
 * plan again from a fresh snapshot until it returns `steady` or `wait`.
 */
export function planTenantQuota(
  hard: ResourceAmounts,
  observations: readonly QuotaObservation[],
): QuotaPlan {
  const targets = quotaTargets(hard, observations);
  const writable = observations.filter((o) => !o.terminating);
  const lowers = writable
    .map((o) => lowerWrite(o, targets.get(o.namespace) ?? {}))
    .filter((w): w is QuotaWrite => w !== undefined);
  if (lowers.length > 0) return { kind: 'lower', writes: lowers };
  const waiting = unknownUsage(hard, observations);
  if (waiting !== undefined) return { kind: 'wait', reason: waiting };
  const raises: QuotaWrite[] = [];
  for (const o of writable) {
    const target = targets.get(o.namespace) ?? {};
    if (o.quota !== undefined && !amountsEqual(o.quota.specHard, target)) {
      raises.push({
        namespace: o.namespace,
        action: 'raise',
        specHard: target,
        lowerStatus: false,
      });
    }
  }
  return raises.length > 0 ? { kind: 'raise', writes: raises } : { kind: 'steady' };
}

/** True when both maps hold the same resources with equal amounts. */
export function amountsEqual(a: ResourceAmounts, b: ResourceAmounts): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * `status.hard` to write after lowering `spec.hard` to `specHard`: per resource the lower of the
 * stored status and the new spec; resources not in the spec are left as stored.
 *
 * @returns undefined when the stored status is already at or below the spec
 */
export function loweredStatusHard(
  statusHard: ResourceAmounts | undefined,
  specHard: ResourceAmounts,
): Record<string, bigint> | undefined {
  const out: Record<string, bigint> = { ...statusHard };
  let changed = statusHard === undefined;
  for (const [resource, spec] of Object.entries(specHard)) {
    const stored = statusHard?.[resource];
    if (stored === undefined || stored > spec) {
      out[resource] = spec;
      changed = true;
    }
  }
  return changed ? out : undefined;
}
