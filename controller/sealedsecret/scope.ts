/**
 * Where a SealedSecret may be unsealed: its scope and OAEP label, taken **only from the
 * SealedSecret's own metadata** (never `spec.template.metadata`: CVE-2026-22728 re-sealed with a
 * scope read from the template). For the tenant-wide scope the tenant comes from the verified
 * ownership of the namespace (`membership.ts`), never from an annotation.
 */
import { encryptionLabel, scopeFromAnnotations, type SealingScope } from '../../crypto/scope.js';
import { ANNOTATION_TENANT } from '../../crds/index.js';
import type { DeepReadonly, ObjectMeta } from '../runtime/index.js';
import { membershipOf, type MembershipSubject, type TenantIdentity } from '../tenant/membership.js';

/** Read access to what the tenant-wide scope needs (informer caches). */
export interface ScopeLookups {
  /** A Namespace by name. */
  namespace(name: string): MembershipSubject | undefined;
  /** A Tenant by name; undefined when the Tenant API is not installed ({@link tenantsServed}). */
  tenant(name: string): TenantIdentity | undefined;
  /** False when the cluster has no `tenantry.io/v1alpha1` Tenant API. */
  readonly tenantsServed: boolean;
}

/** A resolved scope, or why the SealedSecret cannot be unsealed where it is. */
export type ResolvedScope =
  | {
      readonly ok: true;
      readonly scope: SealingScope;
      readonly label: Buffer;
      /** For messages, e.g. `strict scope of myns/db`. */
      readonly description: string;
      /** The namespace's tenant (tenant-wide only). */
      readonly tenant?: string;
    }
  | { readonly ok: false; readonly message: string };

/**
 * The scope and OAEP label of a SealedSecret from its own metadata.
 *
 * A tenant-wide SealedSecret resolves only in a namespace that belongs to a Tenant (label and
 * ownerReference with the Tenant's current UID); otherwise the result says why.
 */
export function resolveScope(
  meta: DeepReadonly<ObjectMeta> | undefined,
  lookups: ScopeLookups,
): ResolvedScope {
  const namespace = meta?.namespace ?? '';
  const name = meta?.name ?? '';
  const scope = scopeFromAnnotations(meta?.annotations);
  switch (scope) {
    case 'strict':
      return ok(scope, { namespace, name }, `strict scope of ${namespace}/${name}`);
    case 'namespace-wide':
      return ok(scope, { namespace }, `namespace-wide scope of namespace ${namespace}`);
    case 'cluster-wide':
      return ok(scope, {}, 'cluster-wide scope');
    case 'tenant-wide':
      return tenantScope(namespace, meta?.annotations?.[ANNOTATION_TENANT], lookups);
  }
}

function ok(
  scope: SealingScope,
  target: { namespace?: string; name?: string; tenant?: string },
  description: string,
): ResolvedScope {
  try {
    const label = encryptionLabel({ scope, ...target });
    return {
      ok: true,
      scope,
      label,
      description,
      ...(target.tenant ? { tenant: target.tenant } : {}),
    };
  } catch (err) {
    return { ok: false, message: `cannot compute the ${scope} label: ${(err as Error).message}` };
  }
}

function tenantScope(
  namespace: string,
  claimed: string | undefined,
  lookups: ScopeLookups,
): ResolvedScope {
  const prefix = `tenant-wide SealedSecret cannot be unsealed in namespace ${namespace}`;
  if (!lookups.tenantsServed) {
    return {
      ok: false,
      message: `${prefix}: the Tenant API (tenantry.io/v1alpha1) is not installed`,
    };
  }
  const ns = lookups.namespace(namespace);
  if (ns === undefined) return { ok: false, message: `${prefix}: the namespace is not known yet` };
  const m = membershipOf(ns, (t) => lookups.tenant(t));
  if (!m.member) return { ok: false, message: `${prefix}: ${m.reason}` };
  // The annotation is informational; it only makes a failure message clearer.
  const note =
    claimed !== undefined && claimed !== m.tenant
      ? ` (its ${ANNOTATION_TENANT} annotation says it was sealed for tenant ${claimed})`
      : '';
  return ok(
    'tenant-wide',
    { tenant: m.tenant },
    `tenant-wide scope of tenant ${m.tenant}, which owns namespace ${namespace}${note}`,
  );
}
