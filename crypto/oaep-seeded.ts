// Deterministic RSA-OAEP for reproducible tests. Node's publicEncrypt always draws its own OAEP
// seed, so to reproduce a known ciphertext (reference Vector A) the OAEP encoding (RFC 8017
// §7.1.1, SHA-256 + MGF1-SHA-256) is done by node-forge with the given seed, and only the raw
// RSA permutation m^e mod n runs in OpenSSL (RSA_NO_PADDING). This module is imported lazily by
// hybrid.ts so that production sealing never loads node-forge.
import { constants, publicEncrypt, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** Input of {@link oaepEncryptWithSeed}. */
export interface SeededOaepInput {
  readonly publicKey: KeyObject;
  readonly message: Uint8Array;
  readonly label: Uint8Array;
  /** 32 bytes (the SHA-256 digest length). */
  readonly seed: Uint8Array;
}

/** RSA-OAEP(SHA-256, MGF1-SHA-256) with a caller-chosen seed. FOR TESTS ONLY. */
export function oaepEncryptWithSeed(input: SeededOaepInput): Buffer {
  const jwk = input.publicKey.export({ format: 'jwk' });
  if (jwk.n === undefined || jwk.e === undefined) {
    throw new TypeError('oaepEncryptWithSeed needs an RSA public key');
  }
  const forgeKey = forge.pki.setRsaPublicKey(bigInteger(jwk.n), bigInteger(jwk.e));
  const encoded = pkcs1().encode_rsa_oaep(forgeKey, binary(input.message), {
    label: binary(input.label),
    seed: binary(input.seed),
    md: forge.md.sha256.create(),
    mgf1: { md: forge.md.sha256.create() },
  });
  // The encoded message starts with 0x00, so it is below n and raw RSA accepts it.
  return publicEncrypt(
    { key: input.publicKey, padding: constants.RSA_NO_PADDING },
    Buffer.from(encoded, 'binary'),
  );
}

// @types/node-forge does not declare forge.pkcs1; this is the one function used from it.
interface Pkcs1Module {
  encode_rsa_oaep(
    key: forge.pki.rsa.PublicKey,
    message: string,
    options: {
      label: string;
      seed: string;
      md: forge.md.MessageDigest;
      mgf1: { md: forge.md.MessageDigest };
    },
  ): string;
}

function pkcs1(): Pkcs1Module {
  return (forge as unknown as { pkcs1: Pkcs1Module }).pkcs1;
}

function bigInteger(base64url: string): forge.jsbn.BigInteger {
  return new forge.jsbn.BigInteger(Buffer.from(base64url, 'base64url').toString('hex'), 16);
}

// node-forge works on "binary strings" (one char per byte).
function binary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('binary');
}
