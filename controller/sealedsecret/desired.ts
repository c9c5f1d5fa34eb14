/**
 * Pure functions from a SealedSecret (plus, for the data, its decrypted items) to the Secret it
 * should produce, and the checks that decide whether an existing Secret already is that Secret —
 * without decrypting anything.
 *
 * The skip-unchanged proof: the produced Secret carries
 * - `sealed-input-hash`: sha256 over the SealedSecret's UID, scope label, `encryptedData`,
 *   `template` and legacy `data` — everything its content is computed from;
 * - `sealed-content-mac`: HMAC-SHA256 over that hash and a digest of every produced data item,
 *   keyed by a secret derived from the private key that opened the items.
 * If the input hash equals the SealedSecret's current one and the MAC verifies against the
 * Secret's current data, the data is exactly what an unseal would produce: no RSA operation and
 * no write is needed. Editing the data breaks the MAC, and only a holder of the private key can
 * compute a new one.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  ANNOTATION_PATCH,
  ANNOTATION_MANAGED,
  ANNOTATION_SKIP_SET_OWNER_REFERENCES,
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  type SealedSecret,
} from '../../crds/index.js';
import {
  isSubset,
  type DeepReadonly,
  type KubeObject,
  type OwnerReference,
} from '../runtime/index.js';
import {
  ANNOTATION_CONTENT_MAC,
  ANNOTATION_INPUT_HASH,
  ANNOTATION_KEY_FINGERPRINT,
  LABEL_UNSEALED,
  LABEL_UNSEALED_VALUE,
} from './constants.js';
import { renderTemplate } from './template.js';

/** A Secret in wire form. */
export interface SecretObject extends KubeObject {
  type?: string;
  immutable?: boolean;
  /** base64 values. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/**
 * A Secret as the controller caches it: metadata, type, immutability and a digest per data
 * item — never the data (performance.md §4: caching Secrets with data is how controllers OOM).
 */
export interface CachedSecret extends KubeObject {
  type?: string;
  immutable?: boolean;
  /** item → base64url(sha256(base64 value)). */
  dataDigests?: Record<string, string>;
}

type RO<T> = DeepReadonly<T>;

/** A SealedSecret as the runtime handles it (the API type plus the generic object shape). */
export type SealedSecretObject = SealedSecret & KubeObject;

/** The `metadata` fields a Secret keeps in the cache (the rest is dropped). */
const CACHED_META = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
] as const;

/** Digest of one data value (base64 text as the API server sends it). */
export function itemDigest(base64Value: string): string {
  return createHash('sha256').update(base64Value).digest('base64url');
}

/** The informer transform: keeps metadata and per-item digests, drops the data. */
export function toCachedSecret(secret: SecretObject): CachedSecret {
  const meta: Record<string, unknown> = {};
  for (const f of CACHED_META) {
    const v = secret.metadata?.[f];
    if (v !== undefined) meta[f] = v;
  }
  const digests: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) digests[k] = itemDigest(v);
  return {
    apiVersion: secret.apiVersion ?? 'v1',
    kind: secret.kind ?? 'Secret',
    metadata: meta,
    ...(secret.type !== undefined ? { type: secret.type } : {}),
    ...(secret.immutable !== undefined ? { immutable: secret.immutable } : {}),
    dataDigests: digests,
  };
}

/** Canonical JSON: object keys sorted, so equal inputs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** `spec.encryptedData` as a plain map (Bitnami decodes a malformed one as empty). */
export function encryptedItems(ss: RO<SealedSecretObject>): Record<string, string> {
  const raw: unknown = ss.spec?.encryptedData;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** `spec.template.data`, with `null` kept (it means "omit that encrypted key"). */
function templateData(ss: RO<SealedSecretObject>): Record<string, string | null> {
  const raw: unknown = ss.spec?.template?.data;
  if (raw === null || typeof raw !== 'object') return {};
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'string' || v === null) out[k] = v;
  }
  return out;
}

/** The sha256 (hex) of everything the produced Secret's content depends on. */
export function inputHash(ss: RO<SealedSecretObject>, label: Uint8Array): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        v: 1,
        uid: ss.metadata?.uid ?? '',
        namespace: ss.metadata?.namespace ?? '',
        name: ss.metadata?.name ?? '',
        label: Buffer.from(label).toString('base64'),
        encryptedData: encryptedItems(ss),
        template: ss.spec?.template ?? null,
        legacy: ss.spec?.data ?? null,
      }),
    )
    .digest('hex');
}

/** HMAC (hex) binding the input hash to the digests of the produced items. */
export function contentMac(
  macKey: Uint8Array,
  hash: string,
  digests: Readonly<Record<string, string>>,
): string {
  return createHmac('sha256', macKey)
    .update(canonicalJson({ input: hash, data: digests }))
    .digest('hex');
}

/** Constant-time comparison of two hex MACs. */
export function macEquals(a: string | undefined, b: string): boolean {
  if (a === undefined || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * The Secret's data from the decrypted items (`spec.template.data` rules, Bitnami ≥ 0.40):
 * every decrypted item, minus those a `null` template value omits; then every template value,
 * rendered over the decrypted items and the plain template values, except where it would
 * overwrite a decrypted item (encrypted keys take precedence, as since Bitnami 0.37).
 *
 * @throws TemplateError (template.ts)
 */
export function renderData(
  ss: RO<SealedSecretObject>,
  values: ReadonlyMap<string, Buffer>,
): Map<string, Buffer> {
  const templates = templateData(ss);
  const context = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(templates)) {
    if (v !== null) context.set(k, Buffer.from(v, 'utf8'));
  }
  for (const [k, v] of values) context.set(k, v);
  const data = new Map<string, Buffer>();
  for (const [k, v] of values) if (templates[k] !== null) data.set(k, v);
  for (const [k, source] of Object.entries(templates).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (source === null || values.has(k)) continue;
    data.set(k, renderTemplate(source, k, context));
  }
  return data;
}

/**
 * The data keys the Secret will have, known without decrypting (undefined for the legacy
 * `spec.data`, whose keys are inside the blob).
 */
export function expectedKeys(ss: RO<SealedSecretObject>): string[] | undefined {
  if (ss.spec?.data !== undefined && ss.spec.data !== '') return undefined;
  const templates = templateData(ss);
  const keys = new Set(Object.keys(encryptedItems(ss)).filter((k) => templates[k] !== null));
  for (const [k, v] of Object.entries(templates)) if (v !== null) keys.add(k);
  return [...keys].sort();
}

/** The controller ownerReference Bitnami sets (no blockOwnerDeletion). */
export function ownerReference(ss: RO<SealedSecretObject>): OwnerReference {
  return {
    apiVersion: SEALED_SECRET_API_VERSION,
    kind: SEALED_SECRET_KIND,
    name: ss.metadata?.name ?? '',
    uid: ss.metadata?.uid ?? '',
    controller: true,
  };
}

/** True when `spec.template` asks for no ownerReference. */
export function skipsOwnerReference(ss: RO<SealedSecretObject>): boolean {
  return (
    ss.spec?.template?.metadata?.annotations?.[ANNOTATION_SKIP_SET_OWNER_REFERENCES] === 'true'
  );
}

/** The Secret's metadata and shape, without data and without the proof annotations. */
export interface DesiredShape {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly finalizers?: string[];
  readonly ownerReferences: OwnerReference[];
  readonly type: string;
  readonly immutable?: boolean;
}

/**
 * Metadata, type and immutability from `spec.template` (labels, annotations and finalizers are
 * copied; name and namespace are always the SealedSecret's). For the legacy `spec.data`, `legacy`
 * carries the decrypted Secret's own metadata and type, as Bitnami uses them.
 */
export function desiredShape(ss: RO<SealedSecretObject>, legacy?: LegacyMeta): DesiredShape {
  const template = ss.spec?.template;
  const meta: LegacyMeta & { finalizers?: string[] } = legacy ?? templateMeta(ss);
  const type = legacy !== undefined ? legacy.type : template?.type;
  const immutable = template?.immutable;
  return {
    labels: { ...meta.labels, [LABEL_UNSEALED]: LABEL_UNSEALED_VALUE },
    annotations: { ...meta.annotations },
    ...(meta.finalizers !== undefined ? { finalizers: meta.finalizers } : {}),
    ownerReferences: skipsOwnerReference(ss) ? [] : [ownerReference(ss)],
    type: type === undefined || type === '' ? 'Opaque' : type,
    ...(immutable !== undefined ? { immutable } : {}),
  };
}

function templateMeta(ss: RO<SealedSecretObject>): LegacyMeta & { finalizers?: string[] } {
  const tm = ss.spec?.template?.metadata;
  if (tm === undefined || tm === null) return {};
  const finalizers = tm.finalizers ?? [];
  return {
    ...(tm.labels !== undefined ? { labels: { ...tm.labels } } : {}),
    ...(tm.annotations !== undefined ? { annotations: { ...tm.annotations } } : {}),
    ...(finalizers.length > 0 ? { finalizers: [...finalizers] } : {}),
  };
}

/** Metadata of the Secret inside a legacy `spec.data` blob. */
export interface LegacyMeta {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly type?: string;
}

/** The proof annotations of a produced Secret. */
export interface Proof {
  readonly inputHash: string;
  readonly fingerprint: string;
  readonly mac: string;
}

/** The complete Secret to create or replace. */
export function buildSecret(
  ss: RO<SealedSecretObject>,
  shape: DesiredShape,
  data: ReadonlyMap<string, Buffer>,
  proof: Proof,
): SecretObject {
  const out: Record<string, string> = {};
  for (const k of [...data.keys()].sort()) out[k] = (data.get(k) as Buffer).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: ss.metadata?.name ?? '',
      namespace: ss.metadata?.namespace ?? '',
      labels: shape.labels,
      annotations: { ...shape.annotations, ...proofAnnotations(proof) },
      ...(shape.finalizers !== undefined ? { finalizers: shape.finalizers } : {}),
      ...(shape.ownerReferences.length > 0 ? { ownerReferences: shape.ownerReferences } : {}),
    },
    type: shape.type,
    ...(shape.immutable !== undefined ? { immutable: shape.immutable } : {}),
    data: out,
  };
}

/** The three proof annotations. */
export function proofAnnotations(proof: Proof): Record<string, string> {
  return {
    [ANNOTATION_INPUT_HASH]: proof.inputHash,
    [ANNOTATION_KEY_FINGERPRINT]: proof.fingerprint,
    [ANNOTATION_CONTENT_MAC]: proof.mac,
  };
}

/** Digests of `data` (base64 values) restricted to `keys` when given. */
export function digestsOf(
  data: Readonly<Record<string, string>>,
  keys?: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys ?? Object.keys(data)) {
    const v = data[k];
    if (v !== undefined) out[k] = itemDigest(v);
  }
  return out;
}

/** How the controller may treat an existing Secret (Bitnami's rules). */
export type Ownership = 'owned' | 'managed' | 'patch' | 'unmanaged';

/** True when `secret` has a controller ownerReference to this SealedSecret (same UID). */
export function isControlledBy(secret: RO<KubeObject>, ss: RO<SealedSecretObject>): boolean {
  return (secret.metadata?.ownerReferences ?? []).some(
    (r) => r.controller === true && r.uid === ss.metadata?.uid,
  );
}

/**
 * Owned (controlled by this SealedSecret, or produced for it with `skip-set-owner-references`
 * as the MAC proves), else `patch` / `managed` by annotation, else unmanaged: left alone.
 */
export function ownershipOf(
  secret: RO<KubeObject>,
  ss: RO<SealedSecretObject>,
  provenByMac: boolean,
): Ownership {
  const ann = secret.metadata?.annotations;
  if (ann?.[ANNOTATION_PATCH] === 'true') return 'patch';
  if (isControlledBy(secret, ss) || (skipsOwnerReference(ss) && provenByMac)) return 'owned';
  if (ann?.[ANNOTATION_MANAGED] === 'true') return 'managed';
  return 'unmanaged';
}

/**
 * True when an existing Secret's metadata already matches: the desired labels and annotations
 * are present (others' extra keys are tolerated — only a data change triggers Bitnami's
 * wholesale replace), ownerReferences contained, type and immutability equal. In patch mode only
 * labels and annotations are merged, and ownerReferences only with `managed` too.
 */
export function shapeInSync(
  shape: DesiredShape,
  actual: RO<CachedSecret>,
  mode: Ownership,
): boolean {
  const labels = actual.metadata?.labels ?? {};
  const annotations = actual.metadata?.annotations ?? {};
  if (!isSubset(shape.labels, labels) || !isSubset(shape.annotations, annotations)) return false;
  const takesOwnerRefs = mode !== 'patch' || annotations[ANNOTATION_MANAGED] === 'true';
  if (
    takesOwnerRefs &&
    !ownerRefsContained(shape.ownerReferences, actual.metadata?.ownerReferences)
  ) {
    return false;
  }
  return mode === 'patch' || typeAndImmutabilityMatch(shape, actual);
}

function typeAndImmutabilityMatch(shape: DesiredShape, actual: RO<CachedSecret>): boolean {
  return (
    (actual.type ?? 'Opaque') === shape.type &&
    (actual.immutable ?? false) === (shape.immutable ?? false)
  );
}

function ownerRefsContained(
  desired: readonly OwnerReference[],
  actual: readonly RO<OwnerReference>[] | undefined,
): boolean {
  return desired.every((d) => (actual ?? []).some((r) => r.uid === d.uid && r.controller === true));
}
