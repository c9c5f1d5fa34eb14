/**
 * Decrypting a SealedSecret's items with as few RSA operations as possible.
 *
 * A blob names no key, so Bitnami tries every loaded key for every item, in random order
 * (13 keys × 3 items ≈ 21 RSA operations per SealedSecret after a year of renewals). Here:
 * the key that opened this SealedSecret last time is tried first, then the rest newest first
 * (new seals use the newest key); once a key opens one item it is tried first for the others,
 * which were almost certainly sealed in the same run. The RSA work runs on the thread pool
 * (`SessionKeyDecryptor`), the other items of a SealedSecret in parallel.
 */
import { decodeBase64Std } from '../../crypto/base64.js';
import { isCryptoError } from '../../crypto/errors.js';
import { decryptBody, splitBlob } from '../../crypto/hybrid.js';
import type { SessionKeyDecryptor } from '../keys/decrypt.js';
import type { KeyRing } from '../keys/ring.js';
import type { SealingKey } from '../keys/secret.js';

/** Why an unseal failed, for the condition's reason. */
export type UnsealFailure = 'NoKeys' | 'InvalidData' | 'DecryptFailed' | 'Tampered';

/** An unseal that failed; `message` is meant for the SealedSecret's status. */
export class UnsealError extends Error {
  constructor(
    readonly failure: UnsealFailure,
    message: string,
  ) {
    super(message);
    this.name = 'UnsealError';
  }
}

/** Input of {@link unsealItems}. */
export interface UnsealInput {
  readonly ring: KeyRing;
  readonly decryptor: SessionKeyDecryptor;
  /** `spec.encryptedData`: item name → base64 blob. */
  readonly items: Readonly<Record<string, string>>;
  /** The OAEP label of the SealedSecret's scope. */
  readonly label: Uint8Array;
  /** Human description of the scope for error messages, e.g. `strict scope "ns/name"`. */
  readonly scope: string;
  /** Fingerprints to try first (the key that opened it last time). */
  readonly hints?: readonly (string | undefined)[];
}

/** The decrypted items and the key that opened them. */
export interface Unsealed {
  readonly values: Map<string, Buffer>;
  /** The key that opened the items; undefined when there were none. */
  readonly key: SealingKey | undefined;
}

interface Blob {
  readonly name: string;
  readonly rsaPart: Buffer;
  readonly aesPart: Buffer;
}

function parseBlobs(items: Readonly<Record<string, string>>): Blob[] {
  const blobs: Blob[] = [];
  for (const name of Object.keys(items).sort()) {
    try {
      const { rsaPart, aesPart } = splitBlob(decodeBase64Std(items[name] ?? ''));
      blobs.push({ name, rsaPart, aesPart });
    } catch (err) {
      if (!isCryptoError(err)) throw err;
      throw new UnsealError('InvalidData', `item "${name}": ${err.message}`);
    }
  }
  return blobs;
}

/**
 * Decrypts every item; any failure fails the whole unseal (as Bitnami: no partial Secret).
 *
 * @throws UnsealError with a specific message: invalid base64 or a truncated blob
 *   (`InvalidData`), no key opens an item (`DecryptFailed`, naming the scope), a key opened the
 *   session key but AES-GCM authentication failed (`Tampered`), or no key is loaded (`NoKeys`).
 */
export async function unsealItems(input: UnsealInput): Promise<Unsealed> {
  const blobs = parseBlobs(input.items);
  if (blobs.length === 0) return { values: new Map(), key: undefined };
  if (input.ring.size() === 0) {
    throw new UnsealError('NoKeys', 'no sealing key is loaded yet');
  }
  const order = input.ring.ordered(...(input.hints ?? []));
  const [first, ...others] = blobs as [Blob, ...Blob[]];
  const opened = await openBlob(input, first, order);
  // The winner goes first for the rest; they are independent, so they run in parallel.
  const rest = [opened.key, ...order.filter((k) => k !== opened.key)];
  const more = await Promise.all(others.map((b) => openBlob(input, b, rest)));
  const values = new Map<string, Buffer>([[first.name, opened.plaintext]]);
  others.forEach((b, i) => values.set(b.name, (more[i] as Opened).plaintext));
  return { values, key: opened.key };
}

interface Opened {
  readonly key: SealingKey;
  readonly plaintext: Buffer;
}

async function openBlob(input: UnsealInput, blob: Blob, order: SealingKey[]): Promise<Opened> {
  for (const key of order) {
    const sessionKey = await input.decryptor.decrypt(key, blob.rsaPart, input.label);
    if (sessionKey === undefined) continue;
    try {
      return { key, plaintext: decryptBody(sessionKey, blob.aesPart) };
    } catch (err) {
      if (!isCryptoError(err)) throw err;
      // OAEP opening under a wrong key is negligible: a GCM failure here means the ciphertext
      // or the tag was modified.
      throw new UnsealError(
        'Tampered',
        `item "${blob.name}" was modified: key ${key.secretName} opens its session key but ` +
          `the AES-GCM authentication failed (${err.message})`,
      );
    }
  }
  throw new UnsealError(
    'DecryptFailed',
    `no key could decrypt item "${blob.name}" (tried ${order.length} key${order.length === 1 ? '' : 's'}) ` +
      `under the ${input.scope}: it was sealed for another namespace, name or scope, with a key ` +
      'this controller does not have, or its RSA part was modified',
  );
}
