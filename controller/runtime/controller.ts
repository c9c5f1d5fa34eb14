import { randomUUID } from 'node:crypto';
import { createRealClock, type Clock } from './clock.js';
import { isTerminalError } from './errors.js';
import type { EventSource } from './informer.js';
import { reconcileLogger, silentLogger, type Logger } from './logging.js';
import { workQueueMetrics, type RuntimeMetrics } from './metrics.js';
import { objectKey, type DeepReadonly, type KubeObject } from './objects.js';
import type { RateLimiter } from './ratelimiter.js';
import { WorkQueue } from './workqueue.js';

export { TerminalError, isTerminalError } from './errors.js';

/**
 * What a reconcile asks for next. An empty result means "done until something changes";
 * `requeueAfterMs` means "look again later" (waiting for something, or a drift-check interval).
 * There is deliberately no `requeue: true`: retries with backoff are what a thrown error is for
 * (controller-runtime deprecated `Requeue` for the same reason).
 */
export interface Result {
  readonly requeueAfterMs?: number;
}

/** Per-reconcile context. */
export interface ReconcileContext {
  /** Logger bound to `{controller, key, reconcileID}`. */
  readonly log: Logger;
  readonly reconcileID: string;
  /** Aborted when the controller stops (e.g. leadership lost): long waits should end early. */
  readonly signal: AbortSignal;
}

/**
 * A level-based reconcile of one key. Reads the cache, computes, writes the difference. Resolve
 * (optionally with {@link Result}) on success; throw to retry with backoff; throw
 * {@link TerminalError} for failures retrying cannot fix.
 */
export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<Result | void>;

/** Options for {@link Controller.watch}. */
export interface WatchOptions<T extends KubeObject> {
  /**
   * Maps an object to the keys to enqueue, e.g. a Namespace to its owning Tenant's key.
   * @default the object's own key (for the primary resource)
   */
  readonly map?: (obj: DeepReadonly<T>) => readonly string[];
}

/** A source the controller can replay on start: events plus the current cache contents. */
export interface WatchedSource<T extends KubeObject> extends EventSource<T> {
  list(): DeepReadonly<T>[];
}

/** Options for {@link Controller}. */
export interface ControllerOptions {
  /** Controller name: metric label and log field, e.g. `tenant`. */
  readonly name: string;
  readonly reconcile: Reconciler;
  /** Concurrent reconciles (different keys; one key never runs twice at once). @default 1 */
  readonly workers?: number;
  readonly metrics?: RuntimeMetrics;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** @default per-key exponential 5 ms → 1000 s */
  readonly rateLimiter?: RateLimiter;
}

interface Watched {
  readonly source: WatchedSource<KubeObject>;
  readonly keysOf: (obj: DeepReadonly<KubeObject>) => readonly string[];
}

/**
 * Wires informers → key-enqueuing handlers → a {@link WorkQueue} → N workers calling the
 * reconciler, with controller-runtime's result handling and metrics.
 *
 * The controller does not start informers (several controllers and the webhooks share them, and
 * they run on every replica); {@link Controller.start} waits until every watched source has
 * synced, enqueues every object it knows, then starts workers. It can be stopped and started
 * again (leadership lost and regained): each start gets a fresh queue.
 */
export class Controller {
  readonly name: string;
  private readonly opts: ControllerOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly watched: Watched[] = [];
  private current: WorkQueue | undefined;
  private running: { readonly abort: AbortController; workers: Promise<void>[] } | undefined;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.opts = opts;
    this.clock = opts.clock ?? createRealClock();
    this.log = (opts.logger ?? silentLogger()).child({ controller: opts.name });
  }

  /**
   * Enqueues keys for every change and delete in `source`. Handlers only enqueue; they never see
   * what kind of event happened (level-based reconciling).
   */
  watch<T extends KubeObject>(source: WatchedSource<T>, opts: WatchOptions<T> = {}): this {
    const keysOf = (opts.map ?? ((obj: DeepReadonly<T>) => [objectKey(obj)])) as (
      obj: DeepReadonly<KubeObject>,
    ) => readonly string[];
    const enqueueAll = (obj: DeepReadonly<KubeObject>): void => {
      for (const key of keysOf(obj)) {
        this.enqueue(key);
      }
    };
    source.addEventHandler({ onChange: enqueueAll, onDelete: enqueueAll });
    this.watched.push({ source, keysOf });
    return this;
  }

  /** Enqueues `key` (ignored while stopped; reconciles are level-based and start replays all). */
  enqueue(key: string): void {
    this.current?.add(key);
  }

  /** The queue of the current run (for tests and diagnostics). */
  queue(): WorkQueue | undefined {
    return this.current;
  }

  /** True between a completed {@link Controller.start} and {@link Controller.stop}. */
  isRunning(): boolean {
    return this.running !== undefined && this.current !== undefined;
  }

  /**
   * Waits for every watched source to sync, enqueues every cached object, then starts the
   * workers. Resolves once workers run, or early (without starting) if {@link Controller.stop}
   * is called meanwhile.
   */
  async start(): Promise<void> {
    if (this.running !== undefined) {
      return;
    }
    const abort = new AbortController();
    const run = { abort, workers: [] as Promise<void>[] };
    this.running = run;
    try {
      await Promise.all(this.watched.map((w) => w.source.waitForSync(abort.signal)));
    } catch (err) {
      if (abort.signal.aborted) {
        return;
      }
      this.running = undefined;
      throw err;
    }
    if (abort.signal.aborted) {
      return;
    }
    this.current = this.newQueue();
    for (const w of this.watched) {
      w.source.list().forEach((obj) => w.keysOf(obj).forEach((key) => this.enqueue(key)));
    }
    const workers = Math.max(1, this.opts.workers ?? 1);
    this.opts.metrics?.maxConcurrentReconciles.set({ controller: this.name }, workers);
    for (let i = 0; i < workers; i++) {
      run.workers.push(this.worker(this.current, abort.signal));
    }
    this.log.info({ workers }, 'Starting workers');
  }

  /** Stops handing out keys, aborts the context signal, and waits for in-flight reconciles. */
  async stop(): Promise<void> {
    const run = this.running;
    if (run === undefined) {
      return;
    }
    this.log.info('Stopping workers');
    run.abort.abort();
    this.current?.shutDown();
    await Promise.all(run.workers);
    this.current = undefined;
    this.running = undefined;
  }

  private newQueue(): WorkQueue {
    const metrics = this.opts.metrics;
    return new WorkQueue({
      clock: this.clock,
      ...(this.opts.rateLimiter !== undefined ? { rateLimiter: this.opts.rateLimiter } : {}),
      ...(metrics !== undefined ? { metrics: workQueueMetrics(metrics, this.name) } : {}),
    });
  }

  private async worker(queue: WorkQueue, signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) {
        return;
      }
      try {
        await this.reconcileOne(queue, key, signal);
      } finally {
        queue.done(key);
      }
    }
  }

  private async reconcileOne(queue: WorkQueue, key: string, signal: AbortSignal): Promise<void> {
    const reconcileID = randomUUID();
    const log = reconcileLogger(this.opts.logger ?? silentLogger(), {
      controller: this.name,
      key,
      reconcileID,
    });
    const labels = { controller: this.name };
    const metrics = this.opts.metrics;
    const started = this.clock.now();
    metrics?.activeWorkers.inc(labels);
    let result: string;
    try {
      const res = await this.opts.reconcile(key, { log, reconcileID, signal });
      result = this.handleResult(queue, key, res ?? {});
    } catch (err) {
      result = 'error';
      this.handleError(queue, key, err, log);
    } finally {
      metrics?.activeWorkers.dec(labels);
      metrics?.reconcileTime.observe(labels, (this.clock.now() - started) / 1000);
    }
    metrics?.reconcileTotal.inc({ controller: this.name, result });
  }

  private handleResult(queue: WorkQueue, key: string, res: Result): string {
    // Success resets the backoff either way; a requested requeue is a plan, not a failure.
    queue.forget(key);
    const after = res.requeueAfterMs;
    if (after !== undefined && after > 0) {
      queue.addAfter(key, after);
      return 'requeue_after';
    }
    return 'success';
  }

  private handleError(queue: WorkQueue, key: string, err: unknown, log: Logger): void {
    const metrics = this.opts.metrics;
    metrics?.reconcileErrors.inc({ controller: this.name });
    if (isTerminalError(err)) {
      metrics?.terminalReconcileErrors.inc({ controller: this.name });
      queue.forget(key);
      log.error({ err }, 'Reconciler error (terminal, not retried)');
      return;
    }
    queue.addRateLimited(key);
    log.error({ err, retries: queue.numRequeues(key) }, 'Reconciler error, retrying with backoff');
  }
}
