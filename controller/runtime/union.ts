/**
 * One cache over several namespaced informers of the same kind, for controllers that may only
 * read some namespaces (Bitnami's `--additional-namespaces`: RBAC granted by Roles, not a
 * ClusterRole). Reads go to the informer of the key's namespace; handlers see every informer's
 * events; it has synced when all of them have.
 */
import type { WatchedSource } from './controller.js';
import type { EventHandler } from './informer.js';
import type { DeepReadonly, KubeObject } from './objects.js';
import { splitKey } from './objects.js';
import type { CacheReader } from './store.js';

/** What a union needs from each member (an {@link Informer} has it). */
export type NamespacedMember<T extends KubeObject> = WatchedSource<T> & CacheReader<T>;

/** A read-only cache and event source over one informer per namespace. */
export class NamespaceUnion<T extends KubeObject> implements WatchedSource<T>, CacheReader<T> {
  private readonly byNamespace: ReadonlyMap<string, NamespacedMember<T>>;

  /** @param members namespace → the informer of that namespace's objects */
  constructor(members: ReadonlyMap<string, NamespacedMember<T>>) {
    this.byNamespace = members;
  }

  get(key: string): DeepReadonly<T> | undefined {
    const { namespace } = splitKey(key);
    return namespace === undefined ? undefined : this.byNamespace.get(namespace)?.get(key);
  }

  list(namespace?: string): DeepReadonly<T>[] {
    if (namespace !== undefined) return this.byNamespace.get(namespace)?.list(namespace) ?? [];
    return [...this.byNamespace.values()].flatMap((m) => m.list());
  }

  byIndex(indexName: string, value: string): DeepReadonly<T>[] {
    return [...this.byNamespace.values()].flatMap((m) => m.byIndex(indexName, value));
  }

  keys(): string[] {
    return [...this.byNamespace.values()].flatMap((m) => m.keys());
  }

  size(): number {
    return [...this.byNamespace.values()].reduce((n, m) => n + m.size(), 0);
  }

  addEventHandler(handler: EventHandler<T>): () => void {
    const removers = [...this.byNamespace.values()].map((m) => m.addEventHandler(handler));
    return () => removers.forEach((remove) => remove());
  }

  hasSynced(): boolean {
    return [...this.byNamespace.values()].every((m) => m.hasSynced());
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.byNamespace.values()].map((m) => m.waitForSync(signal)));
  }
}
