// The scope of a sealed value is its RSA-OAEP label: OAEP hashes the label into the padding, so
// a blob only opens with the exact label it was sealed with. Moving a blob to another name,
// namespace or tenant therefore breaks decryption by design; nothing else in the blob says where
// it may be used. The annotation names are plain strings shared with the controller (they are
// Kubernetes vocabulary, but no Kubernetes code is imported here).
import { CryptoError } from './errors.js';

/** The sealing scopes, narrowest first. */
export const SCOPES = ['strict', 'namespace-wide', 'tenant-wide', 'cluster-wide'] as const;

/** Where a sealed value may be unsealed. */
export type SealingScope = (typeof SCOPES)[number];

/** Bitnami's annotation for namespace-wide scope (value exactly `"true"`). */
export const NAMESPACE_WIDE_ANNOTATION = 'sealedsecrets.bitnami.com/namespace-wide';
/** Bitnami's annotation for cluster-wide scope (value exactly `"true"`). */
export const CLUSTER_WIDE_ANNOTATION = 'sealedsecrets.bitnami.com/cluster-wide';
/** tenantry's annotation for tenant-wide scope (value exactly `"true"`). */
export const TENANT_WIDE_ANNOTATION = 'tenantry.io/tenant-wide';
/**
 * Records which tenant a tenant-wide SealedSecret was sealed for. Informational for tools
 * (`kubectl seal --merge-into`, `--recovery-unseal`); the controller must take the tenant from the
 * namespace's verified ownership, never from this annotation.
 */
export const TENANT_NAME_ANNOTATION = 'tenantry.io/tenant';

/** Prefix of tenant-wide labels. `:` cannot occur in namespace or object names, so a tenant
 * label can never equal a strict (`ns/name`), namespace-wide (`ns`) or cluster-wide (``) one. */
export const TENANT_LABEL_PREFIX = 'tenant:';

const SCOPE_ANNOTATIONS: Readonly<Record<SealingScope, string | undefined>> = {
  strict: undefined,
  'namespace-wide': NAMESPACE_WIDE_ANNOTATION,
  'tenant-wide': TENANT_WIDE_ANNOTATION,
  'cluster-wide': CLUSTER_WIDE_ANNOTATION,
};

// Kubernetes object names (DNS-1123 subdomain); a tenant is a cluster-scoped object.
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** What a label is computed from; fields a scope does not use are ignored. */
export interface LabelTarget {
  readonly scope: SealingScope;
  /** Required by `strict` and `namespace-wide`. */
  readonly namespace?: string;
  /** Required by `strict`. */
  readonly name?: string;
  /** Required by `tenant-wide`. */
  readonly tenant?: string;
}

/**
 * The OAEP label (UTF-8) for a scope:
 * `strict` → `<namespace>/<name>`, `namespace-wide` → `<namespace>`, `cluster-wide` → empty,
 * `tenant-wide` → `tenant:<tenant>`.
 *
 * The separator is `/` as in Bitnami's code (`EncryptionLabel`), not the `||` its docs mention.
 *
 * @throws {@link CryptoError} `INVALID_LABEL` when a field the scope needs is missing or invalid.
 */
export function encryptionLabel(target: LabelTarget): Buffer {
  switch (target.scope) {
    case 'strict':
      return Buffer.from(`${required(target, 'namespace')}/${required(target, 'name')}`, 'utf8');
    case 'namespace-wide':
      return Buffer.from(required(target, 'namespace'), 'utf8');
    case 'tenant-wide':
      return Buffer.from(TENANT_LABEL_PREFIX + validTenant(required(target, 'tenant')), 'utf8');
    case 'cluster-wide':
      return Buffer.alloc(0);
  }
}

function required(target: LabelTarget, field: 'namespace' | 'name' | 'tenant'): string {
  const value = target[field];
  if (value === undefined || value === '') {
    throw new CryptoError('INVALID_LABEL', `${target.scope} scope needs a ${field}`);
  }
  return value;
}

function validTenant(tenant: string): string {
  if (tenant.length > 253 || !OBJECT_NAME.test(tenant)) {
    throw new CryptoError('INVALID_LABEL', `invalid tenant name ${JSON.stringify(tenant)}`);
  }
  return tenant;
}

/**
 * The scope an object's annotations select. Only the value `"true"` counts, as upstream.
 * Precedence when several are set: cluster-wide > tenant-wide > namespace-wide > strict (the
 * widest wins, matching Bitnami's "cluster-wide wins over namespace-wide").
 */
export function scopeFromAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
): SealingScope {
  const isSet = (key: string): boolean => annotations?.[key] === 'true';
  if (isSet(CLUSTER_WIDE_ANNOTATION)) return 'cluster-wide';
  if (isSet(TENANT_WIDE_ANNOTATION)) return 'tenant-wide';
  if (isSet(NAMESPACE_WIDE_ANNOTATION)) return 'namespace-wide';
  return 'strict';
}

/**
 * Returns a copy of `annotations` that selects exactly `scope`: every scope annotation is removed,
 * then the one for `scope` (none for strict) is set to `"true"`.
 */
export function withScopeAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  scope: SealingScope,
): Record<string, string> {
  const result: Record<string, string> = {};
  const scopeKeys = new Set(Object.values(SCOPE_ANNOTATIONS));
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (!scopeKeys.has(key)) result[key] = value;
  }
  const key = SCOPE_ANNOTATIONS[scope];
  if (key !== undefined) result[key] = 'true';
  return result;
}

/** Parses a scope name as given on a command line; `undefined` when it is not one. */
export function parseScope(text: string): SealingScope | undefined {
  return (SCOPES as readonly string[]).includes(text) ? (text as SealingScope) : undefined;
}
