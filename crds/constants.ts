/**
 * Every well-known string of tenantry's API: group and version, labels, annotations, finalizers
 * and field managers. Controllers, webhooks, plugins and tests import these; a literal
 * `'tenantry.io/…'` anywhere else is a bug waiting to drift.
 *
 * @module
 */

/** API group of tenantry's own kinds (`Tenant`). */
export const GROUP = 'tenantry.io';

/** The only version of tenantry's own kinds; served and stored. */
export const VERSION = 'v1alpha1';

/** `apiVersion` of a Tenant: `tenantry.io/v1alpha1`. */
export const TENANT_API_VERSION = `${GROUP}/${VERSION}` as const;

/** Kind of the cluster-scoped Tenant resource. */
export const TENANT_KIND = 'Tenant';

/** Plural resource name of Tenants (`kubectl get tenants`). */
export const TENANT_PLURAL = 'tenants';

/** API group of Bitnami's SealedSecret, kept for drop-in compatibility. */
export const SEALED_SECRET_GROUP = 'bitnami.com';

/** Version of the SealedSecret API (Bitnami's only version). */
export const SEALED_SECRET_VERSION = 'v1alpha1';

/** `apiVersion` of a SealedSecret: `bitnami.com/v1alpha1`. */
export const SEALED_SECRET_API_VERSION = `${SEALED_SECRET_GROUP}/${SEALED_SECRET_VERSION}` as const;

/** Kind of the namespaced SealedSecret resource. */
export const SEALED_SECRET_KIND = 'SealedSecret';

/** Plural resource name of SealedSecrets. */
export const SEALED_SECRET_PLURAL = 'sealedsecrets';

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

/**
 * Label naming the Tenant a namespace belongs to, also set on every child object the Tenant
 * controller propagates into a namespace (ResourceQuota, LimitRange, NetworkPolicy,
 * RoleBinding).
 *
 * The label alone grants nothing: a namespace belongs to Tenant `T` only if it carries this
 * label with value `T` **and** an ownerReference to `T` with `T`'s current UID (see
 * docs/architecture.md, "Ownership of a namespace").
 */
export const LABEL_TENANT = 'tenantry.io/tenant';

/** The standard `app.kubernetes.io/managed-by` label key, set on every object tenantry creates. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** Value of {@link LABEL_MANAGED_BY} on objects created by tenantry. */
export const MANAGED_BY_VALUE = 'tenantry';

/**
 * Label on a propagated child naming the Tenant spec list it was built from, one of
 * {@link PropagatedFrom}. Together with {@link LABEL_TENANT} it selects the children to prune
 * when an item disappears from the Tenant spec.
 */
export const LABEL_PROPAGATED_FROM = 'tenantry.io/propagated-from';

/** Values of {@link LABEL_PROPAGATED_FROM}, one per Tenant spec list that produces children. */
export const PropagatedFrom = {
  /** A ResourceQuota built from `spec.resourceQuotas[]`. */
  ResourceQuota: 'resourcequota',
  /** A LimitRange built from `spec.limitRanges[]`. */
  LimitRange: 'limitrange',
  /** A NetworkPolicy built from `spec.networkPolicies[]`. */
  NetworkPolicy: 'networkpolicy',
  /** A RoleBinding built from `spec.owners[]` or `spec.additionalRoleBindings[]`. */
  RoleBinding: 'rolebinding',
} as const;

/** One of the values of {@link PropagatedFrom}. */
export type PropagatedFromValue = (typeof PropagatedFrom)[keyof typeof PropagatedFrom];

/**
 * Label set to `"true"` on every namespace of a cordoned Tenant (`spec.cordoned: true`), so
 * that policies and humans can select frozen namespaces. It is informational: admission
 * decides from the Tenant, never from this label.
 */
export const LABEL_CORDONED = 'tenantry.io/cordoned';

/**
 * Label Bitnami uses to mark a Secret holding a sealing key pair. The value is `active` for
 * keys the controller loads; tenantry reads and writes the same label so existing key backups
 * keep working.
 */
export const LABEL_SEALED_SECRETS_KEY = 'sealedsecrets.bitnami.com/sealed-secrets-key';

/** Value of {@link LABEL_SEALED_SECRETS_KEY} on keys the controller should load. */
export const SEALED_SECRETS_KEY_ACTIVE = 'active';

// ---------------------------------------------------------------------------------------------
// Annotations
// ---------------------------------------------------------------------------------------------

/**
 * SealedSecret annotation (value `"true"`) selecting tenantry's tenant-wide scope: the OAEP
 * label is `tenant:<tenant name>` (see {@link tenantOaepLabel}), so the SealedSecret unseals
 * in any namespace owned by the same Tenant and nowhere else. Precedence when several scope
 * annotations are set: cluster-wide > tenant-wide > namespace-wide > strict.
 */
export const ANNOTATION_TENANT_WIDE = 'tenantry.io/tenant-wide';

/**
 * SealedSecret annotation recording which Tenant a tenant-wide SealedSecret was sealed for
 * (written by `kubectl seal`). Informational only: the controller takes the Tenant from the
 * verified ownership of the SealedSecret's namespace, never from this annotation. Same key as
 * {@link LABEL_TENANT}, used here as an annotation.
 */
export const ANNOTATION_TENANT = 'tenantry.io/tenant';

/** Bitnami scope annotation (value `"true"`): OAEP label empty, unseals anywhere. */
export const ANNOTATION_CLUSTER_WIDE = 'sealedsecrets.bitnami.com/cluster-wide';

/** Bitnami scope annotation (value `"true"`): OAEP label is the namespace name. */
export const ANNOTATION_NAMESPACE_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';

/**
 * Bitnami annotation (value `"true"`) on an existing Secret: the SealedSecret controller may
 * take it over and overwrite it even though it does not own it.
 */
export const ANNOTATION_MANAGED = 'sealedsecrets.bitnami.com/managed';

/**
 * Bitnami annotation (value `"true"`) on an existing Secret: merge the unsealed data, labels
 * and annotations into it instead of replacing it.
 */
export const ANNOTATION_PATCH = 'sealedsecrets.bitnami.com/patch';

/**
 * Bitnami annotation (value `"true"`) in `spec.template.metadata.annotations`: do not set an
 * ownerReference on the unsealed Secret, so it survives the SealedSecret's deletion.
 */
export const ANNOTATION_SKIP_SET_OWNER_REFERENCES =
  'sealedsecrets.bitnami.com/skip-set-owner-references';

// ---------------------------------------------------------------------------------------------
// Finalizers and field managers
// ---------------------------------------------------------------------------------------------

/**
 * Finalizer the Tenant controller puts on every Tenant before doing any other work; removed
 * once `spec.deletionPolicy` has been carried out (namespaces detached or deleted).
 */
export const FINALIZER = 'tenantry.io/finalizer';

/** Server-side apply field manager of the Tenant controller. */
export const FIELD_MANAGER_TENANT = 'tenantry-tenant-controller';

/** Server-side apply field manager of the SealedSecret controller. */
export const FIELD_MANAGER_SEALED_SECRET = 'tenantry-sealedsecret-controller';

/** Field manager of writes made by tenantry's admission webhooks and their setup. */
export const FIELD_MANAGER_ADMISSION = 'tenantry-admission';

// ---------------------------------------------------------------------------------------------
// Derived strings
// ---------------------------------------------------------------------------------------------

/** Prefix of the OAEP label of a tenant-wide SealedSecret. */
export const TENANT_OAEP_LABEL_PREFIX = 'tenant:';

/**
 * The OAEP label of a tenant-wide SealedSecret sealed for Tenant `tenant`.
 *
 * The Tenant name is a DNS-1123 label, so it never contains `/` and can never collide with a
 * strict (`<namespace>/<name>`) label, nor with a namespace-wide label (a namespace name never
 * contains `:`).
 *
 * @example tenantOaepLabel('acme') === 'tenant:acme'
 */
export function tenantOaepLabel(tenant: string): string {
  return `${TENANT_OAEP_LABEL_PREFIX}${tenant}`;
}
