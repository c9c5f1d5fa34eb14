/**
 * Namespace metadata rules: the ownership fields (tenant label + Tenant ownerReferences), the
 * keys reserved to administrators, a Tenant's forbidden labels/annotations and its forced
 * additionalMetadata. Pure functions over plain objects.
 */
import type { ForbiddenList } from '../../crds/index.js';
import { GROUP, LABEL_TENANT, TENANT_KIND } from '../../crds/index.js';
import {
  semanticEqual,
  type DeepReadonly,
  type KubeObject,
  type OwnerReference,
} from '../runtime/index.js';
import { compilePattern } from '../../crds/regex.js';

/**
 * Key prefixes on namespaces that only administrators and the controller may set, change or
 * remove: tenantry's own keys, and Pod Security Admission's (an owner relabelling their namespace
 * `enforce: privileged` would lift pod security; §13.14).
 */
export const RESERVED_NAMESPACE_KEY_PREFIXES: readonly string[] = [
  `${GROUP}/`,
  'pod-security.kubernetes.io/',
];

type Obj = DeepReadonly<KubeObject> | KubeObject | null | undefined;
type StringMap = Readonly<Record<string, string>>;

/** The Tenant ownerReferences of an object (kind Tenant, group tenantry.io, any version). */
export function tenantReferences(obj: Obj): DeepReadonly<OwnerReference>[] {
  return (obj?.metadata?.ownerReferences ?? []).filter(
    (r) => r.kind === TENANT_KIND && (r.apiVersion ?? '').split('/')[0] === GROUP,
  );
}

/** True if the object carries the tenant label or a Tenant ownerReference. */
export function involvesTenant(obj: Obj): boolean {
  const label = obj?.metadata?.labels?.[LABEL_TENANT];
  return (label !== undefined && label !== '') || tenantReferences(obj).length > 0;
}

/** True if the ownership fields (tenant label, Tenant ownerReferences) differ. */
export function ownershipChanged(oldObj: Obj, newObj: Obj): boolean {
  const a = oldObj?.metadata?.labels?.[LABEL_TENANT];
  const b = newObj?.metadata?.labels?.[LABEL_TENANT];
  return a !== b || !semanticEqual(tenantReferences(oldObj), tenantReferences(newObj));
}

/** Keys of `next` that are new or have another value than in `prev`. */
export function setKeys(next: StringMap | undefined, prev: StringMap | undefined): string[] {
  return Object.keys(next ?? {}).filter((k) => prev?.[k] !== next?.[k]);
}

/** Keys of `prev` that are gone or changed in `next`. */
export function changedOrRemovedKeys(
  next: StringMap | undefined,
  prev: StringMap | undefined,
): string[] {
  return Object.keys(prev ?? {}).filter((k) => next?.[k] !== prev?.[k]);
}

/** True for keys under {@link RESERVED_NAMESPACE_KEY_PREFIXES}. */
export function isReservedKey(key: string): boolean {
  return RESERVED_NAMESPACE_KEY_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * Why `key` is forbidden by `list`, or undefined if it is not. A `deniedRegex` that does not
 * compile forbids every key (and says so): failing closed, explicitly, never silently.
 */
export function forbiddenReason(
  key: string,
  list: DeepReadonly<ForbiddenList> | undefined,
  what: 'label' | 'annotation',
): string | undefined {
  if (list === undefined) return undefined;
  if (list.denied?.includes(key) === true) return `${what} ${key} is forbidden by the tenant`;
  if (list.deniedRegex === undefined || list.deniedRegex === '') return undefined;
  const re = compilePattern(list.deniedRegex);
  if (!re.ok) {
    return `the tenant's forbidden ${what}s regex ${JSON.stringify(list.deniedRegex)} is invalid (${re.error}); ask an administrator to fix the Tenant`;
  }
  return re.test(key)
    ? `${what} ${key} is forbidden by the tenant (matches ${JSON.stringify(list.deniedRegex)})`
    : undefined;
}
