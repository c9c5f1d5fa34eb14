/**
 * Plain-JSON object shapes and the helpers that prepare objects for the informer cache.
 *
 * The runtime works on objects as the apiserver sends them (timestamps are strings, field names
 * are wire names), not on client-node's deserialised model classes: cached objects are compared,
 * hashed and frozen, and wire JSON is what `needsUpdate` and server-side apply speak.
 */

/** An owner reference, as on the wire. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The parts of `metadata` the runtime reads. Other fields pass through untouched. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** Any Kubernetes object in wire form. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** Read-only all the way down: the type of every object handed out by an informer cache. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The annotation kubectl client-side apply stores a full copy of the object in. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The cache/workqueue key of an object: `namespace/name`, or `name` for cluster-scoped objects
 * (client-go's `MetaNamespaceKeyFunc`).
 *
 * @throws Error if the object has no name
 */
export function objectKey(obj: DeepReadonly<KubeObject> | KubeObject): string {
  const name = obj.metadata?.name;
  if (name === undefined || name === '') {
    throw new Error('Object has no metadata.name, so it has no key');
  }
  const ns = obj.metadata?.namespace;
  return ns === undefined || ns === '' ? name : `${ns}/${name}`;
}

/** Splits a key made by {@link objectKey}. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) {
    return { name: key };
  }
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Options for {@link stripForCache}. */
export interface StripOptions {
  /**
   * Keep the last-applied annotation: for objects written back whole from the cache (a status
   * PUT), where a missing annotation would cost its manager the ownership of it.
   */
  readonly keepLastApplied?: boolean;
}

/**
 * Returns a shallow-copied object without `metadata.managedFields` and the last-applied
 * annotation. These are 20–40 % of an object's bytes and no reconcile reads them
 * (performance.md §4). The input is not modified.
 */
export function stripForCache<T extends KubeObject>(obj: T, opts: StripOptions = {}): T {
  const meta = obj.metadata;
  if (meta === undefined) {
    return obj;
  }
  const hasManaged = meta.managedFields !== undefined;
  const hasLastApplied =
    opts.keepLastApplied !== true && meta.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined;
  if (!hasManaged && !hasLastApplied) {
    return obj;
  }
  const { managedFields: _managed, ...rest } = meta;
  const newMeta: ObjectMeta = rest;
  if (hasLastApplied && meta.annotations !== undefined) {
    const { [LAST_APPLIED_ANNOTATION]: _last, ...annotations } = meta.annotations;
    if (Object.keys(annotations).length > 0) {
      newMeta.annotations = annotations;
    } else {
      delete newMeta.annotations;
    }
  }
  return { ...obj, metadata: newMeta };
}

/**
 * Freezes `value` and everything reachable from it, and returns it typed as read-only.
 * Cached objects are shared by every reader; freezing turns an accidental mutation into a
 * `TypeError` (ESM modules are strict) instead of silent cache corruption.
 */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) {
      deepFreeze(child);
    }
  }
  return value as DeepReadonly<T>;
}
