/**
 * The core invariant of tenancy, implemented once: a namespace belongs to Tenant `T` if and
 * only if it carries the label `tenantry.io/tenant=T` **and** an ownerReference to the Tenant
 * `T` with that Tenant's current UID. The label alone counts for nothing (a GitOps tool or an
 * attacker can write labels); a forged ownerReference with the right name but a stale or wrong
 * UID counts for nothing either.
 *
 * The Tenant reconciler, the SealedSecret controller's tenant-wide scope and the admission
 * webhooks all call these functions, so they can never disagree about who owns a namespace.
 */
import { LABEL_TENANT, TENANT_API_VERSION, TENANT_KIND } from '../../crds/index.js';

/** The parts of a namespace (or any object) membership looks at. */
export interface MembershipSubject {
  readonly metadata?: {
    readonly name?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly {
      readonly apiVersion?: string;
      readonly kind?: string;
      readonly name?: string;
      readonly uid?: string;
    }[];
  };
}

/** The parts of a Tenant membership looks at. */
export interface TenantIdentity {
  readonly metadata?: { readonly name?: string; readonly uid?: string };
}

/** Why a namespace is or is not a member of a tenant (for conditions and denial messages). */
export type Membership =
  | { readonly member: true; readonly tenant: string }
  | { readonly member: false; readonly reason: string };

function tenantRefs(ns: MembershipSubject): readonly { name?: string; uid?: string }[] {
  return (ns.metadata?.ownerReferences ?? []).filter(
    (r) =>
      r.kind === TENANT_KIND &&
      (r.apiVersion ?? '').split('/')[0] === TENANT_API_VERSION.split('/')[0],
  );
}

/** Why the namespace's Tenant ownerReferences do not match the claimed tenant, if they don't. */
function referenceProblem(
  name: string,
  claimed: string,
  uid: string,
  refs: readonly { name?: string; uid?: string }[],
): string | undefined {
  if (refs.length === 0)
    return `namespace ${name} is labelled for tenant ${claimed} but has no ownerReference to it`;
  if (refs.length > 1)
    return `namespace ${name} has ${refs.length} Tenant ownerReferences; exactly one is allowed`;
  const ref = refs[0] ?? {};
  if (ref.name === claimed && ref.uid === uid) return undefined;
  return `namespace ${name} has an ownerReference to tenant ${ref.name ?? '?'} (uid ${ref.uid ?? '?'}) that does not match tenant ${claimed} (uid ${uid})`;
}

/**
 * The tenant a namespace claims by label, verified against the Tenant objects known to the
 * caller (`tenantsByName`, e.g. an informer cache). Returns why not when the claim fails.
 */
export function membershipOf(
  ns: MembershipSubject,
  lookupTenant: (name: string) => TenantIdentity | undefined,
): Membership {
  const name = ns.metadata?.name ?? '(unnamed)';
  const claimed = ns.metadata?.labels?.[LABEL_TENANT];
  if (claimed === undefined || claimed === '') {
    return { member: false, reason: `namespace ${name} has no ${LABEL_TENANT} label` };
  }
  const tenant = lookupTenant(claimed);
  if (tenant?.metadata?.uid === undefined) {
    return {
      member: false,
      reason: `namespace ${name} is labelled for tenant ${claimed}, which does not exist`,
    };
  }
  const problem = referenceProblem(name, claimed, tenant.metadata.uid, tenantRefs(ns));
  if (problem !== undefined) return { member: false, reason: problem };
  return { member: true, tenant: claimed };
}

/** True when `ns` belongs to the tenant named `tenant` (see {@link membershipOf}). */
export function isMemberOf(
  ns: MembershipSubject,
  tenant: string,
  lookupTenant: (name: string) => TenantIdentity | undefined,
): boolean {
  const m = membershipOf(ns, lookupTenant);
  return m.member && m.tenant === tenant;
}

/** The ownerReference a tenant namespace carries (not a controller reference: see docs/design). */
export function tenantOwnerReference(tenant: { metadata: { name: string; uid: string } }): {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
} {
  return {
    apiVersion: TENANT_API_VERSION,
    kind: TENANT_KIND,
    name: tenant.metadata.name,
    uid: tenant.metadata.uid,
  };
}
