import {
  constants,
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { CryptoError } from './errors.js';
import { systemRandom, type RandomSource } from './random.js';

/** Length of the AES-256 session key and of the SHA-256 OAEP seed. */
const SESSION_KEY_BYTES = 32;
const OAEP_SEED_BYTES = 32;
const GCM_TAG_BYTES = 16;
const LENGTH_PREFIX_BYTES = 2;
// Each session key encrypts exactly one value, so a fixed all-zero nonce never repeats under a
// key: this is Bitnami's reasoning ("SessionKey is only used once, so zero nonce is ok") and the
// wire format depends on it, since the nonce is not transmitted.
const ZERO_NONCE = Buffer.alloc(12);

/** Options for {@link hybridEncrypt}. */
export interface HybridEncryptOptions {
  /**
   * Where the session key (first 32 bytes) and the OAEP seed (next 32 bytes) come from.
   * Only for reproducible tests: when given, OAEP is encoded in JS (node-forge, loaded on demand)
   * because Node cannot take an OAEP seed.
   * @default the system CSPRNG, with OpenSSL choosing the OAEP seed
   */
  readonly random?: RandomSource;
}

/**
 * Encrypts one value in Bitnami's hybrid format:
 *
 * ```
 * uint16_BE(N) || RSA-OAEP(SHA-256, MGF1-SHA-256, label)(sessionKey) || AES-256-GCM(sessionKey,
 * nonce = 12 zero bytes, no AAD)(plaintext) || tag(16)
 * ```
 *
 * N is the modulus length in bytes, so the blob is `2 + N + plaintext.length + 16` bytes long.
 * The label binds the blob to its scope (see `encryptionLabel`); it is not stored in the blob.
 *
 * @param publicKey - the sealing certificate's RSA public key
 * @param plaintext - the raw value bytes
 * @param label - the OAEP label of the target scope
 */
export async function hybridEncrypt(
  publicKey: KeyObject,
  plaintext: Uint8Array,
  label: Uint8Array,
  options: HybridEncryptOptions = {},
): Promise<Buffer> {
  const random = options.random;
  if (random === undefined || random === systemRandom) {
    return hybridEncryptNative(publicKey, plaintext, label);
  }
  // Go reads the session key first, then the OAEP seed; keep that order or Vector A breaks.
  const sessionKey = Buffer.from(random(SESSION_KEY_BYTES));
  const seed = Buffer.from(random(OAEP_SEED_BYTES));
  // Loaded lazily so the normal sealing path never parses node-forge.
  const { oaepEncryptWithSeed } = await import('./oaep-seeded.js');
  const rsaPart = oaepEncryptWithSeed({ publicKey, message: sessionKey, label, seed });
  return assemble(rsaPart, sessionKey, plaintext);
}

/**
 * The production path of {@link hybridEncrypt}: session key from the CSPRNG, OAEP in OpenSSL.
 * Synchronous, for callers that seal many values in a tight loop.
 */
export function hybridEncryptNative(
  publicKey: KeyObject,
  plaintext: Uint8Array,
  label: Uint8Array,
): Buffer {
  const sessionKey = randomBytes(SESSION_KEY_BYTES);
  const rsaPart = publicEncrypt(
    {
      key: publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      // MGF1 follows oaepHash in Node, which is what Go's rsa.EncryptOAEP(sha256.New(), …) does.
      oaepHash: 'sha256',
      oaepLabel: label,
    },
    sessionKey,
  );
  return assemble(rsaPart, sessionKey, plaintext);
}

function assemble(rsaPart: Buffer, sessionKey: Buffer, plaintext: Uint8Array): Buffer {
  const prefix = Buffer.alloc(LENGTH_PREFIX_BYTES);
  prefix.writeUInt16BE(rsaPart.length, 0);
  const cipher = createCipheriv('aes-256-gcm', sessionKey, ZERO_NONCE);
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([prefix, rsaPart, body, cipher.getAuthTag()]);
}

/**
 * Decrypts a blob made by {@link hybridEncrypt} (or Bitnami's `HybridEncrypt`).
 *
 * @throws {@link CryptoError} `TOO_SHORT` (fewer than 2 bytes, or fewer than N + 2),
 *   `RSA_DECRYPT` (wrong key, wrong label, or modified RSA part), `AES_DECRYPT` (modified AES
 *   ciphertext or tag).
 */
export function hybridDecrypt(privateKey: KeyObject, blob: Uint8Array, label: Uint8Array): Buffer {
  const { rsaPart, aesPart } = splitBlob(blob);
  const sessionKey = decryptSessionKey(privateKey, rsaPart, label);
  return decryptBody(sessionKey, aesPart);
}

/** The two halves of a blob; exported for the multi-key loop in `unseal.ts`. */
export interface BlobParts {
  readonly rsaPart: Buffer;
  readonly aesPart: Buffer;
}

/** Splits a blob at its length prefix. @throws {@link CryptoError} `TOO_SHORT`. */
export function splitBlob(blob: Uint8Array): BlobParts {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < LENGTH_PREFIX_BYTES) {
    throw new CryptoError(
      'TOO_SHORT',
      `SealedSecret data is too short: ${bytes.length} byte(s), the length prefix alone is 2`,
    );
  }
  const rsaLength = bytes.readUInt16BE(0);
  if (bytes.length < LENGTH_PREFIX_BYTES + rsaLength) {
    throw new CryptoError(
      'TOO_SHORT',
      `SealedSecret data is too short: ${bytes.length} bytes, but its header announces a ` +
        `${rsaLength}-byte RSA part`,
    );
  }
  return {
    rsaPart: bytes.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + rsaLength),
    aesPart: bytes.subarray(LENGTH_PREFIX_BYTES + rsaLength),
  };
}

/** RSA-OAEP half of decryption. @throws {@link CryptoError} `RSA_DECRYPT`. */
export function decryptSessionKey(
  privateKey: KeyObject,
  rsaPart: Buffer,
  label: Uint8Array,
): Buffer {
  try {
    return privateDecrypt(
      {
        key: privateKey,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
        oaepLabel: label,
      },
      rsaPart,
    );
  } catch (cause) {
    throw new CryptoError(
      'RSA_DECRYPT',
      'cannot decrypt the session key (RSA-OAEP): wrong private key, wrong scope/name/namespace/' +
        'tenant (OAEP label), or the RSA part was modified',
      { cause },
    );
  }
}

/** AES-GCM half of decryption. @throws {@link CryptoError} `AES_DECRYPT`. */
export function decryptBody(sessionKey: Buffer, aesPart: Buffer): Buffer {
  // Go's aes.NewCipher accepts 16-, 24- and 32-byte keys, so Bitnami would open a blob whose
  // session key is shorter; mirror that instead of rejecting what upstream accepts.
  const algorithm = AES_GCM_BY_KEY_LENGTH[sessionKey.length];
  if (algorithm === undefined || aesPart.length < GCM_TAG_BYTES) {
    throw aesError(
      algorithm === undefined
        ? `session key has an invalid AES length (${sessionKey.length} bytes)`
        : `the AES part is ${aesPart.length} bytes, shorter than the 16-byte GCM tag`,
    );
  }
  const tagStart = aesPart.length - GCM_TAG_BYTES;
  try {
    const decipher = createDecipheriv(algorithm, sessionKey, ZERO_NONCE);
    decipher.setAuthTag(aesPart.subarray(tagStart));
    const plaintext = decipher.update(aesPart.subarray(0, tagStart));
    decipher.final();
    return plaintext;
  } catch (cause) {
    throw aesError('authentication failed: the AES ciphertext or the GCM tag was modified', cause);
  }
}

const AES_GCM_BY_KEY_LENGTH: Readonly<
  Record<number, 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm'>
> = { 16: 'aes-128-gcm', 24: 'aes-192-gcm', 32: 'aes-256-gcm' };

function aesError(detail: string, cause?: unknown): CryptoError {
  return new CryptoError('AES_DECRYPT', `cannot decrypt the value (AES-GCM): ${detail}`, { cause });
}
