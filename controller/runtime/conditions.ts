import { semanticEqual } from './semantic.js';

/**
 * Pure setters for `metav1.Condition` lists. Reconcilers compute the new status from the old one
 * with these, then write it only when {@link isStatusEqual} says it changed.
 */

/** A condition's status, as in metav1. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** `metav1.Condition` in wire form. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase machine reason, e.g. `NamespacesReady`. */
  reason: string;
  message: string;
  observedGeneration?: number;
  /** RFC 3339, second precision (metav1.Time). Moves only when `status` changes. */
  lastTransitionTime: string;
}

/** What a reconciler decides; the setter owns `lastTransitionTime`. */
export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  /** @default '' */
  message?: string;
  observedGeneration?: number;
}

/**
 * Types listed first, in this order, so `kubectl get -o yaml` reads the summary first (Flux
 * sorts the same way); all others follow alphabetically.
 */
const LEADING_TYPES: readonly string[] = ['Ready', 'Stalled', 'Reconciling'];

/** metav1.Time has second precision; a millisecond timestamp would never compare equal to the stored one. */
export function toConditionTime(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Returns the condition of `type`, if present. */
export function getCondition(
  conditions: readonly Readonly<Condition>[] | undefined,
  type: string,
): Readonly<Condition> | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` is present with status `True`. */
export function isConditionTrue(
  conditions: readonly Readonly<Condition>[] | undefined,
  type: string,
): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/**
 * Returns a new, sorted list with `input` set. An existing condition of the same type keeps its
 * `lastTransitionTime` unless its `status` changes; a reason, message or observedGeneration
 * change updates it in place (metav1 `SetStatusCondition` semantics). The input list is not
 * modified.
 */
export function setCondition(
  conditions: readonly Readonly<Condition>[] | undefined,
  input: ConditionInput,
  now: Date,
): Condition[] {
  const existing = getCondition(conditions, input.type);
  const lastTransitionTime =
    existing !== undefined && existing.status === input.status
      ? existing.lastTransitionTime
      : toConditionTime(now);
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message ?? '',
    lastTransitionTime,
  };
  if (input.observedGeneration !== undefined) {
    next.observedGeneration = input.observedGeneration;
  }
  const others = (conditions ?? []).filter((c) => c.type !== input.type).map((c) => ({ ...c }));
  return sortConditions([...others, next]);
}

/** Returns a new list without the condition of `type`. */
export function removeCondition(
  conditions: readonly Readonly<Condition>[] | undefined,
  type: string,
): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type).map((c) => ({ ...c }));
}

function rank(type: string): number {
  const i = LEADING_TYPES.indexOf(type);
  return i < 0 ? LEADING_TYPES.length : i;
}

/** Returns a new list sorted Ready, Stalled, Reconciling, then by type; stable for equal keys. */
export function sortConditions<C extends Readonly<Condition>>(conditions: readonly C[]): C[] {
  return [...conditions].sort((a, b) => {
    const byRank = rank(a.type) - rank(b.type);
    if (byRank !== 0) {
      return byRank;
    }
    return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
  });
}

/**
 * Semantic equality of two status objects: key order is ignored, `undefined` fields count as
 * absent, and any `conditions` list is compared by type rather than position (it is a
 * `listType=map` keyed by type). Use it to skip status writes that would change nothing.
 */
export function isStatusEqual(a: unknown, b: unknown): boolean {
  return semanticEqual(normalise(a), normalise(b));
}

function normalise(status: unknown): unknown {
  if (status === null || typeof status !== 'object' || Array.isArray(status)) {
    return status;
  }
  const record = status as Record<string, unknown>;
  const conditions = record['conditions'];
  if (!Array.isArray(conditions) || !conditions.every(hasType)) {
    return status;
  }
  return { ...record, conditions: [...conditions].sort((x, y) => compareType(x, y)) };
}

function hasType(c: unknown): c is { type: string } {
  return c !== null && typeof c === 'object' && typeof (c as { type?: unknown }).type === 'string';
}

function compareType(x: { type: string }, y: { type: string }): number {
  return x.type < y.type ? -1 : x.type > y.type ? 1 : 0;
}
