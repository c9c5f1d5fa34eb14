/**
 * The Tenant's status, computed from the spec and what one reconcile pass found: pure, so a pass
 * can compare it with the stored status and write only when something changed.
 *
 * kstatus conventions (Argo CD, Flux): `Ready` summarises; `observedGeneration` moves only after a
 * pass that reconciled that generation completely, so `Ready=True` with an old
 * observedGeneration reads as "in progress", never as "done".
 */
import type { Tenant, TenantState, TenantStatus, TenantStatusOwner } from '../../crds/index.js';
import { compilePattern } from '../../crds/regex.js';
import { setCondition, type Condition } from '../runtime/conditions.js';
import type { DeepReadonly } from '../runtime/objects.js';
import { ownerClusterRoles } from './desired.js';

/** Condition type summarising the Tenant. */
export const CONDITION_READY = 'Ready';

/** Reasons of the Ready condition. */
export const Reasons = {
  /** Every namespace has every object; nothing failed. */
  Reconciled: 'Reconciled',
  /** An object of a child's name exists that the Tenant does not control; it was left alone. */
  ChildConflict: 'ChildConflict',
  /** The apiserver refused a child (invalid NetworkPolicy spec, a forbidden ClusterRole, …). */
  ApplyFailed: 'ApplyFailed',
  /** The spec holds something the controller cannot use (an invalid regular expression, …). */
  InvalidSpec: 'InvalidSpec',
  /** The Tenant is being deleted and its deletionPolicy is being carried out. */
  Terminating: 'Terminating',
} as const;

/** Something a pass could not do; becomes `Ready=False` with this reason and message. */
export interface Problem {
  readonly reason: (typeof Reasons)[keyof typeof Reasons];
  readonly message: string;
}

/** What one pass observed. */
export interface StatusInput {
  readonly tenant: DeepReadonly<Tenant>;
  /** Names of the Tenant's namespaces (members per membership.ts). */
  readonly namespaces: readonly string[];
  readonly problems: readonly Problem[];
  readonly now: Date;
}

/** `Active`, `Cordoned` or `Terminating`. */
export function tenantState(tenant: DeepReadonly<Tenant>): TenantState {
  if (tenant.metadata.deletionTimestamp !== undefined) return 'Terminating';
  return tenant.spec.cordoned === true ? 'Cordoned' : 'Active';
}

/** The effective owners: every spec owner with its ClusterRoles (CRD default applied). */
export function effectiveOwners(tenant: DeepReadonly<Tenant>): TenantStatusOwner[] {
  return tenant.spec.owners.map((o) => ({
    kind: o.kind,
    name: o.name,
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    clusterRoles: [...ownerClusterRoles(o)],
  }));
}

/** Longest Ready message; the rest is summarised as a count. */
const MAX_MESSAGES = 5;

/** The Ready condition input for a pass's problems. */
export function readyCondition(
  problems: readonly Problem[],
  namespaces: number,
  generation: number | undefined,
): Parameters<typeof setCondition>[1] {
  const base = generation !== undefined ? { observedGeneration: generation } : {};
  const first = problems[0];
  if (first === undefined) {
    return {
      type: CONDITION_READY,
      status: 'True',
      reason: Reasons.Reconciled,
      message: `${namespaces} namespace${namespaces === 1 ? '' : 's'} reconciled`,
      ...base,
    };
  }
  const shown = problems.slice(0, MAX_MESSAGES).map((p) => p.message);
  const more = problems.length > MAX_MESSAGES ? `; and ${problems.length - MAX_MESSAGES} more` : '';
  return {
    type: CONDITION_READY,
    status: 'False',
    reason: first.reason,
    message: `${shown.join('; ')}${more}`,
    ...base,
  };
}

/**
 * The status after a pass: state, size, sorted namespaces, effective owners, the Ready condition;
 * `observedGeneration` is the Tenant's generation if the pass had no problem, else it stays.
 */
export function computeStatus(input: StatusInput): TenantStatus {
  const { tenant, problems, now } = input;
  const previous = tenant.status;
  const namespaces = [...input.namespaces].sort();
  const generation = tenant.metadata.generation;
  const conditions: Condition[] = setCondition(
    previous?.conditions,
    readyCondition(problems, namespaces.length, generation),
    now,
  );
  const observed = problems.length === 0 ? generation : previous?.observedGeneration;
  return {
    state: tenantState(tenant),
    size: namespaces.length,
    namespaces,
    owners: effectiveOwners(tenant),
    conditions,
    ...(observed !== undefined ? { observedGeneration: observed } : {}),
  };
}

/** The status while the deletionPolicy is carried out. */
export function terminatingStatus(
  tenant: DeepReadonly<Tenant>,
  namespaces: readonly string[],
  now: Date,
): TenantStatus {
  const previous = tenant.status;
  const conditions: Condition[] = setCondition(
    previous?.conditions,
    {
      type: CONDITION_READY,
      status: 'False',
      reason: Reasons.Terminating,
      message: `carrying out deletionPolicy ${tenant.spec.deletionPolicy ?? 'Retain'} on ${namespaces.length} namespace${namespaces.length === 1 ? '' : 's'}`,
    },
    now,
  );
  return {
    ...previous,
    state: 'Terminating',
    size: namespaces.length,
    namespaces: [...namespaces].sort(),
    owners: effectiveOwners(tenant),
    conditions,
  };
}

/** Problems of the spec itself that no write can fix (the apiserver's schema cannot check these). */
export function specProblems(tenant: DeepReadonly<Tenant>): Problem[] {
  const options = tenant.spec.namespaceOptions;
  const out: Problem[] = [];
  const lists = [
    ['forbiddenLabels', options?.forbiddenLabels?.deniedRegex],
    ['forbiddenAnnotations', options?.forbiddenAnnotations?.deniedRegex],
  ] as const;
  for (const [field, pattern] of lists) {
    if (pattern === undefined) continue;
    const compiled = compilePattern(pattern);
    if (!compiled.ok) {
      out.push({
        reason: Reasons.InvalidSpec,
        message: `spec.namespaceOptions.${field}.deniedRegex does not compile as RE2: ${compiled.error}`,
      });
    }
  }
  return out;
}
