import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { publicKeyFingerprint } from './fingerprint.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Bitnami's `--key-ttl` default, 87600h. */
export const DEFAULT_KEY_TTL_MS = 87_600 * 3_600_000;

/** Options for {@link generateSealingKey}. */
export interface GenerateSealingKeyOptions {
  /** RSA modulus size. @default 4096 (Bitnami's `--key-size`) */
  readonly bits?: number;
  /** Subject and issuer CN. @default '' (an empty DN, as Bitnami's `--my-cn`) */
  readonly commonName?: string;
  /** Validity from `now`. @default {@link DEFAULT_KEY_TTL_MS} (10 years) */
  readonly ttlMs?: number;
  /** NotBefore. @default the current time */
  readonly now?: Date;
}

/** A new sealing key: PEM for the key Secret (`tls.key`, `tls.crt`) plus the parsed key. */
export interface SealingKeyPair {
  /** PKCS#1 PEM (`RSA PRIVATE KEY`), what Bitnami stores in `tls.key`. */
  readonly privateKeyPem: string;
  /** Self-signed X.509 certificate PEM, what Bitnami stores in `tls.crt`. */
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  /** {@link publicKeyFingerprint} of the key. */
  readonly fingerprint: string;
}

/**
 * Generates a sealing key with Bitnami's certificate properties: RSA (default 4096 bits),
 * self-signed X.509 v3, SHA256WithRSA, random 128-bit serial, subject = issuer = `CN=<commonName>`
 * or an empty DN, NotBefore = now, NotAfter = now + ttl, KeyUsage Encipher Only (critical),
 * BasicConstraints CA:TRUE (critical), plus a Subject Key Identifier as Go adds to CA certificates.
 *
 * The RSA key comes from OpenSSL asynchronously (a 4096-bit key takes ~0.5–3 s and must not
 * block the event loop; node-forge's JS keygen is far slower). node-forge only assembles the
 * certificate and is loaded on demand.
 */
export async function generateSealingKey(
  options: GenerateSealingKeyOptions = {},
): Promise<SealingKeyPair> {
  const notBefore = options.now ?? new Date();
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: options.bits ?? 4096,
  });
  const { selfSignedCertificatePem } = await import('./x509-forge.js');
  const certificatePem = selfSignedCertificatePem({
    publicKey,
    privateKey,
    commonName: options.commonName ?? '',
    serialNumber: randomSerialHex(),
    notBefore,
    notAfter: new Date(notBefore.getTime() + (options.ttlMs ?? DEFAULT_KEY_TTL_MS)),
  });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    certificatePem,
    privateKey,
    fingerprint: publicKeyFingerprint(publicKey),
  };
}

/**
 * A uniformly random serial in [0, 2^128) as minimal DER INTEGER content in hex (Go:
 * `rand.Int(rand.Reader, 2^128)`): leading zero bytes dropped, and a zero byte prepended when the
 * top bit is set so that the INTEGER stays positive.
 */
export function randomSerialHex(): string {
  let bytes = randomBytes(16);
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  const hex = bytes.toString('hex');
  return (bytes[0] ?? 0) & 0x80 ? '00' + hex : hex;
}
