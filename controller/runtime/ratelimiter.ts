import { exponentialDelay } from './backoff.js';

/**
 * Decides how long a failing key waits before it is retried. Mirrors client-go's
 * `workqueue.TypedRateLimiter`.
 */
export interface RateLimiter {
  /** Records one more failure of `key` and returns the delay before its retry, in ms. */
  when(key: string): number;
  /** Forgets the failure history of `key` (call after a successful reconcile). */
  forget(key: string): void;
  /** How many failures of `key` have been recorded since the last {@link RateLimiter.forget}. */
  numRequeues(key: string): number;
}

/** Options for {@link ExponentialRateLimiter}. */
export interface ExponentialRateLimiterOptions {
  /** Delay after the first failure, in ms. @default 5 */
  readonly baseMs?: number;
  /** Cap, in ms. A key is never dropped: it keeps retrying at this interval. @default 1_000_000 */
  readonly maxMs?: number;
}

/**
 * Per-key exponential backoff: 5 ms, 10 ms, 20 ms, … capped at 1000 s (client-go's
 * `DefaultItemBasedRateLimiter` defaults).
 *
 * Unlike sealed-secrets' `maxRetries`, a key is never given up on: level-based reconciles heal
 * once the cause is fixed, and dropping a key would leave drift nothing repairs.
 */
export class ExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(opts: ExponentialRateLimiterOptions = {}) {
    this.baseMs = opts.baseMs ?? 5;
    this.maxMs = opts.maxMs ?? 1_000_000;
  }

  when(key: string): number {
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    return exponentialDelay(attempt, { baseMs: this.baseMs, maxMs: this.maxMs });
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
