/**
 * Read-your-writes for a cache that lags: the objects this controller wrote recently, consulted
 * only while the informer still holds an older copy. Without it, the pass that the controller's
 * own write triggers (the watch event of child 1 arrives while children 2..n are still in flight)
 * sees a stale cache and repeats creates (409) or status writes (409): the no-op request storm of
 * agent-sandbox PR #1381 (performance.md §6).
 */
import { stripForCache, type DeepReadonly, type KubeObject } from '../runtime/objects.js';

/**
 * How long a recent write is remembered if the cache never catches up (the object is gone, or
 * the pass never comes). The watch event normally arrives within milliseconds; after the TTL a
 * lagging cache costs at most a 409 and a retry.
 */
const TTL_MS = 15_000;

/** Compares two resourceVersions: etcd revisions are integers (the only backend Kubernetes has). */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined || a === '') return -1;
  if (b === undefined || b === '') return 1;
  try {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  } catch {
    // Not integers: we cannot order them; trust the cache (callers treat 0 as "cache wins").
    return 0;
  }
}

interface Entry {
  /** The written object; undefined for a delete. */
  readonly object: DeepReadonly<KubeObject> | undefined;
  /** UID of the deleted object. */
  readonly uid?: string;
  readonly at: number;
}

/** Recently written (or deleted) objects by cache key, e.g. `ResourceQuota:ns/name`. */
export class RecentWrites {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records the object a write returned (without managedFields, like the cache). */
  wrote(key: string, object: KubeObject): void {
    this.put(key, { object: stripForCache(object), at: this.now() });
  }

  /** Records a delete (of the object with `uid`) the cache may not have seen yet. */
  deleted(key: string, uid: string | undefined): void {
    this.put(key, { object: undefined, ...(uid !== undefined ? { uid } : {}), at: this.now() });
  }

  /**
   * The freshest known state: the cached object, unless a write newer than it was recorded (then
   * that write's result, or undefined after a delete). An entry the cache has caught up with is
   * dropped.
   */
  resolve<T extends KubeObject>(
    key: string,
    cached: DeepReadonly<T> | undefined,
  ): DeepReadonly<T> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return cached;
    if (this.now() - entry.at > TTL_MS) {
      this.entries.delete(key);
      return cached;
    }
    if (entry.object === undefined) {
      // Deleted by us: the cache shows it until the DELETED event arrives; a namesake created
      // since (another UID) is a different object.
      if (cached === undefined || cached.metadata?.uid !== entry.uid) {
        this.entries.delete(key);
        return cached;
      }
      return undefined;
    }
    const order = compareResourceVersions(
      cached?.metadata?.resourceVersion,
      entry.object.metadata?.resourceVersion,
    );
    if (cached !== undefined && order >= 0) {
      this.entries.delete(key);
      return cached;
    }
    return entry.object as DeepReadonly<T>;
  }

  /**
   * The cache received `obj` (an add or update event). A write the cache has caught up with is
   * forgotten; so is a delete once a namesake (another UID) appears.
   *
   * Why events and not only {@link resolve}: when the controller's own create is followed by
   * someone else's delete before the next pass, the cache goes from "absent" to "present" to
   * "absent" without any pass seeing it present, and resolve would keep answering with the
   * written copy until the TTL: an owner's delete of a fresh child went unrepaired.
   */
  observed(key: string, obj: DeepReadonly<KubeObject>): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    if (entry.object === undefined) {
      if (obj.metadata?.uid !== entry.uid) this.entries.delete(key);
      return;
    }
    const sameObject = obj.metadata?.uid === entry.object.metadata?.uid;
    const order = compareResourceVersions(
      obj.metadata?.resourceVersion,
      entry.object.metadata?.resourceVersion,
    );
    if (!sameObject || order >= 0) this.entries.delete(key);
  }

  /**
   * The cache lost `obj` (a delete event). A remembered write of that very object is forgotten,
   * so the next pass sees it missing; so is our own delete of it, which the cache now shows.
   */
  observedDelete(key: string, obj: DeepReadonly<KubeObject>): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    const uid = entry.object === undefined ? entry.uid : entry.object.metadata?.uid;
    if (uid === undefined || obj.metadata?.uid === uid) this.entries.delete(key);
  }

  /** Number of remembered writes (for tests). */
  size(): number {
    return this.entries.size;
  }

  /** Inserts at the end (entries stay ordered by time) and drops expired ones from the front. */
  private put(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    const cutoff = entry.at - TTL_MS;
    for (const [k, e] of this.entries) {
      if (e.at >= cutoff) break;
      this.entries.delete(k);
    }
  }
}
