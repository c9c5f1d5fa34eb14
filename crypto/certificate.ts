import { X509Certificate, type KeyObject } from 'node:crypto';
import { CryptoError } from './errors.js';
import { publicKeyFingerprint } from './fingerprint.js';
import { pemBlocks } from './pem.js';

/** Smallest RSA modulus accepted for sealing. Bitnami does not check; tenantry refuses weak keys. */
export const MIN_RSA_BITS = 2048;

/** A parsed sealing certificate: what sealing needs, checked once. */
export interface SealingCertificate {
  /** The RSA public key that seals values. */
  readonly publicKey: KeyObject;
  /** RSA modulus size in bits. */
  readonly modulusBits: number;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** {@link publicKeyFingerprint} of the public key. */
  readonly fingerprint: string;
  /** PEM of the certificate that was used (the first one in the input). */
  readonly pem: string;
}

/**
 * Parses the **first** certificate of a PEM bundle (as kubeseal's `ParseKey`) and checks that it
 * holds an RSA key of at least {@link MIN_RSA_BITS}. Does not check validity dates; see
 * {@link assertCertificateCurrent}. Uses Node's native X509Certificate (fast; no node-forge).
 *
 * @throws {@link CryptoError} `INVALID_CERTIFICATE`, `CERT_NOT_RSA`, `KEY_TOO_SMALL`.
 */
export function parseSealingCertificate(pemText: string): SealingCertificate {
  const block = pemBlocks(pemText).find((b) => b.label === 'CERTIFICATE');
  if (block === undefined) {
    throw new CryptoError('INVALID_CERTIFICATE', 'no PEM CERTIFICATE block found');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(block.text);
  } catch (cause) {
    throw new CryptoError('INVALID_CERTIFICATE', 'cannot parse the certificate', { cause });
  }
  const publicKey = cert.publicKey;
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new CryptoError(
      'CERT_NOT_RSA',
      `expected RSA public key but found ${describeKeyType(publicKey)}`,
    );
  }
  const modulusBits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (modulusBits < MIN_RSA_BITS) {
    throw new CryptoError(
      'KEY_TOO_SMALL',
      `RSA key of the certificate is too small: ${modulusBits} bits, at least ${MIN_RSA_BITS} needed`,
    );
  }
  return {
    publicKey,
    modulusBits,
    notBefore: parseOpenSslDate(cert.validFrom),
    notAfter: parseOpenSslDate(cert.validTo),
    fingerprint: publicKeyFingerprint(publicKey),
    pem: block.text + '\n',
  };
}

/**
 * Rejects an expired certificate with kubeseal's message
 * (`failed to encrypt using an expired certificate on January 2, 2006`). Like kubeseal, NotBefore
 * is not checked: a controller clock slightly ahead of the client must not block sealing.
 *
 * @throws {@link CryptoError} `CERT_EXPIRED`.
 */
export function assertCertificateCurrent(cert: SealingCertificate, now: Date = new Date()): void {
  if (now.getTime() > cert.notAfter.getTime()) {
    throw new CryptoError(
      'CERT_EXPIRED',
      `failed to encrypt using an expired certificate on ${formatGoLongDate(cert.notAfter)}`,
    );
  }
}

/** {@link parseSealingCertificate} then {@link assertCertificateCurrent}: ready to seal with. */
export function loadSealingCertificate(
  pemText: string,
  now: Date = new Date(),
): SealingCertificate {
  const cert = parseSealingCertificate(pemText);
  assertCertificateCurrent(cert, now);
  return cert;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** Go's `"January 2, 2006"` layout, in UTC. */
export function formatGoLongDate(date: Date): string {
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}`;
}

// OpenSSL prints validity as "Jun 18 12:00:00 2027 GMT" (Node 20 has no validToDate).
const OPENSSL_DATE = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/;

function parseOpenSslDate(text: string): Date {
  const m = OPENSSL_DATE.exec(text);
  const month = m ? MONTHS.findIndex((name) => name.startsWith(m[1] ?? '?')) : -1;
  if (!m || month < 0) {
    throw new CryptoError('INVALID_CERTIFICATE', `cannot read certificate date ${text}`);
  }
  const [, , day, hh, mm, ss, year] = m.map(Number);
  return new Date(Date.UTC(year ?? 0, month, day, hh, mm, ss));
}

function describeKeyType(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === undefined ? `${type} public key` : `${type} public key (${curve})`;
}
