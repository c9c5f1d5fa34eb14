import { isNotFound, type KubeClient } from './kube.js';
import type { DeepReadonly, KubeObject, OwnerReference } from './objects.js';
import { isSubset } from './semantic.js';

export { childName, isDns1123Label } from './names.js';

/**
 * Writes. Every write names its field manager (one per controller, e.g.
 * `tenantry-tenant-controller`), and steady state costs no request at all: callers compare the
 * desired object with the cached one through {@link needsUpdate} / {@link createOrUpdateIfDifferent}
 * and only then apply.
 *
 * Requests are sent as wire JSON through {@link KubeClient.request}, with the object's URL from
 * client-node's `KubernetesObjectApi` discovery. Why not `KubernetesObjectApi.patch()`: it passes
 * the body through client-node's model serialiser, which reads TypeScript property names and
 * silently drops wire fields whose model name differs (NetworkPolicy `from` is `_from` there).
 */

/** Options shared by write helpers. */
export interface ApplyOptions {
  /** The SSA field manager, e.g. `tenantry-tenant-controller`. */
  readonly fieldManager: string;
  /**
   * Take ownership of conflicting fields. `true` for objects the controller owns: the
   * controller is the source of truth and must win over a stray `kubectl edit`. @default true
   */
  readonly force?: boolean;
}

/**
 * Server-side applies `desired` (creating it if absent) and returns the object as stored.
 * `desired` must carry apiVersion, kind, name, namespace (if namespaced) and only the fields this
 * manager owns.
 */
export async function serverSideApply<T extends KubeObject>(
  client: KubeClient,
  desired: T,
  opts: ApplyOptions,
): Promise<T> {
  const path = await client.objects.pathOf(desired);
  return client.request<T>({
    method: 'PATCH',
    path,
    query: { fieldManager: opts.fieldManager, force: opts.force ?? true },
    body: desired,
    contentType: 'application/apply-patch+yaml',
  });
}

/** Top-level fields that identify an object or are never part of an apply body we compare. */
const NOT_COMPARED: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/**
 * True if applying `desired` could change `actual` — i.e. some field `desired` sets differs.
 * Compares only what `desired` sets: its labels and annotations (others' keys are ignored), its
 * ownerReferences (matched by uid, in any order), its finalizers (contained in any order), and
 * every other top-level field except `status` (spec, data, rules, …) recursively — fields present
 * only in `actual` (server defaults, other managers) never count.
 *
 * Limits, by design of a cache without managedFields:
 * - a field removed from `desired` is not detected; to remove a value, set it to `null`;
 * - values must be in canonical form (`cpu: "1"`, not `"1000m"`), or every pass sees drift.
 *
 * @returns true if `actual` is undefined
 */
export function needsUpdate(
  desired: KubeObject,
  actual: DeepReadonly<KubeObject> | KubeObject | undefined,
): boolean {
  if (actual === undefined) {
    return true;
  }
  const dm = desired.metadata ?? {};
  const am = actual.metadata ?? {};
  if (!isSubset(dm.labels, am.labels) || !isSubset(dm.annotations, am.annotations)) {
    return true;
  }
  if (!ownerReferencesContained(dm.ownerReferences, am.ownerReferences)) {
    return true;
  }
  if (!(dm.finalizers ?? []).every((f) => am.finalizers?.includes(f) === true)) {
    return true;
  }
  const fields = Object.keys(desired).filter((k) => !NOT_COMPARED.has(k));
  return !fields.every((k) => isSubset(desired[k], (actual as Record<string, unknown>)[k]));
}

function ownerReferencesContained(
  desired: readonly OwnerReference[] | undefined,
  actual: readonly DeepReadonly<OwnerReference>[] | undefined,
): boolean {
  return (desired ?? []).every((d) => {
    const match = actual?.find((a) => a.uid === d.uid);
    return match !== undefined && isSubset(d, match);
  });
}

/** What {@link createOrUpdateIfDifferent} did. */
export type EnsureAction = 'created' | 'updated' | 'unchanged';

/** Arguments of {@link createOrUpdateIfDifferent}. */
export interface EnsureOptions<T extends KubeObject> extends ApplyOptions {
  /** The object as this controller wants it (only the fields it owns). */
  readonly desired: T;
  /** The object as the informer cache has it, or undefined if absent. */
  readonly current: DeepReadonly<T> | T | undefined;
}

/** Result of {@link createOrUpdateIfDifferent}. */
export interface EnsureResult<T extends KubeObject> {
  readonly action: EnsureAction;
  /** The stored object: the apply response, or `current` when nothing was sent. */
  readonly object: DeepReadonly<T> | T;
}

/**
 * Applies `desired` only if it is absent or {@link needsUpdate} says it differs from `current`;
 * otherwise sends nothing. A steady state therefore costs zero requests.
 */
export async function createOrUpdateIfDifferent<T extends KubeObject>(
  client: KubeClient,
  opts: EnsureOptions<T>,
): Promise<EnsureResult<T>> {
  const { desired, current } = opts;
  if (current !== undefined && !needsUpdate(desired, current)) {
    return { action: 'unchanged', object: current };
  }
  const object = await serverSideApply(client, desired, opts);
  return { action: current === undefined ? 'created' : 'updated', object };
}

/** Options for {@link patchStatus}. */
export interface PatchStatusOptions {
  /** Recorded as the manager of the status fields. */
  readonly fieldManager: string;
  /**
   * Optimistic lock: the write fails with 409 if the object changed since this resourceVersion
   * (e.g. the one the status was computed from), instead of overwriting a newer state.
   */
  readonly resourceVersion?: string;
}

/**
 * Writes `status` to the `/status` subresource with a JSON merge patch. Lists (conditions) are
 * replaced whole, so pass the complete list; to remove a status field set it to `null`. Call it
 * only when the status changed (`isStatusEqual` in conditions.ts).
 */
export async function patchStatus<T extends KubeObject>(
  client: KubeClient,
  obj: DeepReadonly<KubeObject> | KubeObject,
  status: unknown,
  opts: PatchStatusOptions,
): Promise<T> {
  const path = await client.objects.pathOf(obj);
  const body: Record<string, unknown> = { status };
  if (opts.resourceVersion !== undefined) {
    body['metadata'] = { resourceVersion: opts.resourceVersion };
  }
  return client.request<T>({
    method: 'PATCH',
    path: `${path}/status`,
    query: { fieldManager: opts.fieldManager },
    body,
    contentType: 'application/merge-patch+json',
  });
}

/**
 * Replaces the whole `status` of a **custom resource** through its `/status` subresource (a PUT,
 * as client-go's `UpdateStatus`), locked to `obj`'s resourceVersion: 409 if it changed since.
 *
 * For custom resources the API server copies everything but `status` from the stored object and
 * keeps the stored managedFields, so `obj` may be a cache copy without managedFields. It must
 * carry the rest of the metadata as stored, though, the last-applied annotation included
 * (informers: `keepLastApplied`): a label or annotation missing from the body counts as removed
 * when the API server tracks field ownership, and its manager loses its claim on it (the value
 * stays). (Core types' status strategies differ; use {@link patchStatus} for them.)
 *
 * Why not a merge patch: on a patch the API server encodes the stored object, merges and decodes
 * it again; with large objects (SealedSecrets carry their ciphertext) that cost up to 18 % more API
 * server CPU per status write (docs/benchmarks.md).
 */
export async function replaceStatus<T extends KubeObject>(
  client: KubeClient,
  obj: DeepReadonly<KubeObject> | KubeObject,
  status: unknown,
  opts: { readonly fieldManager: string },
): Promise<T> {
  if (obj.metadata?.resourceVersion === undefined) {
    throw new Error('replaceStatus needs the resourceVersion the status was computed from');
  }
  const path = await client.objects.pathOf(obj);
  return client.request<T>({
    method: 'PUT',
    path: `${path}/status`,
    query: { fieldManager: opts.fieldManager },
    body: { ...obj, status },
  });
}

/** Options for {@link deleteIfExists}. */
export interface DeleteOptions {
  /** `Background` (default on the server), `Foreground` or `Orphan`. */
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Delete only if the object still has this UID (not a re-created namesake). */
  readonly uid?: string;
}

/**
 * Deletes an object; an object already gone is success (returns false), so deletes are
 * idempotent across retries.
 *
 * @returns true if a delete was accepted
 */
export async function deleteIfExists(
  client: KubeClient,
  obj: DeepReadonly<KubeObject> | KubeObject,
  opts: DeleteOptions = {},
): Promise<boolean> {
  const path = await client.objects.pathOf(obj);
  const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
  if (opts.propagationPolicy !== undefined) {
    body['propagationPolicy'] = opts.propagationPolicy;
  }
  if (opts.uid !== undefined) {
    body['preconditions'] = { uid: opts.uid };
  }
  try {
    await client.request({ method: 'DELETE', path, body });
    return true;
  } catch (err) {
    if (isNotFound(err)) {
      return false;
    }
    throw err;
  }
}
