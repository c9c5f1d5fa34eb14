import { createHash, type KeyObject } from 'node:crypto';

/**
 * The SSH-style SHA-256 fingerprint of an RSA public key, `SHA256:<base64, unpadded>`, as
 * Bitnami's `PublicKeyFingerprint` and `ssh-keygen -l` print it: the hash covers the SSH wire
 * encoding `string "ssh-rsa" || mpint e || mpint n`. Lets the controller remember which key opened
 * a SealedSecret, and lets operators match keys across tools. Accepts a public or private key.
 */
export function publicKeyFingerprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || jwk.n === undefined || jwk.e === undefined) {
    throw new TypeError('publicKeyFingerprint needs an RSA key');
  }
  const wire = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshString(mpint(Buffer.from(jwk.e, 'base64url'))),
    sshString(mpint(Buffer.from(jwk.n, 'base64url'))),
  ]);
  return 'SHA256:' + createHash('sha256').update(wire).digest('base64').replace(/=+$/, '');
}

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

// SSH mpint: big-endian two's complement, minimal, so a set top bit needs a leading zero byte.
function mpint(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), trimmed]) : trimmed;
}
