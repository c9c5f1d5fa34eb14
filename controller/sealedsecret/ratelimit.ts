/**
 * GCRA (generic cell rate algorithm) per client, as Bitnami limits `/v1/verify` and
 * `/v1/rotate` (`--rate-limit` 2/s, `--rate-limit-burst` 2): each answer costs RSA work, so an
 * unlimited endpoint is a CPU denial of service (#1971) and a faster oracle.
 */

/** Options for {@link GcraLimiter}. */
export interface GcraOptions {
  /** Sustained requests per second per key. */
  readonly ratePerSecond: number;
  /** Requests allowed at once. */
  readonly burst: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Keys kept before idle ones are swept. @default 10_000 */
  readonly maxKeys?: number;
}

/** A per-key GCRA limiter; memory is bounded by sweeping keys whose bucket is full again. */
export class GcraLimiter {
  private readonly tat = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(opts: GcraOptions) {
    if (!(opts.ratePerSecond > 0) || !(opts.burst >= 1)) {
      throw new Error('rate limit needs a positive rate and a burst of at least 1');
    }
    this.intervalMs = 1000 / opts.ratePerSecond;
    this.toleranceMs = this.intervalMs * (opts.burst - 1);
    this.now = opts.now ?? Date.now;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Takes one request for `key`; false when it must be refused (429). */
  allow(key: string): boolean {
    const now = this.now();
    const tat = Math.max(this.tat.get(key) ?? now, now);
    if (tat - now > this.toleranceMs) return false;
    if (this.tat.size >= this.maxKeys && !this.tat.has(key)) this.sweep(now);
    this.tat.set(key, tat + this.intervalMs);
    return true;
  }

  private sweep(now: number): void {
    for (const [k, t] of this.tat) if (t <= now) this.tat.delete(k);
  }
}
