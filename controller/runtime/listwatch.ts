import { Watch } from '@kubernetes/client-node';
import { apiErrorCode, type KubeClient } from './kube.js';
import type { KubeObject } from './objects.js';

/** The result of a complete (all pages) LIST. */
export interface ListResult {
  readonly items: KubeObject[];
  /** The list's resourceVersion: the point a following WATCH starts from. */
  readonly resourceVersion: string;
}

/** Receives the events of one watch request. */
export interface WatchCallbacks {
  /** One event: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR` (object = a Status). */
  onEvent(type: string, obj: KubeObject): void;
  /** The watch ended: `null`/`undefined` for a clean close, else the error. Called at most once. */
  onDone(err: unknown): void;
}

/**
 * The seam between informer logic and the API: one LIST, one WATCH. The informer owns every
 * retry, timeout and relist decision; implementations only talk to the server.
 */
export interface ListWatcher {
  list(signal: AbortSignal): Promise<ListResult>;
  /** Opens a watch from `resourceVersion`; resolves with a function that aborts it. */
  watch(resourceVersion: string, callbacks: WatchCallbacks): Promise<() => void>;
}

/** Options for {@link apiListWatcher}. */
export interface ApiListWatcherOptions {
  /** Collection path, e.g. `/api/v1/namespaces` or `/apis/tenantry.io/v1alpha1/tenants`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Items per LIST page, so a large collection is not one huge response. @default 500 */
  readonly pageSize?: number;
}

interface ListPage {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/**
 * LIST over {@link KubeClient.request} (counted, paginated) and WATCH over client-node's `Watch`
 * with `allowWatchBookmarks`. The same selectors apply to both (client-node's own informer
 * applies its label selector only to the watch).
 */
export function apiListWatcher(client: KubeClient, opts: ApiListWatcherOptions): ListWatcher {
  const selectors = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  return {
    async list(signal: AbortSignal): Promise<ListResult> {
      const items: KubeObject[] = [];
      let cont: string | undefined;
      let resourceVersion = '';
      do {
        const page = await client.request<ListPage>({
          method: 'GET',
          path: opts.path,
          query: { ...selectors, limit: opts.pageSize ?? 500, continue: cont },
          signal,
        });
        items.push(...(page.items ?? []).map((item) => withTypeMeta(item, page)));
        resourceVersion = page.metadata?.resourceVersion ?? '';
        cont = page.metadata?.continue;
      } while (cont !== undefined && cont !== '');
      return { items, resourceVersion };
    },

    async watch(resourceVersion: string, callbacks: WatchCallbacks): Promise<() => void> {
      let early: unknown;
      let ended = false;
      const controller = await new Watch(client.kubeConfig).watch(
        opts.path,
        { ...selectors, resourceVersion, allowWatchBookmarks: true },
        (type: string, obj: KubeObject) => callbacks.onEvent(type, obj),
        (err: unknown) => {
          if (!ended) {
            early = err;
          }
          callbacks.onDone(err);
        },
      );
      ended = true;
      // client-node's Watch bypasses the counting http library; record the request here. An
      // error that ended the watch before it resolved carries the HTTP status, if there was one.
      const code = early === undefined || early === null ? 200 : apiErrorCode(early);
      client.counter?.record({
        method: 'GET',
        verb: 'watch',
        resource: resourceOfPath(opts.path),
        code: code === undefined ? '<error>' : String(code),
      });
      return () => controller.abort();
    },
  };
}

/** LIST items carry no apiVersion/kind; fill them in from the list so consumers see one shape. */
function withTypeMeta(item: KubeObject, page: ListPage): KubeObject {
  if (item.kind !== undefined || page.kind === undefined || !page.kind.endsWith('List')) {
    return item;
  }
  return { apiVersion: page.apiVersion, kind: page.kind.slice(0, -'List'.length), ...item };
}

function resourceOfPath(path: string): string {
  const segs = path.split('/').filter((s) => s !== '');
  return segs[segs.length - 1] ?? 'unknown';
}
