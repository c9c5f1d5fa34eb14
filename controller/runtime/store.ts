import type { DeepReadonly, KubeObject } from './objects.js';

/** Computes the index values of an object (e.g. its owner UIDs); may return none. */
export type IndexFunc<T> = (obj: DeepReadonly<T>) => readonly string[];

/** The name of the built-in namespace index. */
export const NAMESPACE_INDEX = 'namespace';

/**
 * A read-only view of an informer cache. Everything returned is frozen and shared: **never
 * mutate it** — copy (`structuredClone`) before building a modified version.
 */
export interface CacheReader<T extends KubeObject> {
  /** The object stored under `key` (`namespace/name` or `name`). */
  get(key: string): DeepReadonly<T> | undefined;
  /** All objects, or those in `namespace`. */
  list(namespace?: string): DeepReadonly<T>[];
  /** Objects whose index `indexName` contains `value`. @throws Error for an unknown index */
  byIndex(indexName: string, value: string): DeepReadonly<T>[];
  /** All keys. */
  keys(): string[];
  /** Number of objects. */
  size(): number;
}

/**
 * A keyed object store with secondary indexes (client-go's `ThreadSafeStore` + `Indexers`),
 * the storage behind an informer. Only the informer writes to it.
 */
export class ObjectStore<T extends KubeObject> implements CacheReader<T> {
  private readonly items = new Map<string, DeepReadonly<T>>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndex(NAMESPACE_INDEX, (obj) =>
      obj.metadata?.namespace !== undefined ? [obj.metadata.namespace] : [],
    );
  }

  /**
   * Adds an index, e.g. children by owner UID, so reconcilers find related objects without a
   * scan. Existing objects are indexed immediately.
   *
   * @throws Error if an index of that name exists
   */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) {
      throw new Error(`Index "${name}" already exists`);
    }
    this.indexers.set(name, fn);
    this.indexes.set(name, new Map());
    for (const [key, obj] of this.items) {
      this.indexOne(name, fn, key, obj);
    }
  }

  get(key: string): DeepReadonly<T> | undefined {
    return this.items.get(key);
  }

  list(namespace?: string): DeepReadonly<T>[] {
    return namespace === undefined
      ? [...this.items.values()]
      : this.byIndex(NAMESPACE_INDEX, namespace);
  }

  byIndex(indexName: string, value: string): DeepReadonly<T>[] {
    const index = this.indexes.get(indexName);
    if (index === undefined) {
      throw new Error(`Unknown index "${indexName}"`);
    }
    const out: DeepReadonly<T>[] = [];
    for (const key of index.get(value) ?? []) {
      const obj = this.items.get(key);
      if (obj !== undefined) {
        out.push(obj);
      }
    }
    return out;
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  size(): number {
    return this.items.size;
  }

  /** Stores `obj` under `key`, replacing any previous object and its index entries. */
  set(key: string, obj: DeepReadonly<T>): void {
    this.remove(key);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      this.indexOne(name, fn, key, obj);
    }
  }

  /** Removes `key`; returns the object that was stored. */
  remove(key: string): DeepReadonly<T> | undefined {
    const old = this.items.get(key);
    if (old === undefined) {
      return undefined;
    }
    this.items.delete(key);
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name);
      for (const value of fn(old)) {
        const keys = index?.get(value);
        keys?.delete(key);
        if (keys?.size === 0) {
          index?.delete(value);
        }
      }
    }
    return old;
  }

  private indexOne(name: string, fn: IndexFunc<T>, key: string, obj: DeepReadonly<T>): void {
    const index = this.indexes.get(name);
    if (index === undefined) {
      return;
    }
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (keys === undefined) {
        keys = new Set();
        index.set(value, keys);
      }
      keys.add(key);
    }
  }
}
