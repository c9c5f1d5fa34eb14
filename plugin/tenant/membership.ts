// The namespace ownership rule, as the plugin shows it. The authority is
// controller/tenant/membership.ts (plugin/ may not import controller/); a unit test checks that
// both agree on every case.
import { LABEL_TENANT, TENANT_API_VERSION, TENANT_KIND } from '../../crds/constants.js';
import type { Namespace, OwnerReference } from './api.js';

/** How a namespace relates to a tenant. */
export type Ownership =
  /** Label and exactly one Tenant ownerReference with the tenant's current UID. */
  | 'owned'
  /** Labelled for the tenant, but the ownerReference is missing or does not match. */
  | 'label-only'
  /** Not labelled for this tenant. */
  | 'other';

const GROUP_OF_TENANT = TENANT_API_VERSION.split('/')[0];

/** The namespace's ownerReferences to Tenants (any version of the group). */
export function tenantReferences(ns: Namespace): OwnerReference[] {
  return (ns.metadata.ownerReferences ?? []).filter(
    (r) => r.kind === TENANT_KIND && (r.apiVersion ?? '').split('/')[0] === GROUP_OF_TENANT,
  );
}

/** Whether `ns` belongs to the tenant `name` with UID `uid` (see docs/architecture.md). */
export function ownershipOf(ns: Namespace, name: string, uid: string | undefined): Ownership {
  if (ns.metadata.labels?.[LABEL_TENANT] !== name) return 'other';
  const refs = tenantReferences(ns);
  const ref = refs[0];
  if (
    refs.length === 1 &&
    ref !== undefined &&
    uid !== undefined &&
    ref.name === name &&
    ref.uid === uid
  ) {
    return 'owned';
  }
  return 'label-only';
}

/** The ownerReference a tenant namespace carries: not a controller reference. */
export function tenantOwnerReference(name: string, uid: string): OwnerReference {
  return { apiVersion: TENANT_API_VERSION, kind: TENANT_KIND, name, uid };
}
