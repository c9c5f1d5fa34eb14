/**
 * Test doubles for the runtime's own seams (ListWatcher, EventSource). They stand in for the
 * apiserver only in pure-logic unit tests; behaviour against a real server is covered by
 * test/integration/runtime.
 */
import type { EventHandler } from '../../../controller/runtime/informer.js';
import type {
  ListResult,
  ListWatcher,
  WatchCallbacks,
} from '../../../controller/runtime/listwatch.js';
import type { DeepReadonly, KubeObject } from '../../../controller/runtime/objects.js';

/** Lets pending promise callbacks (several hops deep) run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function cm(name: string, rv: string, data: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns', resourceVersion: rv },
    data,
  };
}

export interface OpenWatch {
  readonly resourceVersion: string;
  readonly callbacks: WatchCallbacks;
  aborted: boolean;
}

/** A scripted ListWatcher: set `items`/`resourceVersion` for the next LIST, drive open watches. */
export class FakeListWatcher implements ListWatcher {
  items: KubeObject[] = [];
  resourceVersion = '1';
  listCalls = 0;
  /** If set, the next LIST fails with it (then it is cleared). */
  listError: Error | undefined;
  readonly watches: OpenWatch[] = [];

  list(): Promise<ListResult> {
    this.listCalls++;
    if (this.listError !== undefined) {
      const err = this.listError;
      this.listError = undefined;
      return Promise.reject(err);
    }
    return Promise.resolve({ items: [...this.items], resourceVersion: this.resourceVersion });
  }

  watch(resourceVersion: string, callbacks: WatchCallbacks): Promise<() => void> {
    const w: OpenWatch = { resourceVersion, callbacks, aborted: false };
    this.watches.push(w);
    return Promise.resolve(() => {
      w.aborted = true;
    });
  }

  /** The most recent watch. */
  current(): OpenWatch {
    const w = this.watches[this.watches.length - 1];
    if (w === undefined) {
      throw new Error('no watch opened');
    }
    return w;
  }
}

/** A minimal event source for controller tests: a map of objects plus handlers. */
export class FakeSource<T extends KubeObject = KubeObject> {
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly objects = new Map<string, DeepReadonly<T>>();
  private synced = false;
  private waiters: (() => void)[] = [];

  addEventHandler(h: EventHandler<T>): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  }

  list(): DeepReadonly<T>[] {
    return [...this.objects.values()];
  }

  sync(): void {
    this.synced = true;
    this.waiters.splice(0).forEach((w) => w());
  }

  /** Stores an object and fires onChange, as an informer would. */
  change(key: string, obj: DeepReadonly<T>): void {
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    this.handlers.forEach((h) => h.onChange?.(obj, old));
  }
}
