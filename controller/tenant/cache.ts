/**
 * What the Tenant controller caches of its children (performance.md §4): 1,000 Tenants × 5
 * namespaces × 8 children is 40,000 objects, so each byte counts. The informer transform keeps
 * what a pass reads — name, namespace, uid, resourceVersion, labels, annotations,
 * ownerReferences, a RoleBinding's roleRef, a ResourceQuota's spec and status — and replaces the
 * rest of the content by a digest of its normalised form (desired.ts `normalisedContent`), which
 * is all the drift check needs. Labels, ownerReferences and roleRefs are identical across the
 * children of a Tenant, so one frozen copy is shared by all of them.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, ObjectMeta } from '../runtime/objects.js';
import type { ChildKind } from './kinds.js';

/** The field of a cached child holding its content digest. */
export const CONTENT_DIGEST = 'tenantryContentDigest';

/** JSON with object keys sorted, so equal values always serialise alike. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** A short digest (64 bits of SHA-256) of a value's stable JSON. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);
}

/** Interned values by their stable JSON. Cleared when large: entries only save memory. */
const shared = new Map<string, unknown>();
const SHARED_MAX = 100_000;

function share<T>(prefix: string, value: T): T {
  if (value === undefined || value === null) return value;
  const key = `${prefix}${stableStringify(value)}`;
  const hit = shared.get(key);
  if (hit !== undefined) return hit as T;
  if (shared.size >= SHARED_MAX) shared.clear();
  shared.set(key, value);
  return value;
}

function compactMeta(meta: ObjectMeta): ObjectMeta {
  const out: ObjectMeta = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'deletionTimestamp'] as const) {
    if (meta[k] !== undefined) out[k] = meta[k];
  }
  if (meta.namespace !== undefined) out.namespace = share('s:', meta.namespace);
  if (meta.labels !== undefined) out.labels = share('l:', meta.labels);
  if (meta.annotations !== undefined) out.annotations = meta.annotations;
  if (meta.ownerReferences !== undefined) out.ownerReferences = share('o:', meta.ownerReferences);
  if (meta.finalizers !== undefined) out.finalizers = meta.finalizers;
  return out;
}

/**
 * The informer transform of a child of `kind`: the compact form described above. Must not mutate
 * its input (the informer freezes the result).
 */
export function compactChild(
  kind: ChildKind,
  normalised: (kind: ChildKind, obj: KubeObject) => unknown,
): (obj: KubeObject) => KubeObject {
  return (obj) => {
    const out: KubeObject = {
      apiVersion: share('s:', obj.apiVersion),
      kind: share('s:', obj.kind),
      metadata: compactMeta(obj.metadata ?? {}),
      [CONTENT_DIGEST]: digestOf(normalised(kind, obj)),
    };
    if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
      out['roleRef'] = share('r:', obj['roleRef']);
    }
    if (kind === 'ResourceQuota') {
      out['spec'] = obj['spec'];
      out['status'] = obj['status'];
    }
    return out;
  };
}
