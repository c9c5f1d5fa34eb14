import type { KeyObject } from 'node:crypto';
import { decodeBase64Std, encodeBase64Std } from './base64.js';
import { CryptoError } from './errors.js';
import { decryptBody, decryptSessionKey, hybridEncrypt, splitBlob } from './hybrid.js';
import type { RandomSource } from './random.js';

// Base64 is handled here, at the value level, because it is part of the wire format: a
// SealedSecret's encryptedData holds Go StdEncoding text, and its strictness is Bitnami's.

/** Input of {@link sealValue}. */
export interface SealValueInput {
  readonly publicKey: KeyObject;
  readonly plaintext: Uint8Array;
  /** OAEP label from `encryptionLabel`. */
  readonly label: Uint8Array;
  /** Tests only; see `HybridEncryptOptions.random`. */
  readonly random?: RandomSource;
}

/** Seals one value: {@link hybridEncrypt} then base64 (StdEncoding), one line. */
export async function sealValue(input: SealValueInput): Promise<string> {
  const blob = await hybridEncrypt(input.publicKey, input.plaintext, input.label, {
    random: input.random,
  });
  return encodeBase64Std(blob);
}

/** Input of {@link unsealValue}. */
export interface UnsealValueInput {
  /** Candidate keys, tried in order. */
  readonly privateKeys: readonly KeyObject[];
  /** Base64 (StdEncoding) blob from `encryptedData`. */
  readonly value: string;
  readonly label: Uint8Array;
}

/** A successful unseal: the plaintext and which key opened it. */
export interface UnsealedValue {
  readonly plaintext: Buffer;
  /** Index into `privateKeys` of the key that opened the blob. */
  readonly keyIndex: number;
}

/**
 * Unseals one value, trying each key in order (Bitnami tries every loaded key, since the blob
 * carries no key id). Errors stay specific instead of upstream's blanket "no key could decrypt":
 * a key that opens the RSA part but fails GCM means tampering, not a wrong key.
 *
 * @throws {@link CryptoError} `INVALID_BASE64`, `TOO_SHORT`, `AES_DECRYPT` (some key opened the
 *   session key but the body was modified) or `RSA_DECRYPT` (no key opened the session key:
 *   wrong keys, wrong label = wrong scope/name/namespace/tenant, or a modified RSA part).
 */
export function unsealValue(input: UnsealValueInput): UnsealedValue {
  const { rsaPart, aesPart } = splitBlob(decodeBase64Std(input.value));
  let lastRsaError: CryptoError | undefined;
  for (const [keyIndex, key] of input.privateKeys.entries()) {
    let sessionKey: Buffer;
    try {
      sessionKey = decryptSessionKey(key, rsaPart, input.label);
    } catch (err) {
      lastRsaError = err as CryptoError;
      continue;
    }
    // OAEP succeeding under a wrong key has negligible probability (the label hash must
    // match), so a GCM failure here is tampering: report it rather than trying further keys.
    return { plaintext: decryptBody(sessionKey, aesPart), keyIndex };
  }
  if (lastRsaError !== undefined && input.privateKeys.length > 1) {
    throw new CryptoError(
      'RSA_DECRYPT',
      `no key could decrypt the value (tried ${input.privateKeys.length} keys): wrong keys, ` +
        'wrong scope/name/namespace/tenant (OAEP label), or the RSA part was modified',
      { cause: lastRsaError },
    );
  }
  throw lastRsaError ?? new CryptoError('RSA_DECRYPT', 'no private key to decrypt with');
}
