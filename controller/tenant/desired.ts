/**
 * What a Tenant asks for, as pure functions of the Tenant and what the caches observed: the
 * children of each tenant namespace, the cluster-scoped RBAC of its owners, the metadata of its
 * namespaces — and whether a stored object already matches (so a steady state costs no request).
 *
 * Nothing here does I/O; reconcile.ts reads the caches, calls these, and writes the difference.
 */
import {
  LABEL_CORDONED,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  MANAGED_BY_VALUE,
  PropagatedFrom,
  TENANT_API_VERSION,
  TENANT_KIND,
  type AdditionalRoleBinding,
  type Subject,
  type Tenant,
  type TenantOwner,
  type TenantResourceQuota,
} from '../../crds/index.js';
import type { DeepReadonly, KubeObject, OwnerReference } from '../runtime/objects.js';
import { isSubset, semanticEqual } from '../runtime/semantic.js';
import { CONTENT_DIGEST, digestOf } from './cache.js';
import { KINDS, type ChildKind, type NamespacedChildKind } from './kinds.js';
import {
  ANNOTATION_MANAGED_METADATA,
  CLUSTER_ROLE_NAMESPACE_OWNER,
  ROLE_BINDING_NAMESPACE_OWNER,
  additionalRoleBindingName,
  childLabels,
  limitRangeName,
  networkPolicyName,
  ownerRoleBindingName,
  resourceQuotaName,
  tenantClusterRoleName,
} from './names.js';
import { formatQuantity, parseQuantity, type ResourceAmounts } from './quantity.js';

/** A Tenant in wire form (the TypeBox type plus the generic object shape the runtime uses). */
export type TenantObject = Tenant & KubeObject;

/** A Tenant as the cache holds it. */
export type CachedTenant = DeepReadonly<TenantObject>;

/** An object as a cache holds it. */
export type Cached = DeepReadonly<KubeObject>;

/** A child the controller wants to exist, ready to be sent on create. */
export interface DesiredChild {
  readonly kind: ChildKind;
  /** Shares the Tenant's (read-only) spec values: never mutate it. */
  readonly object: KubeObject;
  /** {@link contentDigest} of `object`, when already known. */
  readonly digest?: string;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The default ClusterRoles of an owner (`spec.owners[].clusterRoles`, CRD default). */
export const DEFAULT_OWNER_CLUSTER_ROLES: readonly string[] = ['admin'];

/** The owner's ClusterRoles, with the CRD default applied. */
export function ownerClusterRoles(owner: DeepReadonly<TenantOwner>): readonly string[] {
  return owner.clusterRoles ?? DEFAULT_OWNER_CLUSTER_ROLES;
}

/** The controller ownerReference every child carries. */
export function controllerReference(tenant: CachedTenant): OwnerReference {
  return {
    apiVersion: TENANT_API_VERSION,
    kind: TENANT_KIND,
    name: tenant.metadata.name ?? '',
    uid: tenant.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True when `obj` has a controller ownerReference to this Tenant (by UID). */
export function isControlledBy(obj: Cached, tenant: CachedTenant): boolean {
  const uid = tenant.metadata.uid;
  return (
    uid !== undefined &&
    (obj.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid)
  );
}

function subjectOf(owner: DeepReadonly<TenantOwner> | DeepReadonly<Subject>): KubeObject {
  if (owner.kind === 'ServiceAccount') {
    return { kind: 'ServiceAccount', name: owner.name, namespace: owner.namespace ?? '' };
  }
  const apiGroup =
    'apiGroup' in owner && owner.apiGroup !== undefined ? owner.apiGroup : RBAC_GROUP;
  return { kind: owner.kind, name: owner.name, apiGroup };
}

function child(
  kind: ChildKind,
  tenant: CachedTenant,
  meta: {
    name: string;
    namespace?: string;
    from?: (typeof PropagatedFrom)[keyof typeof PropagatedFrom];
  },
  content: Record<string, unknown>,
): DesiredChild {
  const tenantName = tenant.metadata.name ?? '';
  const labels =
    meta.from !== undefined
      ? childLabels(tenantName, meta.from)
      : { [LABEL_TENANT]: tenantName, [LABEL_MANAGED_BY]: MANAGED_BY_VALUE };
  const info = KINDS[kind];
  return {
    kind,
    object: {
      apiVersion: info.apiVersion,
      kind: info.kind,
      metadata: {
        name: meta.name,
        ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
        labels,
        ownerReferences: [controllerReference(tenant)],
      },
      ...content,
    },
  };
}

function clusterRoleRef(name: string): KubeObject {
  return { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name };
}

function ownerRoleBindings(tenant: CachedTenant, namespace?: string): DesiredChild[] {
  const out: DesiredChild[] = [];
  for (const owner of tenant.spec.owners) {
    for (const role of ownerClusterRoles(owner)) {
      out.push(
        child(
          'RoleBinding',
          tenant,
          {
            name: ownerRoleBindingName(owner as TenantOwner, role),
            namespace,
            from: PropagatedFrom.RoleBinding,
          },
          { roleRef: clusterRoleRef(role), subjects: [subjectOf(owner)] },
        ),
      );
    }
  }
  out.push(
    child(
      'RoleBinding',
      tenant,
      { name: ROLE_BINDING_NAMESPACE_OWNER, namespace, from: PropagatedFrom.RoleBinding },
      {
        roleRef: clusterRoleRef(CLUSTER_ROLE_NAMESPACE_OWNER),
        subjects: tenant.spec.owners.map(subjectOf),
      },
    ),
  );
  return out;
}

function additionalBinding(
  tenant: CachedTenant,
  namespace: string | undefined,
  item: DeepReadonly<AdditionalRoleBinding>,
): DesiredChild {
  return child(
    'RoleBinding',
    tenant,
    { name: additionalRoleBindingName(item.name), namespace, from: PropagatedFrom.RoleBinding },
    { roleRef: clusterRoleRef(item.clusterRoleName), subjects: item.subjects.map(subjectOf) },
  );
}

/** `hard` of a quota item in canonical spelling. */
function formatHard(hard: Readonly<Record<string, string | number>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(hard)) out[k] = canonicalQuantity(v);
  return out;
}

function canonicalQuantity(v: string | number): string {
  try {
    return formatQuantity(parseQuantity(v));
  } catch {
    return String(v);
  }
}

/** The `spec` of a ResourceQuota for `item` with the given `hard`. */
export function resourceQuotaSpec(
  item: DeepReadonly<TenantResourceQuota>,
  hard: Readonly<Record<string, string | number>>,
): Record<string, unknown> {
  return {
    hard: formatHard(hard),
    ...(item.scopes !== undefined && item.scopes.length > 0 ? { scopes: [...item.scopes] } : {}),
    ...(item.scopeSelector !== undefined
      ? { scopeSelector: structuredClone(item.scopeSelector) }
      : {}),
  };
}

/** True for a quota item whose limits cover the Tenant as a whole. */
export function isTenantScoped(item: DeepReadonly<TenantResourceQuota>): boolean {
  return item.scope === 'Tenant';
}

/** The children of each Tenant object, built once: they differ between namespaces by name only. */
const templates = new WeakMap<object, readonly DesiredChild[]>();

/**
 * The children of `tenant` in one namespace, except the ResourceQuotas of Tenant-scoped items,
 * whose `hard` is an allocation the quota sync owns (see {@link tenantQuotaChild}). Content and
 * digests are computed once per Tenant object (the cache replaces the object on every change).
 */
export function desiredNamespaceChildren(tenant: CachedTenant, namespace: string): DesiredChild[] {
  let built = templates.get(tenant);
  if (built === undefined) {
    built = buildNamespaceChildren(tenant).map((c) => ({
      ...c,
      digest: contentDigest(c.kind, c.object),
    }));
    templates.set(tenant, built);
  }
  return built.map((c) => ({
    ...c,
    object: { ...c.object, metadata: { ...c.object.metadata, namespace } },
  }));
}

function buildNamespaceChildren(tenant: CachedTenant, namespace?: string): DesiredChild[] {
  const spec = tenant.spec;
  const out: DesiredChild[] = [];
  for (const item of spec.resourceQuotas ?? []) {
    if (isTenantScoped(item)) continue;
    out.push(
      child(
        'ResourceQuota',
        tenant,
        { name: resourceQuotaName(item.name), namespace, from: PropagatedFrom.ResourceQuota },
        { spec: resourceQuotaSpec(item, item.hard) },
      ),
    );
  }
  for (const item of spec.limitRanges ?? []) {
    out.push(
      child(
        'LimitRange',
        tenant,
        { name: limitRangeName(item.name), namespace, from: PropagatedFrom.LimitRange },
        { spec: { limits: item.limits } },
      ),
    );
  }
  for (const item of spec.networkPolicies ?? []) {
    out.push(
      child(
        'NetworkPolicy',
        tenant,
        { name: networkPolicyName(item.name), namespace, from: PropagatedFrom.NetworkPolicy },
        { spec: item.spec },
      ),
    );
  }
  out.push(...ownerRoleBindings(tenant, namespace));
  for (const item of spec.additionalRoleBindings ?? [])
    out.push(additionalBinding(tenant, namespace, item));
  return out;
}

/** The ResourceQuota of a Tenant-scoped item in one namespace, with `hard` = its allocation. */
export function tenantQuotaChild(
  tenant: CachedTenant,
  namespace: string,
  item: DeepReadonly<TenantResourceQuota>,
  allocation: ResourceAmounts,
): DesiredChild {
  const hard: Record<string, string> = {};
  for (const [k, v] of Object.entries(allocation)) hard[k] = formatQuantity(v);
  return child(
    'ResourceQuota',
    tenant,
    { name: resourceQuotaName(item.name), namespace, from: PropagatedFrom.ResourceQuota },
    { spec: resourceQuotaSpec(item, hard) },
  );
}

/** Names of every child `tenant` wants in a namespace, Tenant-scoped quotas included, by kind. */
export function desiredChildNames(tenant: CachedTenant, namespace: string): Set<string> {
  const names = new Set(desiredNamespaceChildren(tenant, namespace).map((c) => childId(c.object)));
  for (const item of tenant.spec.resourceQuotas ?? []) {
    if (isTenantScoped(item)) names.add(`ResourceQuota/${resourceQuotaName(item.name)}`);
  }
  return names;
}

/** `Kind/name` of an object (unique within a namespace for the kinds the controller writes). */
export function childId(obj: Cached | KubeObject): string {
  return `${obj.kind ?? ''}/${obj.metadata?.name ?? ''}`;
}

/**
 * The cluster-scoped RBAC of a Tenant's owners: a ClusterRole allowing `get`, `list` and `watch`
 * of this one Tenant (by resourceName) and `create` of namespaces, bound to the current owners.
 * No cluster-wide list of namespaces or Tenants: owners list their namespaces from the Tenant's
 * status, and get or delete each through the per-namespace binding of
 * {@link CLUSTER_ROLE_NAMESPACE_OWNER}.
 */
export function desiredClusterRbac(tenant: CachedTenant): DesiredChild[] {
  const name = tenantClusterRoleName(tenant.metadata.name ?? '');
  return [
    child(
      'ClusterRole',
      tenant,
      { name },
      {
        rules: [
          {
            apiGroups: [KINDS.Tenant.apiVersion.split('/')[0] ?? ''],
            resources: [KINDS.Tenant.plural],
            resourceNames: [tenant.metadata.name ?? ''],
            verbs: ['get', 'list', 'watch'],
          },
          { apiGroups: [''], resources: ['namespaces'], verbs: ['create'] },
        ],
      },
    ),
    child(
      'ClusterRoleBinding',
      tenant,
      { name },
      {
        roleRef: clusterRoleRef(name),
        subjects: tenant.spec.owners.map(subjectOf),
      },
    ),
  ];
}

/**
 * The ClusterRole bound in each tenant namespace to its owners: `get`, `patch` and `delete` on
 * `namespaces`. Bound by a RoleBinding it applies only to the namespace the binding lives in (a
 * request for `/api/v1/namespaces/<ns>` is authorised in namespace `<ns>`), so owners can get,
 * label and delete exactly their own namespaces and list none. `patch` is what `kubectl label`,
 * `annotate` and `edit` send; admission decides which labels and annotations an owner may set
 * (the tenant label, `tenantry.io/*`, Pod Security keys and the Tenant's forbidden lists never).
 */
export function namespaceOwnerClusterRole(): KubeObject {
  return {
    apiVersion: KINDS.ClusterRole.apiVersion,
    kind: 'ClusterRole',
    metadata: {
      name: CLUSTER_ROLE_NAMESPACE_OWNER,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE },
    },
    rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch', 'delete'] }],
  };
}

// ---------------------------------------------------------------------------------------------
// Comparing a desired child with the stored one
// ---------------------------------------------------------------------------------------------

/** The top-level fields holding a kind's content. */
const CONTENT_FIELDS: Readonly<Record<ChildKind, readonly string[]>> = {
  ResourceQuota: ['spec'],
  LimitRange: ['spec'],
  NetworkPolicy: ['spec'],
  RoleBinding: ['roleRef', 'subjects'],
  ClusterRole: ['rules'],
  ClusterRoleBinding: ['roleRef', 'subjects'],
};

/** Drops `null`, `undefined` and empty lists, which the apiserver omits when storing. */
function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneEmpty);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = pruneEmpty(v);
  }
  return out;
}

function canonicalList(list: unknown): Record<string, string> | undefined {
  if (list === null || typeof list !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(list as Record<string, string | number>))
    out[k] = canonicalQuantity(v);
  return out;
}

const LIMIT_FIELDS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

/** A LimitRangeItem with the apiserver's defaulting applied (core/v1 SetDefaults_LimitRangeItem). */
function normaliseLimitItem(raw: unknown): Record<string, unknown> {
  const item = { ...(raw as Record<string, unknown>) };
  for (const f of LIMIT_FIELDS) {
    const canonical = canonicalList(item[f]);
    if (canonical !== undefined) item[f] = canonical;
  }
  if (item['type'] === 'Container') {
    const max = (item['max'] ?? {}) as Record<string, string>;
    const min = (item['min'] ?? {}) as Record<string, string>;
    const def = { ...max, ...((item['default'] ?? {}) as Record<string, string>) };
    const defReq = {
      ...min,
      ...def,
      ...((item['defaultRequest'] ?? {}) as Record<string, string>),
    };
    item['default'] = def;
    item['defaultRequest'] = defReq;
  }
  for (const f of LIMIT_FIELDS) {
    const v = item[f];
    if (v !== undefined && Object.keys(v as object).length === 0) delete item[f];
  }
  return item;
}

/** A NetworkPolicySpec with the apiserver's defaulting applied (policyTypes, port protocol). */
function normaliseNetworkPolicySpec(raw: unknown): Record<string, unknown> {
  const spec = structuredClone((raw ?? {}) as Record<string, unknown>);
  const rules = (k: string): Record<string, unknown>[] =>
    (spec[k] ?? []) as Record<string, unknown>[];
  if (spec['policyTypes'] === undefined) {
    spec['policyTypes'] = rules('egress').length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  spec['podSelector'] ??= {};
  for (const rule of [...rules('ingress'), ...rules('egress')]) {
    for (const port of (rule['ports'] ?? []) as Record<string, unknown>[])
      port['protocol'] ??= 'TCP';
  }
  return spec;
}

/** RBAC subjects with the apiserver's apiGroup defaulting (User/Group → rbac, ServiceAccount → none). */
function normaliseSubjects(raw: unknown): unknown {
  return ((raw ?? []) as Record<string, unknown>[]).map((s) => {
    const out = { ...s };
    if (s['kind'] === 'ServiceAccount') {
      if (out['apiGroup'] === '') delete out['apiGroup'];
    } else {
      out['apiGroup'] ??= RBAC_GROUP;
    }
    return out;
  });
}

/**
 * The content of an object of `kind` as the apiserver would store it: server defaults applied,
 * quantities canonical, empty values dropped. Equal normalised content means a write would change
 * nothing; a difference is drift (an edit, or a change of the Tenant spec — including a field
 * that was removed from it, which a subset comparison could not see).
 */
export function normalisedContent(kind: ChildKind, obj: Cached | KubeObject): unknown {
  const o = obj as Record<string, unknown>;
  switch (kind) {
    case 'ResourceQuota': {
      const spec = (o['spec'] ?? {}) as Record<string, unknown>;
      return pruneEmpty({ ...spec, hard: canonicalList(spec['hard']) });
    }
    case 'LimitRange': {
      const spec = (o['spec'] ?? {}) as Record<string, unknown>;
      return pruneEmpty({ limits: ((spec['limits'] ?? []) as unknown[]).map(normaliseLimitItem) });
    }
    case 'NetworkPolicy':
      return pruneEmpty(normaliseNetworkPolicySpec(o['spec']));
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return pruneEmpty({ roleRef: o['roleRef'], subjects: normaliseSubjects(o['subjects']) });
    case 'ClusterRole':
      return pruneEmpty({ rules: o['rules'], aggregationRule: o['aggregationRule'] });
  }
}

/**
 * The digest of an object's normalised content: carried by compact cached children
 * (cache.ts), computed for anything else (desired objects, objects read live).
 */
export function contentDigest(kind: ChildKind, obj: Cached | KubeObject): string {
  const carried = (obj as Record<string, unknown>)[CONTENT_DIGEST];
  return typeof carried === 'string' ? carried : digestOf(normalisedContent(kind, obj));
}

/** What a stored child needs. */
export type ChildAction =
  /** Absent: create it. */
  | 'create'
  /** Ours, but its content or our labels/ownerReference drifted: rewrite it. */
  | 'update'
  /** Ours, but an immutable field (a RoleBinding's roleRef) changed: delete and create. */
  | 'replace'
  /** An object of that name exists that this Tenant does not control: leave it alone. */
  | 'conflict'
  /** Nothing. */
  | 'none';

/** Decides what a child needs, comparing the desired object with the cached one. */
export function childAction(
  desired: DesiredChild,
  actual: Cached | undefined,
  tenant: CachedTenant,
): ChildAction {
  if (actual === undefined) return 'create';
  if (!isControlledBy(actual, tenant)) return 'conflict';
  const kind = desired.kind;
  if (
    (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') &&
    !semanticEqual(desired.object['roleRef'], (actual as Record<string, unknown>)['roleRef'])
  ) {
    return 'replace';
  }
  if (!isSubset(desired.object.metadata?.labels, actual.metadata?.labels)) return 'update';
  const want = desired.digest ?? contentDigest(kind, desired.object);
  if (want !== contentDigest(kind, actual)) return 'update';
  return 'none';
}

/**
 * The body of a full update (PUT) of `actual` to `desired`: the stored metadata (resourceVersion
 * included, so a concurrent change fails with 409 instead of being overwritten) with our labels
 * and ownerReference, and our content replacing the stored content wholesale.
 */
export function updatedChild(desired: DesiredChild, actual: Cached): KubeObject {
  const meta = structuredClone(actual.metadata ?? {}) as KubeObject['metadata'] & object;
  meta.labels = { ...meta.labels, ...desired.object.metadata?.labels };
  const ours = desired.object.metadata?.ownerReferences ?? [];
  const oursUids = new Set(ours.map((r) => r.uid));
  meta.ownerReferences = [
    ...ours,
    ...(meta.ownerReferences ?? []).filter((r) => !oursUids.has(r.uid) && r.controller !== true),
  ];
  const body: KubeObject = {
    apiVersion: desired.object.apiVersion,
    kind: desired.object.kind,
    metadata: meta,
  };
  for (const field of CONTENT_FIELDS[desired.kind]) {
    if (desired.object[field] !== undefined) body[field] = desired.object[field];
  }
  return body;
}

/** True for the kinds propagated into namespaces. */
export function isNamespacedChildKind(kind: string | undefined): kind is NamespacedChildKind {
  return (
    kind === 'ResourceQuota' ||
    kind === 'LimitRange' ||
    kind === 'NetworkPolicy' ||
    kind === 'RoleBinding'
  );
}

// ---------------------------------------------------------------------------------------------
// Namespace metadata
// ---------------------------------------------------------------------------------------------

/** Keys the controller set on a namespace, as recorded in {@link ANNOTATION_MANAGED_METADATA}. */
interface ManagedKeys {
  readonly labels: readonly string[];
  readonly annotations: readonly string[];
}

function parseManaged(value: string | undefined): ManagedKeys {
  if (value === undefined) return { labels: [], annotations: [] };
  try {
    const parsed = JSON.parse(value) as Partial<ManagedKeys>;
    return {
      labels: Array.isArray(parsed.labels)
        ? parsed.labels.filter((k) => typeof k === 'string')
        : [],
      annotations: Array.isArray(parsed.annotations)
        ? parsed.annotations.filter((k) => typeof k === 'string')
        : [],
    };
  } catch {
    // A mangled record: we can no longer tell which keys were ours, so remove none.
    return { labels: [], annotations: [] };
  }
}

/** A JSON merge patch of a namespace's labels and annotations (`null` removes a key). */
export interface MetadataPatch {
  readonly labels: Record<string, string | null>;
  readonly annotations: Record<string, string | null>;
}

function diffMap(
  desired: Readonly<Record<string, string>>,
  actual: Readonly<Record<string, string>> | undefined,
  previouslyManaged: readonly string[],
): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(desired)) if (actual?.[k] !== v) patch[k] = v;
  for (const k of previouslyManaged)
    if (!(k in desired) && actual?.[k] !== undefined) patch[k] = null;
  return patch;
}

/**
 * The merge patch that brings a tenant namespace's metadata in line with the Tenant:
 * `additionalMetadata` labels and annotations, `tenantry.io/cordoned=true` while the Tenant is
 * cordoned, and removal of keys the controller set earlier that are no longer asked for.
 *
 * @returns undefined when the namespace already matches (no request needed)
 */
export function namespaceMetadataPatch(
  tenant: CachedTenant,
  ns: Cached,
): MetadataPatch | undefined {
  const extra = tenant.spec.namespaceOptions?.additionalMetadata;
  const labels: Record<string, string> = { ...extra?.labels };
  if (tenant.spec.cordoned === true) labels[LABEL_CORDONED] = 'true';
  const annotations: Record<string, string> = { ...extra?.annotations };
  const actual = ns.metadata ?? {};
  const previous = parseManaged(actual.annotations?.[ANNOTATION_MANAGED_METADATA]);
  // The cordon label is always ours: admission keys on it, so a stale one must never linger.
  const labelPatch = diffMap(labels, actual.labels, [...previous.labels, LABEL_CORDONED]);
  const annotationPatch = diffMap(annotations, actual.annotations, previous.annotations);
  const managed: ManagedKeys = {
    labels: Object.keys(labels).sort(),
    annotations: Object.keys(annotations).sort(),
  };
  const record =
    managed.labels.length + managed.annotations.length > 0 ? JSON.stringify(managed) : undefined;
  const stored = actual.annotations?.[ANNOTATION_MANAGED_METADATA];
  if (record !== stored) annotationPatch[ANNOTATION_MANAGED_METADATA] = record ?? null;
  if (Object.keys(labelPatch).length + Object.keys(annotationPatch).length === 0) return undefined;
  return { labels: labelPatch, annotations: annotationPatch };
}
