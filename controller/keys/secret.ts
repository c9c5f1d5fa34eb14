/**
 * Sealing-key Secrets, in Bitnami's layout so an existing installation's keys load unchanged:
 * `kubernetes.io/tls` Secrets in the controller namespace, named `generateName: <prefix>`,
 * labelled `sealedsecrets.bitnami.com/sealed-secrets-key: active`, PKCS#1 PEM in `tls.key` and
 * the certificate in `tls.crt`. Pure functions: parsing never throws, building does no I/O.
 */
import type { KeyObject } from 'node:crypto';
import { parseSealingCertificate } from '../../crypto/certificate.js';
import { isCryptoError } from '../../crypto/errors.js';
import { publicKeyFingerprint } from '../../crypto/fingerprint.js';
import { loadPrivateKey } from '../../crypto/private-key.js';
import { LABEL_SEALED_SECRETS_KEY, SEALED_SECRETS_KEY_ACTIVE } from '../../crds/index.js';
import type { DeepReadonly, KubeObject } from '../runtime/index.js';

/** A Secret as the key informer caches it (wire JSON: `data` values are base64). */
export interface KeySecret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** One usable sealing key pair. */
export interface SealingKey {
  /** Name of the Secret it came from. */
  readonly secretName: string;
  /** UID of that Secret (empty for keys not yet read back from the API). */
  readonly uid: string;
  /** `SHA256:…` fingerprint of the public key (Bitnami's `PublicKeyFingerprint`). */
  readonly fingerprint: string;
  readonly privateKey: KeyObject;
  /** The public key of the certificate (seals in `/v1/rotate`). */
  readonly publicKey: KeyObject;
  /** The first certificate of `tls.crt`, PEM (served by `/v1/cert.pem`). */
  readonly certificatePem: string;
  /** Certificate NotBefore: the default ordering time (`--key-order-priority=CertNotBefore`). */
  readonly notBefore: Date;
  /** The Secret's creationTimestamp (`--key-order-priority=SecretCreationTimestamp`). */
  readonly createdAt: Date;
  readonly modulusBits: number;
}

/** The result of {@link parseKeySecret}: a key, or why the Secret cannot be one. */
export type ParsedKeySecret =
  { readonly ok: true; readonly key: SealingKey } | { readonly ok: false; readonly reason: string };

/** True when the Secret's key label says `active` (any other value, e.g. `compromised`, is not loaded). */
export function isActiveKeySecret(secret: DeepReadonly<KubeObject>): boolean {
  return secret.metadata?.labels?.[LABEL_SEALED_SECRETS_KEY] === SEALED_SECRETS_KEY_ACTIVE;
}

function field(secret: DeepReadonly<KeySecret>, name: string): string | undefined {
  const value = secret.data?.[name];
  if (value === undefined || value === '') return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

/**
 * Reads a key pair from a key Secret. Never throws: a malformed Secret (no or bad `tls.key`,
 * non-RSA key, empty or unparsable `tls.crt`, a certificate that does not match the key) yields
 * `{ok: false, reason}` so the caller can ignore it with a Warning instead of crashing, which is
 * what Bitnami does (it indexes `certs[0]` of an empty list).
 */
export function parseKeySecret(secret: DeepReadonly<KeySecret>): ParsedKeySecret {
  const keyPem = field(secret, 'tls.key');
  const certPem = field(secret, 'tls.crt');
  if (keyPem === undefined) return { ok: false, reason: 'tls.key is missing or empty' };
  if (certPem === undefined) return { ok: false, reason: 'tls.crt is missing or empty' };
  let privateKey: KeyObject;
  try {
    privateKey = loadPrivateKey(keyPem);
  } catch (err) {
    return { ok: false, reason: `tls.key: ${describe(err)}` };
  }
  let cert: ReturnType<typeof parseSealingCertificate>;
  try {
    cert = parseSealingCertificate(certPem);
  } catch (err) {
    return { ok: false, reason: `tls.crt: ${describe(err)}` };
  }
  const fingerprint = publicKeyFingerprint(privateKey);
  if (fingerprint !== cert.fingerprint) {
    return { ok: false, reason: 'tls.crt does not belong to the private key in tls.key' };
  }
  const created = Date.parse(secret.metadata?.creationTimestamp ?? '');
  return {
    ok: true,
    key: {
      secretName: secret.metadata?.name ?? '',
      uid: secret.metadata?.uid ?? '',
      fingerprint,
      privateKey,
      publicKey: cert.publicKey,
      // node-forge writes CRLF; serve the usual LF form.
      certificatePem: cert.pem.replace(/\r\n/g, '\n'),
      notBefore: cert.notBefore,
      createdAt: new Date(Number.isNaN(created) ? cert.notBefore.getTime() : created),
      modulusBits: cert.modulusBits,
    },
  };
}

function describe(err: unknown): string {
  if (isCryptoError(err)) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Input of {@link buildKeySecret}. */
export interface KeySecretInput {
  readonly namespace: string;
  /** `--key-prefix`; the API server appends 5 random characters. */
  readonly prefix: string;
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  /** `--privatekey-labels`; cannot override the key label. */
  readonly labels?: Readonly<Record<string, string>>;
  /** `--privatekey-annotations`. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The Secret a new key is stored in, exactly as Bitnami writes it. */
export function buildKeySecret(input: KeySecretInput): KeySecret {
  const annotations = input.annotations ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      generateName: input.prefix,
      namespace: input.namespace,
      labels: { ...input.labels, [LABEL_SEALED_SECRETS_KEY]: SEALED_SECRETS_KEY_ACTIVE },
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(input.certificatePem).toString('base64'),
      'tls.key': Buffer.from(input.privateKeyPem).toString('base64'),
    },
  };
}

/** Parses `k=v,k2=v2` (Bitnami's `--privatekey-labels`/`--privatekey-annotations`). @throws Error on a pair without `=` */
export function parseKeyValueList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').map((s) => s.trim())) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`invalid key=value pair "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
