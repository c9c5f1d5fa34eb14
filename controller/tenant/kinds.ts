/**
 * The Kubernetes kinds the Tenant controller reads and writes, with their API paths. Paths are
 * static (these are core, stable APIs), so no discovery round-trip precedes a write.
 */
import { TENANT_API_VERSION, TENANT_KIND, TENANT_PLURAL } from '../../crds/index.js';

/** One kind: how to address it. */
export interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

function kind(apiVersion: string, k: string, plural: string, namespaced: boolean): KindInfo {
  return { apiVersion, kind: k, plural, namespaced };
}

/** The kinds, by Kind name. */
export const KINDS = {
  Tenant: kind(TENANT_API_VERSION, TENANT_KIND, TENANT_PLURAL, false),
  Namespace: kind('v1', 'Namespace', 'namespaces', false),
  ResourceQuota: kind('v1', 'ResourceQuota', 'resourcequotas', true),
  LimitRange: kind('v1', 'LimitRange', 'limitranges', true),
  NetworkPolicy: kind('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', true),
  RoleBinding: kind('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true),
  ClusterRole: kind('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false),
  ClusterRoleBinding: kind(
    'rbac.authorization.k8s.io/v1',
    'ClusterRoleBinding',
    'clusterrolebindings',
    false,
  ),
} as const;

/** Kinds propagated into every tenant namespace. */
export type NamespacedChildKind = 'ResourceQuota' | 'LimitRange' | 'NetworkPolicy' | 'RoleBinding';

/** Cluster-scoped kinds the controller writes for owners. */
export type ClusterChildKind = 'ClusterRole' | 'ClusterRoleBinding';

/** Every kind the controller creates. */
export type ChildKind = NamespacedChildKind | ClusterChildKind;

/** The namespaced child kinds, in write order. */
export const NAMESPACED_CHILD_KINDS: readonly NamespacedChildKind[] = [
  'ResourceQuota',
  'LimitRange',
  'NetworkPolicy',
  'RoleBinding',
];

/** The cluster-scoped child kinds. */
export const CLUSTER_CHILD_KINDS: readonly ClusterChildKind[] = [
  'ClusterRole',
  'ClusterRoleBinding',
];

function apiPrefix(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/**
 * The collection path of `info` (in `namespace` if namespaced, or across all namespaces when
 * `namespace` is omitted).
 */
export function collectionPath(info: KindInfo, namespace?: string): string {
  const ns = info.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : '';
  return `${apiPrefix(info.apiVersion)}${ns}/${info.plural}`;
}

/** The path of one object. */
export function objectPath(info: KindInfo, name: string, namespace?: string): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}
