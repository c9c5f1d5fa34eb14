import { jitteredDelay, randomBetween } from './backoff.js';
import { createRealClock, sleep, type Clock, type TimerHandle } from './clock.js';
import { isGone, type KubeClient } from './kube.js';
import { apiListWatcher, type ListWatcher } from './listwatch.js';
import { silentLogger, type Logger } from './logging.js';
import {
  deepFreeze,
  objectKey,
  stripForCache,
  type DeepReadonly,
  type KubeObject,
} from './objects.js';
import { ObjectStore, type CacheReader, type IndexFunc } from './store.js';

/**
 * Reactions to cache changes. Consumers use them **only to enqueue keys**: the reconcile reads
 * the cache itself, so a missed or coalesced event is harmless (level-based).
 */
export interface EventHandler<T extends KubeObject> {
  /** Added or changed (a new resourceVersion). `old` is absent for objects new to the cache. */
  onChange?(obj: DeepReadonly<T>, old?: DeepReadonly<T>): void;
  /** Removed: the last cached state. */
  onDelete?(obj: DeepReadonly<T>): void;
}

/** What a controller needs from an event source: handlers and a sync signal. */
export interface EventSource<T extends KubeObject = KubeObject> {
  /** Registers `handler`; returns a function that unregisters it. */
  addEventHandler(handler: EventHandler<T>): () => void;
  /** True once the initial LIST is in the cache. */
  hasSynced(): boolean;
  /** Resolves once synced. @throws Error if the informer stops (or `signal` aborts) first */
  waitForSync(signal?: AbortSignal): Promise<void>;
}

/** Options for {@link Informer}. */
export interface InformerOptions<T extends KubeObject> {
  /** LIST/WATCH implementation; see {@link createInformer} for the API-backed one. */
  readonly listWatcher: ListWatcher;
  /** Name for logs, e.g. `namespaces`. */
  readonly name: string;
  /**
   * Reduces what is cached (e.g. a Secret informer keeping only metadata and the keys it needs).
   * Runs after `managedFields` and the last-applied annotation are stripped, before freezing;
   * it must not mutate its input and must keep `metadata.name`, `namespace` and
   * `resourceVersion` (the key and the de-duplication use them).
   */
  readonly transform?: (obj: T) => T;
  /** Keep the last-applied annotation in the cache (see {@link stripForCache}). @default false */
  readonly keepLastApplied?: boolean;
  /** Client-side watch timeout range (client-go: random 5–10 min). @default {minMs: 300_000, maxMs: 600_000} */
  readonly watchTimeout?: { readonly minMs: number; readonly maxMs: number };
  /** Reconnect backoff after errors. @default {baseMs: 500, maxMs: 30_000} (jittered) */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly clock?: Clock;
  /** Random source in [0, 1). @default Math.random */
  readonly random?: () => number;
  readonly logger?: Logger;
}

/** A watch that ended this quickly with no event is treated as a failure (client-node #1933). */
const MIN_HEALTHY_WATCH_MS = 1000;

type WatchOutcome =
  | { readonly kind: 'timeout' | 'stopped' | 'gone' }
  | { readonly kind: 'closed'; readonly healthy: boolean }
  | { readonly kind: 'error'; readonly error: unknown };

/**
 * A list + watch cache of one collection, with the reliability client-node's informer lacks:
 *
 * - initial LIST, then WATCH from its resourceVersion with bookmarks;
 * - a client-side watch timeout (random 5–10 min), then re-watch from the last resourceVersion —
 *   this also recovers silently stalled connections;
 * - relist on 410 Gone (HTTP status or in-stream ERROR), diffing against the cache so vanished
 *   objects produce `onDelete` and unchanged ones produce nothing;
 * - jittered exponential reconnect on any other error, forever (client-node's informer stops);
 * - an update carrying the cached resourceVersion is not an event;
 * - objects are stripped of `managedFields`/last-applied, optionally transformed, and deep-frozen
 *   before they enter the cache.
 *
 * The informer starts only when {@link Informer.start} is called; {@link Informer.stop} leaves no
 * timer or socket behind.
 */
export class Informer<T extends KubeObject = KubeObject> implements EventSource<T>, CacheReader<T> {
  private readonly store = new ObjectStore<T>();
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly opts: InformerOptions<T>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Logger;
  private synced = false;
  private syncWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private lastResourceVersion = '';
  private needsList = true;
  private lastEventAt: number;
  private stopController: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private endWatch: ((outcome: WatchOutcome) => void) | undefined;
  private pendingWatch: Promise<void> | undefined;

  constructor(opts: InformerOptions<T>) {
    this.opts = opts;
    this.clock = opts.clock ?? createRealClock();
    this.random = opts.random ?? Math.random;
    this.log = (opts.logger ?? silentLogger()).child({ informer: opts.name });
    this.lastEventAt = this.clock.now();
  }

  // ---- cache (read-only) ----

  get(key: string): DeepReadonly<T> | undefined {
    return this.store.get(key);
  }

  list(namespace?: string): DeepReadonly<T>[] {
    return this.store.list(namespace);
  }

  byIndex(indexName: string, value: string): DeepReadonly<T>[] {
    return this.store.byIndex(indexName, value);
  }

  keys(): string[] {
    return this.store.keys();
  }

  size(): number {
    return this.store.size();
  }

  /** Adds a secondary index (see {@link ObjectStore.addIndex}); best done before start(). */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.store.addIndex(name, fn);
  }

  // ---- events and health ----

  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) {
      return Promise.resolve();
    }
    if (signal?.aborted === true) {
      return Promise.reject(
        new Error(`Waiting for informer ${this.opts.name} to sync was aborted`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this.syncWaiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
          reject(new Error(`Waiting for informer ${this.opts.name} to sync was aborted`));
        },
        { once: true },
      );
    });
  }

  /**
   * Milliseconds since the last sign of life from the server: a LIST, a watch event or a
   * bookmark. A value far above the watch timeout means the informer is stuck — a liveness signal.
   */
  lastEventAge(): number {
    return this.clock.now() - this.lastEventAt;
  }

  /** The resourceVersion the next watch would start from. */
  resourceVersion(): string {
    return this.lastResourceVersion;
  }

  // ---- lifecycle ----

  /** Starts list + watch in the background. Idempotent while running. */
  start(): void {
    if (this.loop !== undefined) {
      return;
    }
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    this.loop = this.run(signal).catch((err: unknown) => {
      // run() handles every error itself; reaching here is a bug worth shouting about.
      this.log.error({ err }, 'Informer loop crashed');
    });
  }

  /** Stops watching and waits for the loop to exit. Pending {@link waitForSync} calls reject. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (loop === undefined || this.stopController === undefined) {
      return;
    }
    this.stopController.abort();
    this.endWatch?.({ kind: 'stopped' });
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    waiters.forEach((w) => w.reject(new Error(`Informer ${this.opts.name} stopped`)));
    await loop;
    // A watch request still connecting is aborted as soon as it resolves; wait briefly for that
    // so no socket outlives stop(), but never hang on a connect that does not return.
    if (this.pendingWatch !== undefined) {
      const grace = new AbortController();
      await Promise.race([this.pendingWatch, sleep(this.clock, 1000, grace.signal)]);
      grace.abort();
      this.pendingWatch = undefined;
    }
    this.loop = undefined;
    this.stopController = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        if (this.needsList) {
          await this.relist(signal);
        }
        const outcome = await this.watchOnce(signal);
        attempt = this.afterWatch(outcome, attempt);
        if (attempt > 0) {
          await this.backoff(attempt - 1, signal);
        }
      } catch (err) {
        if (signal.aborted) {
          break;
        }
        // A failed LIST (a 410 for an expired continue token included) leaves needsList set,
        // so the retry relists from scratch; backing off even then means no error can spin.
        this.log.warn({ err, attempt }, 'List or watch failed, retrying');
        await this.backoff(attempt++, signal);
      }
    }
  }

  /** Decides what follows a watch; returns the next backoff attempt (0 = go again now). */
  private afterWatch(outcome: WatchOutcome, attempt: number): number {
    switch (outcome.kind) {
      case 'stopped':
      case 'timeout':
        return 0;
      case 'gone':
        this.log.info('Watch expired (410), relisting');
        this.needsList = true;
        return 0;
      case 'closed':
        return outcome.healthy ? 0 : attempt + 1;
      case 'error':
        if (isGone(outcome.error)) {
          this.needsList = true;
          return 0;
        }
        this.log.warn({ err: outcome.error, attempt }, 'Watch failed, reconnecting');
        return attempt + 1;
    }
  }

  private async backoff(attempt: number, signal: AbortSignal): Promise<void> {
    const { baseMs, maxMs } = this.opts.backoff ?? { baseMs: 500, maxMs: 30_000 };
    await sleep(this.clock, jitteredDelay(attempt, { baseMs, maxMs, random: this.random }), signal);
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const result = await this.opts.listWatcher.list(signal);
    if (signal.aborted) {
      return;
    }
    const seen = new Set<string>();
    for (const raw of result.items) {
      const key = objectKey(raw);
      seen.add(key);
      this.upsert(key, raw);
    }
    for (const key of this.store.keys()) {
      if (!seen.has(key)) {
        const old = this.store.remove(key);
        if (old !== undefined) {
          this.emitDelete(old);
        }
      }
    }
    this.lastResourceVersion = result.resourceVersion;
    this.needsList = false;
    this.lastEventAt = this.clock.now();
    this.markSynced();
  }

  private watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    const { minMs, maxMs } = this.opts.watchTimeout ?? { minMs: 300_000, maxMs: 600_000 };
    const started = this.clock.now();
    let events = 0;
    let abortWatch: (() => void) | undefined;
    let timer: TimerHandle | undefined;
    let ended = false;
    return new Promise<WatchOutcome>((resolve) => {
      const finish = (outcome: WatchOutcome): void => {
        if (ended) {
          return;
        }
        ended = true;
        this.endWatch = undefined;
        if (timer !== undefined) {
          this.clock.clearTimeout(timer);
        }
        abortWatch?.();
        resolve(outcome);
      };
      if (signal.aborted) {
        finish({ kind: 'stopped' });
        return;
      }
      this.endWatch = finish;
      // The timer starts before the request: client-node's Watch has no connect timeout, so a
      // hung connect is abandoned here too.
      timer = this.clock.setTimeout(
        () => finish({ kind: 'timeout' }),
        randomBetween(minMs, maxMs, this.random),
      );
      this.pendingWatch = this.opts.listWatcher
        .watch(this.lastResourceVersion, {
          onEvent: (type, obj) => {
            if (ended) {
              return;
            }
            events++;
            // client-node's Watch drops exceptions thrown from this callback ("ignore parse
            // errors"), so catch here and end the watch: the retry path then relists or re-watches.
            try {
              const outcome = this.handleWatchEvent(type, obj);
              if (outcome !== undefined) {
                finish(outcome);
              }
            } catch (error) {
              finish({ kind: 'error', error });
            }
          },
          onDone: (err) => {
            if (err === null || err === undefined) {
              const healthy = events > 0 || this.clock.now() - started >= MIN_HEALTHY_WATCH_MS;
              finish({ kind: 'closed', healthy });
            } else {
              finish({ kind: 'error', error: err });
            }
          },
        })
        .then(
          (abort) => {
            abortWatch = abort;
            // Ended (stop, timeout, error) while the request was still connecting: close it now.
            if (ended) {
              abort();
            }
          },
          (err: unknown) => finish({ kind: 'error', error: err }),
        );
    });
  }

  /** Applies one watch event; returns an outcome if the watch must end. */
  private handleWatchEvent(type: string, raw: KubeObject): WatchOutcome | undefined {
    this.lastEventAt = this.clock.now();
    if (type === 'ERROR') {
      const status = raw as { code?: number; message?: string };
      if (status.code === 410) {
        return { kind: 'gone' };
      }
      const error = Object.assign(new Error(`Watch error: ${status.message ?? 'unknown'}`), {
        code: status.code,
      });
      return { kind: 'error', error };
    }
    const rv = raw.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') {
      this.lastResourceVersion = rv;
    }
    if (type === 'BOOKMARK') {
      return undefined;
    }
    const key = objectKey(raw);
    if (type === 'DELETED') {
      const old = this.store.remove(key);
      if (old !== undefined) {
        this.emitDelete(old);
      }
      return undefined;
    }
    this.upsert(key, raw);
    return undefined;
  }

  /**
   * Stores `raw` (prepared: stripped, transformed, frozen) and emits onChange — unless the cached
   * copy has the same resourceVersion, checked first so a repeat costs no copy.
   */
  private upsert(key: string, raw: KubeObject): void {
    const old = this.store.get(key);
    const rv = raw.metadata?.resourceVersion;
    if (old !== undefined && rv !== undefined && old.metadata?.resourceVersion === rv) {
      return;
    }
    const obj = this.prepare(raw);
    this.store.set(key, obj);
    this.emitChange(obj, old);
  }

  private prepare(raw: KubeObject): DeepReadonly<T> {
    const stripped = stripForCache(raw, {
      keepLastApplied: this.opts.keepLastApplied === true,
    }) as T;
    const transformed =
      this.opts.transform !== undefined ? this.opts.transform(stripped) : stripped;
    return deepFreeze(transformed);
  }

  private markSynced(): void {
    if (this.synced) {
      return;
    }
    this.synced = true;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    waiters.forEach((w) => w.resolve());
    this.log.debug({ objects: this.store.size() }, 'Informer synced');
  }

  private emitChange(obj: DeepReadonly<T>, old: DeepReadonly<T> | undefined): void {
    for (const h of this.handlers) {
      this.callHandler(() => h.onChange?.(obj, old));
    }
  }

  private emitDelete(obj: DeepReadonly<T>): void {
    for (const h of this.handlers) {
      this.callHandler(() => h.onDelete?.(obj));
    }
  }

  private callHandler(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // Handlers only enqueue keys; one that throws must not break the cache or other handlers.
      // Logged at error level because it is a bug in the handler, not a cluster condition.
      this.log.error({ err }, 'Informer event handler threw');
    }
  }
}

/** Options for {@link createInformer}: what to watch, plus {@link InformerOptions}. */
export interface CreateInformerOptions<T extends KubeObject> extends Omit<
  InformerOptions<T>,
  'listWatcher' | 'name'
> {
  /** Collection path, e.g. `/api/v1/namespaces` or `/api/v1/namespaces/ns/secrets`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** @default the path */
  readonly name?: string;
}

/** An informer over the API (LIST via {@link KubeClient}, WATCH via client-node's `Watch`). */
export function createInformer<T extends KubeObject = KubeObject>(
  client: KubeClient,
  opts: CreateInformerOptions<T>,
): Informer<T> {
  const { path, labelSelector, fieldSelector, name, ...rest } = opts;
  return new Informer<T>({
    ...rest,
    name: name ?? path,
    listWatcher: apiListWatcher(client, {
      path,
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      ...(fieldSelector !== undefined ? { fieldSelector } : {}),
    }),
  });
}
