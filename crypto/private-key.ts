import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CryptoError } from './errors.js';
import { pemBlocks } from './pem.js';

// PKCS#1 ("RSA PRIVATE KEY") is what Bitnami writes; PKCS#8 ("PRIVATE KEY") is accepted on read
// as upstream does. Encrypted keys are not: key Secrets hold plain PEM.
const PRIVATE_KEY_LABELS = new Set(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY']);

/**
 * Parses one PEM private key (PKCS#1 or PKCS#8) and requires RSA.
 *
 * @throws {@link CryptoError} `INVALID_KEY` (no key or unparsable) or `KEY_NOT_RSA` with
 *   Bitnami's message `private key is not an RSA key`.
 */
export function loadPrivateKey(pemText: string): KeyObject {
  const keys = loadPrivateKeys(pemText);
  const first = keys[0];
  if (first === undefined) {
    throw new CryptoError('INVALID_KEY', 'no PEM private key block found');
  }
  return first;
}

/**
 * Every private key in a PEM bundle, in order (a backup file may hold several).
 *
 * @throws {@link CryptoError} as {@link loadPrivateKey}, for the first bad block.
 */
export function loadPrivateKeys(pemText: string): KeyObject[] {
  return pemBlocks(pemText)
    .filter((block) => PRIVATE_KEY_LABELS.has(block.label))
    .map((block) => parseKey(block.text));
}

function parseKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new CryptoError('INVALID_KEY', 'cannot parse the private key', { cause });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CryptoError('KEY_NOT_RSA', 'private key is not an RSA key');
  }
  return key;
}
