/**
 * The SealedSecret's status, computed purely from the old status and the outcome of a pass.
 *
 * Bitnami's shape is kept (`Synced` first, with `lastUpdateTime` and `lastTransitionTime`, so
 * the printer columns reading `conditions[0]` work); tenantry adds a `reason`, a `Ready`
 * condition mirroring `Synced` for kstatus-based tools, and an `observedGeneration` that always
 * names the generation acted on (Bitnami's lagged, #1355). `lastUpdateTime` moves only when the
 * condition's content changes, so a steady SealedSecret's status is never rewritten.
 */
import type {
  SealedSecretCondition,
  SealedSecretStatus,
} from '../../crds/sealedsecret.v1alpha1.schema.js';
import { semanticEqual, toConditionTime, type DeepReadonly } from '../runtime/index.js';

/** Condition reasons (CamelCase), documented in docs/sealedsecret-controller.md. */
export const Reason = {
  /** The Secret matches the SealedSecret. */
  Unsealed: 'Unsealed',
  /** No key opens an item, an item is malformed, or no key is loaded. */
  UnsealFailed: 'UnsealFailed',
  /** An item's ciphertext or tag was modified. */
  Tampered: 'Tampered',
  /** `spec.template.data` cannot be rendered. */
  TemplateError: 'TemplateError',
  /** `spec.data` misuse (Bitnami's exact messages). */
  InvalidSpec: 'InvalidSpec',
  /** The tenant-wide scope is not satisfied in this namespace. */
  ScopeNotSatisfied: 'ScopeNotSatisfied',
  /** A Secret of that name exists and is neither owned nor annotated managed/patch. */
  UnmanagedSecret: 'UnmanagedSecret',
  /** Writing the Secret failed. */
  UpdateFailed: 'UpdateFailed',
  /** The existing Secret is immutable and its data differs. */
  SecretImmutable: 'SecretImmutable',
} as const;

/** What a pass concluded. */
export interface Outcome {
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

const OUR_TYPES = ['Synced', 'Ready'];

/**
 * The next status: `Synced` and `Ready` set from `outcome`, other condition types kept after
 * them, `observedGeneration` = `generation`. Timestamps move only on a real change.
 */
export function nextStatus(
  old: DeepReadonly<SealedSecretStatus> | undefined,
  outcome: Outcome,
  generation: number | undefined,
  now: Date,
): SealedSecretStatus {
  const conditions = OUR_TYPES.map((type) => nextCondition(find(old, type), type, outcome, now));
  const others = (old?.conditions ?? [])
    .filter((c) => !OUR_TYPES.includes(c.type))
    .map((c) => ({ ...c }));
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: [...conditions, ...others],
  };
}

function find(
  status: DeepReadonly<SealedSecretStatus> | undefined,
  type: string,
): DeepReadonly<SealedSecretCondition> | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

function nextCondition(
  old: DeepReadonly<SealedSecretCondition> | undefined,
  type: string,
  outcome: Outcome,
  now: Date,
): SealedSecretCondition {
  const stamp = toConditionTime(now);
  const same =
    old !== undefined &&
    old.status === outcome.status &&
    (old.reason ?? '') === outcome.reason &&
    (old.message ?? '') === outcome.message;
  const flipped = old?.status !== outcome.status;
  return {
    type,
    status: outcome.status,
    reason: outcome.reason,
    message: outcome.message,
    lastUpdateTime: same ? (old.lastUpdateTime ?? stamp) : stamp,
    lastTransitionTime: flipped ? stamp : (old.lastTransitionTime ?? stamp),
  };
}

/** True when writing `next` would change nothing. */
export function statusUnchanged(
  old: DeepReadonly<SealedSecretStatus> | undefined,
  next: SealedSecretStatus,
): boolean {
  return semanticEqual(old ?? {}, next);
}

/** The `Synced` condition of a status, if any. */
export function syncedCondition(
  status: DeepReadonly<SealedSecretStatus> | undefined,
): DeepReadonly<SealedSecretCondition> | undefined {
  return find(status, 'Synced');
}
