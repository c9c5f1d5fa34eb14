/**
 * Backoff arithmetic shared by the workqueue (per-key exponential, no jitter, like client-go's
 * `ItemExponentialFailureRateLimiter`) and by reconnect loops (jittered, like client-go's
 * `wait.Backoff` with `Jitter`).
 */

/** Options for {@link exponentialDelay}. */
export interface ExponentialOptions {
  /** Delay for the first failure (attempt 0), in ms. */
  readonly baseMs: number;
  /** Upper bound, in ms. */
  readonly maxMs: number;
}

/**
 * `baseMs * 2^attempt`, capped at `maxMs`. Safe for any attempt count: the exponent is bounded
 * before it is computed, so a key that failed a million times still gets `maxMs`, not `Infinity`.
 */
export function exponentialDelay(attempt: number, opts: ExponentialOptions): number {
  if (attempt <= 0) {
    return Math.min(opts.baseMs, opts.maxMs);
  }
  // 2^62 * base overflows safe integers long before the cap matters, so stop doubling early.
  const exponent = Math.min(attempt, 62);
  const delay = opts.baseMs * 2 ** exponent;
  return Number.isFinite(delay) ? Math.min(delay, opts.maxMs) : opts.maxMs;
}

/** Options for {@link jitteredDelay}. */
export interface JitterOptions extends ExponentialOptions {
  /** Fraction of the delay added at random: 0.5 → delay × [1, 1.5). @default 0.5 */
  readonly jitter?: number;
  /** Random source in [0, 1), injectable for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * Exponential delay plus random jitter, so many replicas (or many informers in one process)
 * reconnecting after the same apiserver blip do not retry in lock-step.
 */
export function jitteredDelay(attempt: number, opts: JitterOptions): number {
  const base = exponentialDelay(attempt, opts);
  const random = opts.random ?? Math.random;
  const jitter = opts.jitter ?? 0.5;
  return Math.round(base * (1 + jitter * random()));
}

/** A random duration in [minMs, maxMs), e.g. client-go's 5–10 min watch timeout. */
export function randomBetween(
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return Math.floor(minMs + (maxMs - minMs) * random());
}
