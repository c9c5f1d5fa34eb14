/**
 * Names, labels and annotations of what the Tenant controller writes. Child names are a pure
 * function of (kind, item) so a controller that crashed mid-reconcile finds the same child again,
 * and readable enough that `kubectl get rolebindings` tells an admin where each object came from.
 */
import {
  GROUP,
  LABEL_MANAGED_BY,
  LABEL_PROPAGATED_FROM,
  LABEL_TENANT,
  MANAGED_BY_VALUE,
  type PropagatedFromValue,
  type TenantOwner,
} from '../../crds/index.js';
import { childName } from '../runtime/apply.js';

/**
 * Annotation on a tenant namespace listing the label and annotation keys the controller set from
 * `namespaceOptions.additionalMetadata` (and the cordon label), as JSON
 * `{"labels":[…],"annotations":[…]}`. Keys listed here but no longer desired are removed; keys the
 * controller never set are never touched.
 */
export const ANNOTATION_MANAGED_METADATA = `${GROUP}/managed-metadata`;

/** Annotation a detached namespace keeps: the Tenant it belonged to (deletionPolicy Retain). */
export const ANNOTATION_DETACHED_FROM = `${GROUP}/detached-from`;

/** The Tenant controller's ClusterRole letting owners get and delete one namespace (bound per namespace). */
export const CLUSTER_ROLE_NAMESPACE_OWNER = 'tenantry:namespace-owner';

/** Name of the RoleBinding, in each tenant namespace, of {@link CLUSTER_ROLE_NAMESPACE_OWNER} to the owners. */
export const ROLE_BINDING_NAMESPACE_OWNER = 'tenantry-namespace-owner';

/** The per-Tenant ClusterRole and ClusterRoleBinding: get own Tenant, create namespaces. */
export function tenantClusterRoleName(tenant: string): string {
  return `tenantry:tenant:${tenant}`;
}

/** Name of the ResourceQuota made from `spec.resourceQuotas[item]`. */
export function resourceQuotaName(item: string): string {
  return childName('tenantry-resourcequota', item);
}

/** Name of the LimitRange made from `spec.limitRanges[item]`. */
export function limitRangeName(item: string): string {
  return childName('tenantry-limitrange', item);
}

/** Name of the NetworkPolicy made from `spec.networkPolicies[item]`. */
export function networkPolicyName(item: string): string {
  return childName('tenantry-networkpolicy', item);
}

/** Name of the RoleBinding made from `spec.additionalRoleBindings[item]`. */
export function additionalRoleBindingName(item: string): string {
  return childName('tenantry-rolebinding', item);
}

/**
 * Name of the RoleBinding of one owner to one ClusterRole, e.g.
 * `tenantry-owner-user-alice-admin`; names with characters a DNS label cannot hold get a hash.
 */
export function ownerRoleBindingName(owner: TenantOwner, clusterRole: string): string {
  const parts =
    owner.kind === 'ServiceAccount'
      ? ['serviceaccount', owner.namespace ?? '', owner.name, clusterRole]
      : [owner.kind.toLowerCase(), owner.name, clusterRole];
  return childName('tenantry-owner', ...parts);
}

/** The labels every child of `tenant` carries. */
export function childLabels(tenant: string, from: PropagatedFromValue): Record<string, string> {
  return {
    [LABEL_TENANT]: tenant,
    [LABEL_PROPAGATED_FROM]: from,
    [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
  };
}

/** Label selector of everything the Tenant controller creates (children and cluster RBAC). */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
