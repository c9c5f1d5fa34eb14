import {
  ApiException,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  KubernetesObjectApi,
  type RequestContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
  type HttpMethod,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { RuntimeMetrics } from './metrics.js';

/** Options for {@link loadKubeConfig}. */
export interface LoadKubeConfigOptions {
  /** A kubeconfig file. @default `$KUBECONFIG`, then `~/.kube/config`, then in-cluster */
  readonly kubeconfig?: string;
  /** A context of that kubeconfig. @default its current-context */
  readonly context?: string;
}

/**
 * Loads a kubeconfig the way kubectl resolves it: an explicit file, else client-node's default
 * chain (`$KUBECONFIG` → `~/.kube/config` → the pod's service account).
 *
 * Unlike `loadFromDefault()` alone, it refuses client-node's last-resort `http://localhost:8080`
 * fallback: a controller silently talking to the wrong endpoint is worse than failing at start.
 *
 * @throws Error if nothing is found or the context does not exist
 */
export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig !== undefined) {
    kc.loadFromFile(opts.kubeconfig);
  } else {
    kc.loadFromDefault();
  }
  if (opts.context !== undefined) {
    if (kc.getContextObject(opts.context) === null) {
      throw new Error(`Kubeconfig has no context "${opts.context}"`);
    }
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new Error('Kubeconfig has no current cluster');
  }
  if (opts.kubeconfig === undefined && cluster.server === 'http://localhost:8080') {
    throw new Error('No kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a pod');
  }
  return kc;
}

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
 * How requests reach it: every client made by {@link KubeClient} sends through a counting
 * `HttpLibrary` (client-node's `Configuration.httpApi`), which sees each request and its
 * response together; middleware `pre`/`post` hooks cannot pair the two under concurrency.
 * Watches bypass `httpApi` in client-node 1.4.0 (`Watch` calls node-fetch itself), so the
 * informer records its watch requests explicitly.
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

function countingHttpLibrary(counter: RequestCounter): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const method = request.getHttpMethod().toString();
      const contentType = request.getHeaders()['Content-Type'] ?? '';
      const { verb, resource } = describeRequest(method, request.getUrl(), contentType);
      try {
        const response = await inner.send(request).toPromise();
        counter.record({ method, verb, resource, code: String(response.httpStatusCode) });
        return response;
      } catch (err) {
        counter.record({ method, verb, resource, code: '<error>' });
        throw err;
      }
    },
  });
}

/** A raw request for {@link KubeClient.request}. */
export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API path, e.g. `/api/v1/namespaces`. */
  readonly path: string;
  /** Query parameters; `undefined` values are skipped. */
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Serialised with `JSON.stringify`. */
  readonly body?: unknown;
  /** @default 'application/json' */
  readonly contentType?: string;
  /** Aborts the request (e.g. a LIST in flight when an informer stops). */
  readonly signal?: AbortSignal;
}

/** Options for {@link KubeClient}. */
export interface KubeClientOptions {
  /** Counts every request made through this client. */
  readonly counter?: RequestCounter;
}

/**
 * One cluster connection: a `KubeConfig` plus the client-node `Configuration` every API client is
 * built from, so they all share request counting. Passing a `KubeClient` explicitly (instead of
 * loading config in each unit) keeps units testable and lets a test run two identities side by
 * side.
 */
export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly counter: RequestCounter | undefined;
  readonly configuration: Configuration;
  /** Generic object client (create/read/patch/replace/delete/list by apiVersion + kind). */
  readonly objects: ObjectApi;

  constructor(kubeConfig: KubeConfig, opts: KubeClientOptions = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) {
      throw new Error('Kubeconfig has no current cluster');
    }
    this.kubeConfig = kubeConfig;
    this.counter = opts.counter;
    this.configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      ...(opts.counter !== undefined ? { httpApi: countingHttpLibrary(opts.counter) } : {}),
    });
    this.objects = new ObjectApi(this.configuration, kubeConfig);
  }

  /** A generated typed client (e.g. `CoordinationV1Api`) sharing this client's configuration. */
  api<T>(apiClass: new (configuration: Configuration) => T): T {
    return new apiClass(this.configuration);
  }

  /**
   * Sends a raw request and returns the parsed JSON body as the apiserver sent it (no model
   * deserialisation: timestamps stay strings, which is what the informer cache stores).
   *
   * @throws ApiException with `code` = HTTP status for non-2xx responses
   */
  async request<T = unknown>(req: RawRequest): Promise<T> {
    const ctx = this.configuration.baseServer.makeRequestContext(
      req.path,
      req.method as HttpMethod,
    );
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) {
        ctx.setQueryParam(k, String(v));
      }
    }
    ctx.setHeaderParam('Accept', 'application/json');
    if (req.signal !== undefined) {
      ctx.setSignal(req.signal);
    }
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const response = await this.configuration.httpApi.send(ctx).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      throw new ApiException(
        response.httpStatusCode,
        `${req.method} ${req.path} failed with HTTP ${response.httpStatusCode}: ${text.slice(0, 500)}`,
        parseJson(text),
        response.headers,
      );
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON (a proxy's HTML error page, say): keep the text, it still goes into the message.
    return text;
  }
}

/** What addresses an object: apiVersion, kind, name and (if namespaced) namespace. */
export interface ObjectHeader {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

/**
 * client-node's `KubernetesObjectApi`, plus the URL of an object, which status writes need
 * (the generic client cannot address the `/status` subresource).
 */
export class ObjectApi extends KubernetesObjectApi {
  constructor(configuration: Configuration, kubeConfig: KubeConfig) {
    super(configuration);
    this.setDefaultNamespace(kubeConfig);
  }

  /**
   * The API path of `obj` (plural resolved through discovery once per apiVersion, then cached).
   * Works on a copy: client-node's `specUriPath` fills in missing fields of its argument, and
   * the argument may be a frozen cache object.
   *
   * @throws Error if the kind is unknown, or a namespaced object has no namespace (rather than
   *   silently using the kubeconfig's default namespace)
   */
  async pathOf(obj: ObjectHeader): Promise<string> {
    const apiVersion = obj.apiVersion ?? 'v1';
    const kind = obj.kind;
    const name = obj.metadata?.name;
    const namespace = obj.metadata?.namespace;
    if (kind === undefined || name === undefined) {
      throw new Error('Object needs kind and metadata.name to be addressed');
    }
    const resource = await this.resource(apiVersion, kind);
    if (resource === undefined) {
      throw new Error(`Unknown API version and kind: ${apiVersion} ${kind}`);
    }
    if (resource.namespaced && (namespace === undefined || namespace === '')) {
      throw new Error(`${kind} ${name} is namespaced but has no metadata.namespace`);
    }
    const header = { apiVersion, kind, metadata: { name, namespace } };
    return this.specUriPath(header, 'read');
  }
}

/** The HTTP status of an `ApiException` (or anything with a numeric `code`/`statusCode`). */
export function apiErrorCode(err: unknown): number | undefined {
  if (err instanceof ApiException) {
    return err.code;
  }
  if (err !== null && typeof err === 'object') {
    const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
    if (typeof statusCode === 'number') {
      return statusCode;
    }
    if (typeof code === 'number') {
      return code;
    }
  }
  return undefined;
}

/** True for HTTP 404. */
export const isNotFound = (err: unknown): boolean => apiErrorCode(err) === 404;
/** True for HTTP 409 (AlreadyExists, or a resourceVersion conflict). */
export const isConflict = (err: unknown): boolean => apiErrorCode(err) === 409;
/** True for HTTP 410 (the resourceVersion is too old). */
export const isGone = (err: unknown): boolean => apiErrorCode(err) === 410;
