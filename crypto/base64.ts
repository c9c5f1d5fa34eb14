import { CryptoError } from './errors.js';

// Go's base64.StdEncoding: standard alphabet, '=' padding required, no whitespace except CR/LF
// (Go's decoder skips those). Node's Buffer.from(s, 'base64') accepts almost anything, including
// URL-safe characters, missing padding and garbage it silently drops, so it cannot be used alone.
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LINE_BREAKS = /[\r\n]/g;

/**
 * Decodes base64 with Go `base64.StdEncoding` semantics, the encoding Bitnami uses for every
 * sealed value: standard alphabet, `=` padding required, CR and LF ignored, anything else rejected.
 *
 * @throws {@link CryptoError} `INVALID_BASE64` naming the problem.
 */
export function decodeBase64Std(text: string): Buffer {
  const compact = text.replace(LINE_BREAKS, '');
  if (!STD_BASE64.test(compact)) {
    throw new CryptoError('INVALID_BASE64', describeBase64Problem(compact));
  }
  return Buffer.from(compact, 'base64');
}

/** Encodes bytes as Go `base64.StdEncoding` does: standard alphabet, padded, one line. */
export function encodeBase64Std(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function describeBase64Problem(compact: string): string {
  const bad = /[^A-Za-z0-9+/=]/.exec(compact);
  if (bad) {
    return `invalid base64: unexpected character ${JSON.stringify(bad[0])} at offset ${bad.index}`;
  }
  if (compact.length % 4 !== 0) {
    return `invalid base64: length ${compact.length} is not a multiple of 4 (padding is required)`;
  }
  return 'invalid base64: misplaced "=" padding';
}
