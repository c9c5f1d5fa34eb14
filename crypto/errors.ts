/**
 * What went wrong in a crypto/ operation. Callers branch on the code, never on the message:
 * messages are for humans and may gain detail.
 *
 * - `TOO_SHORT`: the blob is shorter than its own header says (`< 2` or `< N + 2` bytes).
 * - `RSA_DECRYPT`: RSA-OAEP rejected the session key: wrong private key, wrong OAEP label
 *   (wrong scope, name, namespace or tenant) or a modified RSA part. OAEP cannot tell these apart.
 * - `AES_DECRYPT`: the session key opened but AES-GCM authentication failed: the AES
 *   ciphertext or the tag was modified.
 * - `INVALID_BASE64`: not Go `base64.StdEncoding` (standard alphabet, `=` padding required).
 * - `INVALID_LABEL`: the scope lacks the namespace, name or tenant its label needs.
 * - `INVALID_CERTIFICATE`, `CERT_NOT_RSA`, `CERT_EXPIRED`, `KEY_TOO_SMALL`: certificate checks.
 * - `INVALID_KEY`, `KEY_NOT_RSA`: private-key loading.
 */
export type CryptoErrorCode =
  | 'TOO_SHORT'
  | 'RSA_DECRYPT'
  | 'AES_DECRYPT'
  | 'INVALID_BASE64'
  | 'INVALID_LABEL'
  | 'INVALID_CERTIFICATE'
  | 'CERT_NOT_RSA'
  | 'CERT_EXPIRED'
  | 'KEY_TOO_SMALL'
  | 'INVALID_KEY'
  | 'KEY_NOT_RSA';

/** A typed failure of a crypto/ function; `code` says which check failed. */
export class CryptoError extends Error {
  /** Which check failed; stable, unlike the message. */
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CryptoError';
    this.code = code;
  }
}

/** True when `err` is a {@link CryptoError}, optionally with the given code. */
export function isCryptoError(err: unknown, code?: CryptoErrorCode): err is CryptoError {
  return err instanceof CryptoError && (code === undefined || err.code === code);
}
