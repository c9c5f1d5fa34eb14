import type { SealingCertificate } from '../../crypto/certificate.js';
import type { RandomSource } from '../../crypto/random.js';
import {
  encryptionLabel,
  TENANT_NAME_ANNOTATION,
  withScopeAnnotations,
  type SealingScope,
} from '../../crypto/scope.js';
import { sealValue } from '../../crypto/value.js';
import type { ObjectMeta } from '../shared/objects.js';
import type { InputSecret } from './secret.js';

/** apiVersion and kind of Bitnami's CRD, which tenantry serves unchanged. */
export const SEALED_SECRET_API_VERSION = 'bitnami.com/v1alpha1';
export const SEALED_SECRET_KIND = 'SealedSecret';

/** Where sealed values will be unsealed: the OAEP label's inputs. */
export interface SealTarget {
  readonly name: string;
  readonly namespace: string;
  readonly scope: SealingScope;
  /** Required for tenant-wide. */
  readonly tenant?: string;
}

/** The SealedSecret as kubeseal writes it (no status, no `creationTimestamp: null`). */
export interface SealedSecretObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: {
    template: {
      metadata: ObjectMeta;
      type?: string;
      immutable?: boolean;
      [field: string]: unknown;
    };
    encryptedData: Record<string, string>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

// Annotations that record how an object was applied, never meaningful in a template (#227).
const DROPPED_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'kubecfg.ksonnet.io/last-applied-configuration',
];

/**
 * Seals every item for `target`, keys sorted (Go marshals maps sorted, so output stays diffable).
 *
 * @param random - tests only
 */
export async function sealItems(
  items: ReadonlyMap<string, Uint8Array>,
  target: SealTarget,
  certificate: SealingCertificate,
  random?: RandomSource,
): Promise<Record<string, string>> {
  const label = encryptionLabel(target);
  const sealed: Record<string, string> = {};
  for (const key of [...items.keys()].sort()) {
    const plaintext = items.get(key) ?? Buffer.alloc(0);
    sealed[key] = await sealValue({ publicKey: certificate.publicKey, plaintext, label, random });
  }
  return sealed;
}

/**
 * The annotations that declare `target`'s scope on a SealedSecret: exactly one scope annotation
 * (none for strict), and for tenant-wide the tenant's name (informational, see
 * `TENANT_NAME_ANNOTATION`). Other annotations are kept.
 */
export function scopeAnnotations(
  existing: Readonly<Record<string, string>> | undefined,
  target: SealTarget,
): Record<string, string> {
  const annotations = withScopeAnnotations(existing, target.scope);
  if (target.scope === 'tenant-wide' && target.tenant !== undefined) {
    annotations[TENANT_NAME_ANNOTATION] = target.tenant;
  }
  return annotations;
}

/**
 * `spec.template.metadata`: the input's metadata with name and namespace set to the target's and
 * the server-managed fields kubeseal strips removed (uid, resourceVersion, generation,
 * creationTimestamp, deletion fields, selfLink, ownerReferences, last-applied annotations) plus
 * managedFields, which kubeseal forgets. Fields are in Go's ObjectMeta order.
 */
export function templateMetadata(input: ObjectMeta, target: SealTarget): ObjectMeta {
  const annotations: Record<string, string> = { ...input.annotations };
  for (const key of DROPPED_ANNOTATIONS) delete annotations[key];
  const meta: ObjectMeta = { name: target.name };
  if (input.generateName !== undefined) meta.generateName = input.generateName;
  meta.namespace = target.namespace;
  if (input.labels !== undefined && Object.keys(input.labels).length > 0)
    meta.labels = { ...input.labels };
  const scoped = scopeAnnotations(annotations, target);
  if (Object.keys(scoped).length > 0) meta.annotations = scoped;
  if (Array.isArray(input['finalizers']) && input['finalizers'].length > 0) {
    meta['finalizers'] = [...(input['finalizers'] as unknown[])];
  }
  return meta;
}

/**
 * Builds the SealedSecret for one input Secret. Scope annotations go on both the SealedSecret's
 * metadata (what the controller reads) and the template (what the Secret gets), as kubeseal does.
 */
export async function buildSealedSecret(
  secret: InputSecret,
  target: SealTarget,
  certificate: SealingCertificate,
  random?: RandomSource,
): Promise<SealedSecretObject> {
  const metadata: ObjectMeta = { name: target.name, namespace: target.namespace };
  const annotations = scopeAnnotations(undefined, target);
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  const template: SealedSecretObject['spec']['template'] = {
    metadata: templateMetadata(secret.metadata, target),
  };
  if (secret.type !== undefined && secret.type !== '') template.type = secret.type;
  if (secret.immutable !== undefined) template.immutable = secret.immutable;
  return {
    apiVersion: SEALED_SECRET_API_VERSION,
    kind: SEALED_SECRET_KIND,
    metadata,
    spec: { template, encryptedData: await sealItems(secret.items, target, certificate, random) },
  };
}
