/**
 * Fixture builders for Tenants and the objects around them, with modifiers:
 * `tenant('acme', withOwner('User', 'alice'), withQuota('compute', { 'requests.cpu': '4' }))`.
 * Each builder returns a fresh plain object, so tests can change it freely.
 */
import type {
  AdditionalRoleBinding,
  LimitRangeItem,
  SubjectKind,
  Tenant,
  TenantOwner,
  TenantResourceQuota,
} from '../../crds/index.js';
import { tenantOwnerReference } from '../../controller/tenant/membership.js';
import type { KubeObject } from '../../controller/runtime/objects.js';

/** Changes a Tenant in place. */
export type TenantModifier = (t: Tenant) => void;

/**
 * A Tenant named `name` with a uid and generation (as the apiserver would return it). Without a
 * `withOwner` modifier it is owned by User `alice`.
 */
export function tenant(name: string, ...mods: TenantModifier[]): Tenant & KubeObject {
  const t: Tenant = {
    apiVersion: 'tenantry.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name, uid: `uid-${name}`, generation: 1, resourceVersion: '1' },
    spec: { owners: [] },
  };
  for (const m of mods) m(t);
  if (t.spec.owners.length === 0) t.spec.owners.push({ kind: 'User', name: 'alice' });
  return t as Tenant & KubeObject;
}

/** Adds an owner (ServiceAccount names are `namespace/name`). */
export function withOwner(
  kind: SubjectKind,
  name: string,
  clusterRoles?: string[],
): TenantModifier {
  return (t) => {
    const owner: TenantOwner =
      kind === 'ServiceAccount'
        ? { kind, name: name.split('/')[1] ?? name, namespace: name.split('/')[0] ?? '' }
        : { kind, name };
    if (clusterRoles !== undefined) owner.clusterRoles = clusterRoles;
    t.spec.owners.push(owner);
  };
}

/** Adds a ResourceQuota item (scope Namespace unless given). */
export function withQuota(
  name: string,
  hard: Record<string, string | number>,
  scope: 'Namespace' | 'Tenant' = 'Namespace',
  extra: Partial<TenantResourceQuota> = {},
): TenantModifier {
  return (t) => {
    (t.spec.resourceQuotas ??= []).push({ name, scope, hard, ...extra });
  };
}

/** Adds a LimitRange item. */
export function withLimitRange(name: string, limits: LimitRangeItem[]): TenantModifier {
  return (t) => {
    (t.spec.limitRanges ??= []).push({ name, limits });
  };
}

/** Adds a NetworkPolicy item. */
export function withNetworkPolicy(name: string, spec: Record<string, unknown>): TenantModifier {
  return (t) => {
    (t.spec.networkPolicies ??= []).push({ name, spec });
  };
}

/** Adds an additional RoleBinding item. */
export function withRoleBinding(
  name: string,
  clusterRoleName: string,
  subjects: AdditionalRoleBinding['subjects'],
): TenantModifier {
  return (t) => {
    (t.spec.additionalRoleBindings ??= []).push({ name, clusterRoleName, subjects });
  };
}

/** Sets `namespaceOptions.additionalMetadata`. */
export function withMetadata(
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): TenantModifier {
  return (t) => {
    t.spec.namespaceOptions = {
      ...t.spec.namespaceOptions,
      additionalMetadata: { labels, annotations },
    };
  };
}

/** Sets `spec.cordoned`. */
export function cordoned(value = true): TenantModifier {
  return (t) => {
    t.spec.cordoned = value;
  };
}

/** Sets `spec.deletionPolicy`. */
export function withDeletionPolicy(policy: 'Retain' | 'Delete'): TenantModifier {
  return (t) => {
    t.spec.deletionPolicy = policy;
  };
}

/** Sets `metadata.generation`. */
export function atGeneration(generation: number): TenantModifier {
  return (t) => {
    t.metadata.generation = generation;
  };
}

/** A NetworkPolicy spec admitting ingress only from the Tenant's own namespaces. */
export function sameTenantOnly(tenantName: string): Record<string, unknown> {
  return {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [
      { from: [{ namespaceSelector: { matchLabels: { 'tenantry.io/tenant': tenantName } } }] },
    ],
  };
}

/** Changes a Namespace in place. */
export type NamespaceModifier = (
  ns: KubeObject & { metadata: NonNullable<KubeObject['metadata']> },
) => void;

/** A Namespace object (as a cache would hold it). */
export function namespace(name: string, ...mods: NamespaceModifier[]): KubeObject {
  const ns = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid: `uid-ns-${name}`,
      resourceVersion: '1',
      labels: {} as Record<string, string>,
    },
  };
  for (const m of mods) m(ns);
  return ns;
}

/** Makes the namespace a member of `t` (label + ownerReference with the Tenant's UID). */
export function inTenant(t: Tenant): NamespaceModifier {
  return (ns) => {
    const name = t.metadata.name ?? '';
    ns.metadata.labels = { ...ns.metadata.labels, 'tenantry.io/tenant': name };
    ns.metadata.ownerReferences = [
      ...(ns.metadata.ownerReferences ?? []),
      tenantOwnerReference({ metadata: { name, uid: t.metadata.uid ?? '' } }),
    ];
  };
}

/** Sets labels on the namespace. */
export function nsLabels(labels: Record<string, string>): NamespaceModifier {
  return (ns) => {
    ns.metadata.labels = { ...ns.metadata.labels, ...labels };
  };
}

/** Sets annotations on the namespace. */
export function nsAnnotations(annotations: Record<string, string>): NamespaceModifier {
  return (ns) => {
    ns.metadata.annotations = { ...ns.metadata.annotations, ...annotations };
  };
}
