import type { RuntimeMetrics } from './metrics.js';

/** One API request as {@link RequestCounter} sees it. */
export interface RequestRecord {
  /** HTTP method: GET, POST, PUT, PATCH, DELETE. */
  readonly method: string;
  /** Kubernetes verb: get, list, watch, create, update, patch, apply, delete, deletecollection. */
  readonly verb: string;
  /** Plural resource with subresource (`leases`, `tenants/status`); `discovery` for API discovery. */
  readonly resource: string;
  /** HTTP status, or `<error>` when no response arrived (client-go's label). */
  readonly code: string;
}

const WRITE_VERBS: ReadonlySet<string> = new Set([
  'create',
  'update',
  'patch',
  'apply',
  'delete',
  'deletecollection',
]);

/** Options for {@link RequestCounter}. */
export interface RequestCounterOptions {
  /** Also feed `rest_client_requests_total{method,code}`. */
  readonly metrics?: RuntimeMetrics;
}

/**
 * Counts API requests by verb and resource, for tests ("the second apply issued zero writes")
 * and benchmarks, and optionally as the client-go metric `rest_client_requests_total`.
 *
 * How requests reach it: every client made by `KubeClient` (kube.ts) sends through a counting
 * `HttpLibrary` (client-node's `Configuration.httpApi`, see transport.ts), which sees each
 * request and its response together; middleware `pre`/`post` hooks cannot pair the two under
 * concurrency. Watches bypass `httpApi` in client-node 1.4.0 (`Watch` calls node-fetch itself),
 * so the list-watcher records its watch requests explicitly.
 */
export class RequestCounter {
  private readonly records = new Map<string, number>();
  private readonly metrics: RuntimeMetrics | undefined;

  constructor(opts: RequestCounterOptions = {}) {
    this.metrics = opts.metrics;
  }

  /** Records one request. */
  record(r: RequestRecord): void {
    const id = JSON.stringify([r.method, r.verb, r.resource, r.code]);
    this.records.set(id, (this.records.get(id) ?? 0) + 1);
    this.metrics?.restClientRequests.inc({ method: r.method, code: r.code });
  }

  /** Requests matching every field given in `filter` (all requests without one). */
  count(filter: Partial<RequestRecord> = {}): number {
    let n = 0;
    for (const [r, c] of this.entries()) {
      if (matches(r, filter)) {
        n += c;
      }
    }
    return n;
  }

  /** Write requests (create, update, patch, apply, delete, deletecollection) matching `filter`. */
  writes(filter: Partial<RequestRecord> = {}): number {
    let n = 0;
    for (const [r, c] of this.entries()) {
      if (WRITE_VERBS.has(r.verb) && matches(r, filter)) {
        n += c;
      }
    }
    return n;
  }

  /** Counts keyed `"verb resource"`, e.g. `{"apply configmaps": 2, "list namespaces": 1}`. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [r, c] of this.entries()) {
      const k = `${r.verb} ${r.resource}`;
      out[k] = (out[k] ?? 0) + c;
    }
    return out;
  }

  /** Forgets all records (the Prometheus counter is monotonic and keeps its value). */
  reset(): void {
    this.records.clear();
  }

  private *entries(): Generator<[RequestRecord, number]> {
    for (const [id, c] of this.records) {
      const [method, verb, resource, code] = JSON.parse(id) as [string, string, string, string];
      yield [{ method, verb, resource, code }, c];
    }
  }
}

function matches(r: RequestRecord, filter: Partial<RequestRecord>): boolean {
  return (Object.keys(filter) as (keyof RequestRecord)[]).every(
    (k) => filter[k] === undefined || filter[k] === r[k],
  );
}

/** Namespace subresources, which would otherwise parse as a namespaced resource named like them. */
const NAMESPACE_SUBRESOURCES: ReadonlySet<string> = new Set(['status', 'finalize']);

/** Splits the resource part of an API path into plural, name and subresource. */
function parseResourcePath(rest: string[]): { resource: string; name?: string | undefined } {
  const namespaced =
    rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '');
  const [plural, name, sub] = namespaced ? rest.slice(2) : rest;
  if (plural === undefined) {
    return { resource: 'discovery' };
  }
  return { resource: sub === undefined ? plural : `${plural}/${sub}`, name };
}

function verbOf(method: string, hasName: boolean, url: URL, contentType: string): string {
  switch (method) {
    case 'GET':
      return url.searchParams.get('watch') === 'true' ? 'watch' : hasName ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return contentType.startsWith('application/apply-patch') ? 'apply' : 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/**
 * Classifies a request URL as `{verb, resource}` (exported for tests).
 *
 * @param contentType the request's Content-Type; tells server-side apply from other patches
 */
export function describeRequest(
  method: string,
  url: string,
  contentType = '',
): { verb: string; resource: string } {
  const u = new URL(url);
  const segs = u.pathname.split('/').filter((s) => s !== '');
  let rest: string[];
  if (segs[0] === 'api') {
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    rest = segs.slice(3);
  } else {
    return { verb: method.toLowerCase(), resource: 'nonresource' };
  }
  const { resource, name } = parseResourcePath(rest);
  return { verb: verbOf(method, name !== undefined, u, contentType), resource };
}
