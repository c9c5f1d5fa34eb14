import { randomBytes } from 'node:crypto';

/**
 * A source of random bytes, read in order like Go's `io.Reader` in `HybridEncrypt(rnd, …)`.
 * Production code uses the system CSPRNG; tests inject a fixed stream to reproduce exact
 * ciphertexts (the reference Vector A).
 */
export type RandomSource = (byteCount: number) => Uint8Array;

/** The operating system CSPRNG (`crypto.randomBytes`). */
export const systemRandom: RandomSource = (byteCount) => randomBytes(byteCount);

/**
 * A deterministic {@link RandomSource} that hands out `bytes` in order and throws when they run
 * out. FOR TESTS ONLY: a predictable session key or OAEP seed destroys confidentiality.
 */
export function randomSourceFromBytes(bytes: Uint8Array): RandomSource {
  let offset = 0;
  return (byteCount) => {
    if (offset + byteCount > bytes.length) {
      throw new RangeError(
        `random source exhausted: asked for ${byteCount} bytes, ${bytes.length - offset} left`,
      );
    }
    const out = bytes.slice(offset, offset + byteCount);
    offset += byteCount;
    return out;
  };
}
