/**
 * Who is asking: privileged identities (administrators and the controller itself), Kubernetes
 * system components, and tenant owners (by user, group or ServiceAccount). The same rules are
 * written in CEL for the webhooks' matchConditions and the ValidatingAdmissionPolicies
 * (manifests.ts), so a request excluded there is also treated as excluded here.
 */
import type { TenantOwner } from '../../crds/index.js';
import type { UserInfo } from './types.js';

/** Namespaces no tenantry webhook ever gates (the controller namespace is added at runtime). */
export const SYSTEM_NAMESPACES: readonly string[] = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
];

/** The garbage collector of kube-controller-manager running with per-controller credentials. */
export const GC_USER = 'system:serviceaccount:kube-system:generic-garbage-collector';

/** kube-controller-manager without per-controller credentials. */
export const KCM_USER = 'system:kube-controller-manager';

/** The namespace controller, which empties and finalizes deleted namespaces. */
export const NAMESPACE_CONTROLLER_USER = 'system:serviceaccount:kube-system:namespace-controller';

/** Prefix of every kube-system ServiceAccount (the KCM controllers run as these). */
export const KUBE_SYSTEM_SA_PREFIX = 'system:serviceaccount:kube-system:';

const SA_PREFIX = 'system:serviceaccount:';

/** Identities admission never constrains. */
export interface PrivilegedIdentities {
  /** Exact usernames: the controller's own identities and `--admin-users`. */
  readonly users: readonly string[];
  /** Groups: `system:masters` and `--admin-groups`. */
  readonly groups: readonly string[];
}

/** True for administrators and the controller's own identities. */
export function isPrivileged(user: UserInfo, privileged: PrivilegedIdentities): boolean {
  const name = user.username ?? '';
  if (privileged.users.includes(name)) return true;
  return (user.groups ?? []).some((g) => privileged.groups.includes(g));
}

/**
 * True for Kubernetes' own components: kube-controller-manager (either credential mode),
 * kube-scheduler, kubelets, and every kube-system ServiceAccount. Tenants cannot become these
 * (they cannot mint tokens for kube-system ServiceAccounts), and the webhooks must never stand
 * between them and the cluster (namespace finalization, garbage collection, pod creation).
 */
export function isSystemComponent(user: UserInfo): boolean {
  const name = user.username ?? '';
  return (
    name.startsWith(KUBE_SYSTEM_SA_PREFIX) ||
    name === KCM_USER ||
    name === 'system:kube-scheduler' ||
    name.startsWith('system:node:')
  );
}

/** The ServiceAccount behind a username `system:serviceaccount:<ns>:<name>`, if it is one. */
export function serviceAccountOf(
  username: string | undefined,
): { namespace: string; name: string } | undefined {
  if (username === undefined || !username.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name, ...rest] = username.slice(SA_PREFIX.length).split(':');
  if (namespace === undefined || name === undefined || rest.length > 0) return undefined;
  if (namespace === '' || name === '') return undefined;
  return { namespace, name };
}

/**
 * Index keys under which a requester may appear in `spec.owners`: `User:<name>`, one
 * `Group:<group>` per group, and for a ServiceAccount `ServiceAccount:<ns>/<name>`.
 */
export function requesterOwnerKeys(user: UserInfo): string[] {
  const keys: string[] = [];
  if (user.username !== undefined && user.username !== '') keys.push(`User:${user.username}`);
  for (const g of user.groups ?? []) keys.push(`Group:${g}`);
  const sa = serviceAccountOf(user.username);
  if (sa !== undefined) keys.push(`ServiceAccount:${sa.namespace}/${sa.name}`);
  return keys;
}

/** The index key of one owner of a Tenant (see {@link requesterOwnerKeys}). */
export function ownerKey(owner: Pick<TenantOwner, 'kind' | 'name' | 'namespace'>): string {
  return owner.kind === 'ServiceAccount'
    ? `ServiceAccount:${owner.namespace ?? ''}/${owner.name}`
    : `${owner.kind}:${owner.name}`;
}

/** True if `user` is one of `owners` (by user, group or ServiceAccount). */
export function isOwnerOf(
  user: UserInfo,
  owners: readonly Pick<TenantOwner, 'kind' | 'name' | 'namespace'>[] | undefined,
): boolean {
  const keys = new Set(requesterOwnerKeys(user));
  return (owners ?? []).some((o) => keys.has(ownerKey(o)));
}
