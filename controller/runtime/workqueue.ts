import { createRealClock, type Clock, type TimerHandle } from './clock.js';
import { ExponentialRateLimiter, type RateLimiter } from './ratelimiter.js';

/**
 * Hooks the queue calls so metrics stay out of the queue logic (wired to `workqueue_*` series by
 * {@link ../controller.Controller}).
 */
export interface WorkQueueMetrics {
  /** The number of keys ready to be handed out changed to `n`. */
  depth(n: number): void;
  /** A key entered the queue. Adds absorbed by de-duplication are not counted (client-go semantics). */
  add(): void;
  /** {@link WorkQueue.addRateLimited} was called. */
  retry(): void;
}

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** @default the process clock */
  readonly clock?: Clock;
  /** @default ExponentialRateLimiter (5 ms → 1000 s per key) */
  readonly rateLimiter?: RateLimiter;
  /** @default no metrics */
  readonly metrics?: WorkQueueMetrics;
}

interface Delayed {
  readonly readyAt: number;
  readonly handle: TimerHandle;
}

/**
 * A keyed, de-duplicating, rate-limited work queue with client-go semantics
 * (k8s.io/client-go/util/workqueue):
 *
 * - a key waiting in the queue is stored once, however often it is added (dirty set);
 * - a key handed out by {@link WorkQueue.get} is "processing" until {@link WorkQueue.done}; it is
 *   never handed out twice at once. Adding it meanwhile marks it dirty, and `done` re-queues it,
 *   so the change that arrived during processing is processed after;
 * - {@link WorkQueue.addAfter} keeps only the earliest pending delay per key;
 * - {@link WorkQueue.addRateLimited} delays by the per-key backoff; {@link WorkQueue.forget}
 *   resets it.
 *
 * Keys are opaque strings (`namespace/name` or `name` by convention).
 */
export class WorkQueue {
  // A Set is a FIFO with O(1) membership: insertion order is iteration order, and the dirty-set
  // rule guarantees a key is never queued twice, so no duplicates need a list.
  private readonly queue = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, Delayed>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics | undefined;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? createRealClock();
    this.rateLimiter = opts.rateLimiter ?? new ExponentialRateLimiter();
    this.metrics = opts.metrics;
  }

  /** Marks `key` as needing processing. No-op after {@link WorkQueue.shutDown}. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) {
      return;
    }
    this.dirty.add(key);
    this.metrics?.add();
    // Processing keys are re-queued by done(); queuing them now would let two workers hold it.
    if (this.processing.has(key)) {
      return;
    }
    this.queue.add(key);
    this.dispatch();
  }

  /**
   * Adds `key` after `ms`. If the key already waits for an earlier time, the earlier one wins; a
   * later one replaces it only if it is sooner. `ms <= 0` adds immediately.
   */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) {
      return;
    }
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing !== undefined) {
      if (existing.readyAt <= readyAt) {
        return;
      }
      this.clock.clearTimeout(existing.handle);
    }
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { readyAt, handle });
  }

  /** Adds `key` after its next backoff interval (the failure count of `key` grows by one). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) {
      return;
    }
    this.metrics?.retry();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the backoff of `key`. Does not remove a pending add. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** Failures recorded for `key` since the last {@link WorkQueue.forget}. */
  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * Resolves with the next key to process, waiting if none is ready; resolves `undefined` once the
   * queue is shut down. The caller must call {@link WorkQueue.done} with the key afterwards.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) {
      return Promise.resolve(undefined);
    }
    const key = this.pop();
    if (key !== undefined) {
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends processing of `key`; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (!this.shuttingDown && this.dirty.has(key)) {
      this.queue.add(key);
      this.dispatch();
    }
    if (this.processing.size === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  /** Keys ready to be handed out (excludes delayed and processing keys). */
  len(): number {
    return this.queue.size;
  }

  /** Keys waiting for a delayed add. */
  delayedLen(): number {
    return this.delayed.size;
  }

  /** True between {@link WorkQueue.get} and {@link WorkQueue.done} for `key`. */
  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /**
   * Stops the queue: pending `get()` calls resolve `undefined`, delayed adds are cancelled (no
   * timer survives), further adds are ignored. Queued keys are dropped rather than drained:
   * reconciles are level-based, so the next start (or the next leader) rediscovers them from its
   * initial list. Keys being processed may still call {@link WorkQueue.done}.
   */
  shutDown(): void {
    if (this.shuttingDown) {
      return;
    }
    this.shuttingDown = true;
    for (const d of this.delayed.values()) {
      this.clock.clearTimeout(d.handle);
    }
    this.delayed.clear();
    this.queue.clear();
    this.dirty.clear();
    this.metrics?.depth(0);
    this.waiters.splice(0).forEach((w) => w(undefined));
  }

  /** True after {@link WorkQueue.shutDown}. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Resolves once no key is being processed (use after {@link WorkQueue.shutDown} for a graceful stop). */
  drain(): Promise<void> {
    if (this.processing.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private pop(): string | undefined {
    const first = this.queue.values().next();
    if (first.done === true) {
      return undefined;
    }
    const key = first.value;
    this.queue.delete(key);
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics?.depth(this.queue.size);
    return key;
  }

  private dispatch(): void {
    while (this.waiters.length > 0 && this.queue.size > 0) {
      const waiter = this.waiters.shift();
      const key = this.pop();
      if (waiter !== undefined && key !== undefined) {
        waiter(key);
      }
    }
    this.metrics?.depth(this.queue.size);
  }
}
