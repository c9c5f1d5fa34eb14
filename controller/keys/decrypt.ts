/**
 * The RSA half of unsealing, off the event loop. A 4096-bit RSA private operation costs ~3.6 ms
 * of CPU (performance.md §7); done synchronously, 200 of them delay probes and HTTP answers by
 * tens of milliseconds. WebCrypto runs each one as a job on libuv's thread pool, so the event
 * loop stays free and two cores work in parallel.
 */
import { webcrypto, type KeyObject } from 'node:crypto';
import type { SealingKey } from './secret.js';

type CryptoKey = webcrypto.CryptoKey;

/** Options for {@link SessionKeyDecryptor}. */
export interface SessionKeyDecryptorOptions {
  /** Called once per RSA private-key operation, successful or not (metrics, tests). */
  readonly onRsaOperation?: () => void;
}

/**
 * Decrypts RSA-OAEP(SHA-256) session keys with a sealing key. Every attempt — including one with
 * the wrong key, which costs as much as the right one — is counted.
 */
export class SessionKeyDecryptor {
  private readonly cryptoKeys = new WeakMap<KeyObject, Promise<CryptoKey>>();
  private operations = 0;

  constructor(private readonly opts: SessionKeyDecryptorOptions = {}) {}

  /** RSA private operations so far. */
  count(): number {
    return this.operations;
  }

  /**
   * The session key, or `undefined` when OAEP rejects the ciphertext: wrong key, wrong label
   * (scope) or a modified RSA part — OAEP cannot tell these apart.
   */
  async decrypt(
    key: SealingKey,
    rsaPart: Uint8Array,
    label: Uint8Array,
  ): Promise<Buffer | undefined> {
    const cryptoKey = await this.cryptoKey(key.privateKey);
    this.operations++;
    this.opts.onRsaOperation?.();
    try {
      const plain = await webcrypto.subtle.decrypt({ name: 'RSA-OAEP', label }, cryptoKey, rsaPart);
      return Buffer.from(plain);
    } catch (err) {
      // WebCrypto reports every OAEP failure as OperationError; anything else is a bug.
      if (err instanceof Error && err.name === 'OperationError') return undefined;
      throw err;
    }
  }

  private cryptoKey(privateKey: KeyObject): Promise<CryptoKey> {
    let p = this.cryptoKeys.get(privateKey);
    if (p === undefined) {
      const der = privateKey.export({ type: 'pkcs8', format: 'der' });
      p = webcrypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, [
        'decrypt',
      ]);
      this.cryptoKeys.set(privateKey, p);
    }
    return p;
  }
}
