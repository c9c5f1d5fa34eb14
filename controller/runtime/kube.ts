import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
  createConfiguration,
  type Configuration,
  type HttpMethod,
} from '@kubernetes/client-node';
import type { RequestCounter } from './requests.js';
import { AgentPool, DirectTransport, clientHttpLibrary } from './transport.js';

export {
  RequestCounter,
  describeRequest,
  type RequestCounterOptions,
  type RequestRecord,
} from './requests.js';

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
    try {
      kc.loadFromFile(opts.kubeconfig);
    } catch (err) {
      // client-node throws the bare fs or YAML error, which does not say what was being read.
      throw new Error(
        `Cannot load kubeconfig ${opts.kubeconfig}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
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
 * built from, so they all share request counting and keep-alive connections (see
 * {@link AgentPool}). Passing a `KubeClient` explicitly (instead of
 * loading config in each unit) keeps units testable and lets a test run two identities side by
 * side.
 */
export class KubeClient {
  readonly kubeConfig: KubeConfig;
  readonly counter: RequestCounter | undefined;
  readonly configuration: Configuration;
  /** Generic object client (create/read/patch/replace/delete/list by apiVersion + kind). */
  readonly objects: ObjectApi;
  private readonly agents = new AgentPool();
  private readonly direct: DirectTransport;

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
      httpApi: clientHttpLibrary({ counter: opts.counter, agents: this.agents }),
    });
    this.objects = new ObjectApi(this.configuration, kubeConfig);
    this.direct = new DirectTransport(kubeConfig, cluster.server, this.agents, opts.counter);
  }

  /**
   * Closes pooled keep-alive connections. Idle ones never keep the process alive, so this is
   * tidiness on shutdown, not a requirement; the client still works afterwards (new connections).
   */
  close(): void {
    this.agents.close();
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
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) query.append(k, String(v));
    }
    const qs = query.toString();
    const headers: Record<string, string> = { Accept: 'application/json' };
    const body = req.body !== undefined ? JSON.stringify(req.body) : undefined;
    if (body !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';
    const direct = await this.direct.send({
      method: req.method,
      path: qs === '' ? req.path : `${req.path}?${qs}`,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(req.signal !== undefined ? { signal: req.signal } : {}),
    });
    if (direct !== undefined)
      return this.result<T>(req, direct.status, direct.text, direct.headers);
    return this.requestThroughClientNode<T>(req, query, headers, body);
  }

  /** The same request through client-node's HTTP library (proxies, plain-HTTP servers). */
  private async requestThroughClientNode<T>(
    req: RawRequest,
    query: URLSearchParams,
    headers: Readonly<Record<string, string>>,
    body: string | undefined,
  ): Promise<T> {
    const ctx = this.configuration.baseServer.makeRequestContext(
      req.path,
      req.method as HttpMethod,
    );
    for (const [k, v] of query) ctx.setQueryParam(k, v);
    for (const [k, v] of Object.entries(headers)) ctx.setHeaderParam(k, v);
    if (req.signal !== undefined) ctx.setSignal(req.signal);
    if (body !== undefined) ctx.setBody(body);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const response = await this.configuration.httpApi.send(ctx).toPromise();
    const text = await response.body.text();
    return this.result<T>(req, response.httpStatusCode, text, response.headers);
  }

  private result<T>(
    req: RawRequest,
    status: number,
    text: string,
    headers: Record<string, string>,
  ): T {
    if (status < 200 || status > 299) {
      throw new ApiException(
        status,
        `${req.method} ${req.path} failed with HTTP ${status}: ${text.slice(0, 500)}`,
        parseJson(text),
        headers,
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

/** The API server's message of an error (the Status `message`), or the error's own text. */
export function apiErrorMessage(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  if (
    body !== null &&
    typeof body === 'object' &&
    typeof (body as { message?: unknown }).message === 'string'
  ) {
    return (body as { message: string }).message;
  }
  return err instanceof Error ? err.message : String(err);
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
