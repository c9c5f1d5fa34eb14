/**
 * The RSA half of unsealing, off the event loop. A 4096-bit RSA private operation costs ~6 ms of
 * CPU on the 2-core test machines (160–175/s on one thread, docs/benchmarks.md); done
 * synchronously, 300 of them pushed the event-loop delay p99 to 65–313 ms. WebCrypto runs each one as a job on libuv's thread pool, so the event
 * loop stays free and the cores work in parallel.
 *
 * Parallel only with one key handle per job: Node serialises the jobs on one key behind that
 * key's mutex, so four decryptions in flight with a single CryptoKey ran one at a time, slower
 * than a plain synchronous loop (measured on 2 cores: 146/s against 161/s). Each key is therefore
 * imported once per core, and a job takes the copy with the fewest jobs in flight (297–328/s on
 * 2 cores with a handle per job).
 */
import { availableParallelism } from 'node:os';
import { webcrypto, type KeyObject } from 'node:crypto';
import type { SealingKey } from './secret.js';

type CryptoKey = webcrypto.CryptoKey;

/** Options for {@link SessionKeyDecryptor}. */
export interface SessionKeyDecryptorOptions {
  /** Called once per RSA private-key operation, successful or not (metrics, tests). */
  readonly onRsaOperation?: () => void;
  /**
   * Handles per key, i.e. RSA operations that can run at the same time on one key.
   * @default the number of cores, at most 4 (libuv's default thread pool)
   */
  readonly copies?: number;
}

/** One imported handle of a key and the jobs running on it. */
interface Handle {
  readonly key: Promise<CryptoKey>;
  busy: number;
}

/**
 * Decrypts RSA-OAEP(SHA-256) session keys with a sealing key. Every attempt — including one with
 * the wrong key, which costs as much as the right one — is counted.
 */
export class SessionKeyDecryptor {
  private readonly handles = new WeakMap<KeyObject, Handle[]>();
  private readonly copies: number;
  private operations = 0;

  constructor(private readonly opts: SessionKeyDecryptorOptions = {}) {
    this.copies = Math.max(1, opts.copies ?? Math.min(availableParallelism(), 4));
  }

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
    const handle = this.leastBusy(key.privateKey);
    handle.busy++;
    try {
      const cryptoKey = await handle.key;
      this.operations++;
      this.opts.onRsaOperation?.();
      const plain = await webcrypto.subtle.decrypt({ name: 'RSA-OAEP', label }, cryptoKey, rsaPart);
      return Buffer.from(plain);
    } catch (err) {
      // WebCrypto reports every OAEP failure as OperationError; anything else is a bug.
      if (err instanceof Error && err.name === 'OperationError') return undefined;
      throw err;
    } finally {
      handle.busy--;
    }
  }

  /** The handle of `privateKey` with the fewest jobs in flight (handles made on first use). */
  private leastBusy(privateKey: KeyObject): Handle {
    let handles = this.handles.get(privateKey);
    if (handles === undefined) {
      const der = privateKey.export({ type: 'pkcs8', format: 'der' });
      handles = Array.from({ length: this.copies }, () => ({
        key: webcrypto.subtle.importKey(
          'pkcs8',
          der,
          { name: 'RSA-OAEP', hash: 'SHA-256' },
          false,
          ['decrypt'],
        ),
        busy: 0,
      }));
      this.handles.set(privateKey, handles);
    }
    return handles.reduce((a, b) => (b.busy < a.busy ? b : a));
  }
}
