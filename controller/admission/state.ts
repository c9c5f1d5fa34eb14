/**
 * What the admission handlers read: Tenants and Namespaces from the informer caches (every
 * replica has them), plus who is privileged. Handlers take an {@link AdmissionState} and never
 * call the API, which keeps them pure and fast (performance.md §5).
 */
import type { Tenant } from '../../crds/index.js';
import { LABEL_TENANT } from '../../crds/index.js';
import type { DeepReadonly, Informer, KubeObject } from '../runtime/index.js';
import { isMemberOf, membershipOf, type Membership } from '../tenant/membership.js';
import {
  ownerKey,
  requesterOwnerKeys,
  serviceAccountOf,
  type PrivilegedIdentities,
} from './identity.js';
import type { UserInfo } from './types.js';

/** A Tenant as the informer stores it. */
export type TenantResource = Tenant & KubeObject;
/** A cached Tenant. */
export type TenantObject = DeepReadonly<Tenant>;
/** A cached Namespace (or any namespace-shaped object from a request). */
export type NamespaceObject = DeepReadonly<KubeObject>;

/** The read-only world a handler sees. */
export interface AdmissionState {
  /** The controller's own namespace (never gated). */
  readonly controllerNamespace: string;
  readonly privileged: PrivilegedIdentities;
  /** The Tenant named `name`. */
  tenant(name: string): TenantObject | undefined;
  /** The Tenants `user` owns (by user, group or ServiceAccount), sorted by name. */
  tenantsOwnedBy(user: UserInfo): TenantObject[];
  /** The Namespace named `name`. */
  namespace(name: string): NamespaceObject | undefined;
  /** Names of the namespaces that belong to `tenant` (label + ownerReference with current UID). */
  memberNamespaces(tenant: string): string[];
}

/** Whether `ns` belongs to a tenant, by the one membership implementation. */
export function membership(state: AdmissionState, ns: NamespaceObject | KubeObject): Membership {
  return membershipOf(ns, (name) => state.tenant(name));
}

/** The Tenant `namespace` belongs to, if it is a member of one. */
export function tenantOfNamespace(
  state: AdmissionState,
  namespace: string | undefined,
): TenantObject | undefined {
  if (namespace === undefined || namespace === '') return undefined;
  const ns = state.namespace(namespace);
  if (ns === undefined) return undefined;
  const m = membership(state, ns);
  return m.member ? state.tenant(m.tenant) : undefined;
}

/**
 * True for a tenant identity: an owner of some Tenant, or a ServiceAccount living in a tenant
 * namespace (§13: "any tenant identity, including a ServiceAccount in a tenant namespace").
 */
export function isTenantIdentity(state: AdmissionState, user: UserInfo): boolean {
  if (state.tenantsOwnedBy(user).length > 0) return true;
  const sa = serviceAccountOf(user.username);
  return sa !== undefined && tenantOfNamespace(state, sa.namespace) !== undefined;
}

function tenantOwnerKeys(t: TenantObject): string[] {
  return (t.spec?.owners ?? []).map((o) => ownerKey(o));
}

const byName = (a: TenantObject, b: TenantObject): number =>
  (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** Options for {@link memoryState}. */
export interface MemoryStateOptions {
  readonly tenants: readonly (Tenant | TenantObject)[];
  readonly namespaces: readonly (KubeObject | NamespaceObject)[];
  readonly controllerNamespace?: string;
  readonly privileged?: PrivilegedIdentities;
}

/** An in-memory state (unit tests, benchmarks): scans plain arrays. */
export function memoryState(opts: MemoryStateOptions): AdmissionState {
  const tenants = new Map(opts.tenants.map((t) => [t.metadata.name ?? '', t]));
  const namespaces = new Map(opts.namespaces.map((n) => [n.metadata?.name ?? '', n]));
  const state: AdmissionState = {
    controllerNamespace: opts.controllerNamespace ?? 'tenantry-system',
    privileged: opts.privileged ?? { users: ['tenantry-controller'], groups: ['system:masters'] },
    tenant: (name) => tenants.get(name),
    tenantsOwnedBy: (user) => {
      const keys = new Set(requesterOwnerKeys(user));
      return [...tenants.values()]
        .filter((t) => tenantOwnerKeys(t).some((k) => keys.has(k)))
        .sort(byName);
    },
    namespace: (name) => namespaces.get(name),
    memberNamespaces: (tenant) =>
      [...namespaces.values()]
        .filter((n) => isMemberOf(n, tenant, (name) => tenants.get(name)))
        .map((n) => n.metadata?.name ?? ''),
  };
  return state;
}

/** Index of Tenants by owner key (`User:alice`, `Group:g`, `ServiceAccount:ns/sa`). */
export const TENANT_OWNER_INDEX = 'tenantry-admission:owner';
/** Index of Namespaces by the value of their `tenantry.io/tenant` label. */
export const NAMESPACE_TENANT_INDEX = 'tenantry-admission:tenant-label';

/** Adds the indexes {@link cacheState} needs; call before the informers start. */
export function addAdmissionIndexes(
  tenants: Informer<TenantResource>,
  namespaces: Informer<KubeObject>,
): void {
  tenants.addIndex(TENANT_OWNER_INDEX, (t) => tenantOwnerKeys(t));
  namespaces.addIndex(NAMESPACE_TENANT_INDEX, (n) => {
    const label = n.metadata?.labels?.[LABEL_TENANT];
    return label === undefined || label === '' ? [] : [label];
  });
}

/** Options for {@link cacheState}. */
export interface CacheStateOptions {
  readonly tenants: Informer<TenantResource>;
  readonly namespaces: Informer<KubeObject>;
  readonly controllerNamespace: string;
  readonly privileged: () => PrivilegedIdentities;
}

/** The state backed by the shared informers (indexes from {@link addAdmissionIndexes}). */
export function cacheState(opts: CacheStateOptions): AdmissionState {
  const { tenants, namespaces } = opts;
  return {
    controllerNamespace: opts.controllerNamespace,
    get privileged(): PrivilegedIdentities {
      return opts.privileged();
    },
    tenant: (name) => tenants.get(name),
    tenantsOwnedBy: (user) => {
      const seen = new Map<string, TenantObject>();
      for (const key of requesterOwnerKeys(user)) {
        for (const t of tenants.byIndex(TENANT_OWNER_INDEX, key))
          seen.set(t.metadata.name ?? '', t);
      }
      return [...seen.values()].sort(byName);
    },
    namespace: (name) => namespaces.get(name),
    memberNamespaces: (tenant) =>
      namespaces
        .byIndex(NAMESPACE_TENANT_INDEX, tenant)
        .filter((n) => isMemberOf(n, tenant, (name) => tenants.get(name)))
        .map((n) => n.metadata?.name ?? ''),
  };
}
