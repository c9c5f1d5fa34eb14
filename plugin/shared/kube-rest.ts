// A REST client for the API server with every verb, kubectl's impersonation flags (`--as`,
// repeated `--as-group`) and errors that name what was tried.
//
// Startup is the reason it reads kubeconfig itself: the bundled @kubernetes/client-node chunk
// costs several times a bare `node -e 0` to load (docs/benchmarks.md), more than a whole
// `kubectl tenant list` may take. Kubeconfigs with client certificates, bearer tokens or basic
// auth (the common case, and every test identity) are handled here with `node:https`; anything
// else (exec plugins, auth providers, in-cluster config) falls back to client-node, loaded on
// demand. Raw requests are also what makes several `Impersonate-Group` headers possible:
// client-node joins repeated headers into one (node-clients.md §2).
import { readFileSync } from 'node:fs';
import type { Agent as HttpsAgent, AgentOptions, RequestOptions } from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { dirname, isAbsolute, join } from 'node:path';
import { CliError, messageOf } from './errors.js';
import { kubeconfigFiles, type KubeconfigFlags } from './kubeconfig.js';
import { isRecord } from './objects.js';
import { loadYaml } from './yaml.js';

/** kubectl's connection flags. */
export interface RestConnectOptions extends KubeconfigFlags {
  /** `--as`: impersonate this user. */
  readonly as?: string;
  /** `--as-group` (repeatable): impersonate these groups; needs `--as`, as in kubectl. */
  readonly asGroups?: readonly string[];
  /** `--request-timeout` in ms; 0 or undefined means none. */
  readonly requestTimeoutMs?: number;
}

/** HTTP verbs the API server serves. */
export type RestMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request. `body` is sent as is; objects are JSON-encoded by the caller. */
export interface RestRequest {
  readonly method: RestMethod;
  /** Absolute API path, e.g. `/api/v1/namespaces/x`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: string;
  /** @default `application/json` when a body is sent */
  readonly contentType?: string;
  /** @default `application/json` */
  readonly accept?: string;
}

/** The raw response; the caller decides what a status means. */
export interface RestResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** An authenticated connection to one API server. */
export interface RestClient {
  /** `context "x" of kubeconfig /a, /b`: what was tried, for error messages. */
  readonly description: string;
  /** The server URL. */
  readonly server: string;
  /** The user name from the kubeconfig entry (or `--as`), for messages. */
  readonly user: string;
  /**
   * Sends one request.
   *
   * @throws {@link CliError} when the server cannot be reached (names server, context, files)
   */
  request(req: RestRequest): Promise<RestResponse>;
  /** Closes kept-alive sockets so the process can exit. Idempotent. */
  close(): void;
}

type Env = Readonly<Record<string, string | undefined>>;

/** What a kubeconfig resolves to for one request. */
interface Resolved {
  readonly server: string;
  readonly contextName: string;
  readonly userName: string;
  readonly tls: AgentOptions;
  readonly headers: Record<string, string | string[]>;
}

/** Entry keys handled without client-node; anything else means "let client-node do it". */
const SIMPLE_USER_KEYS = new Set([
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'token',
  'tokenFile',
  'username',
  'password',
  'as',
  'as-groups',
  'as-uid',
  'as-user-extra',
  'extensions',
]);
const SIMPLE_CLUSTER_KEYS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'disable-compression',
  'extensions',
]);

/** A named entry of a kubeconfig list, with the directory of the file that defined it. */
interface Entry {
  readonly body: Record<string, unknown>;
  readonly dir: string;
}

interface MergedKubeconfig {
  readonly clusters: Map<string, Entry>;
  readonly users: Map<string, Entry>;
  readonly contexts: Map<string, Entry>;
  readonly currentContext?: string;
}

/**
 * Connects like kubectl: `--kubeconfig` > `$KUBECONFIG` (merged, first definition wins) >
 * `~/.kube/config` > in-cluster; `--context` > `current-context`. Nothing is sent yet.
 *
 * @throws {@link CliError} when no usable kubeconfig, context, cluster or user is found
 */
export async function connectRest(options: RestConnectOptions, env: Env): Promise<RestClient> {
  const { files, explicit } = kubeconfigFiles(options, env);
  const where = describeFiles(files, options, env);
  if (files.length === 0) {
    if (explicit) throw new CliError(`no kubeconfig found: ${where}`);
    return viaClientNode(options, env, 'default kubeconfig (in-cluster or ~/.kube/config)');
  }
  const merged = await readKubeconfigs(files);
  const contextName = options.context ?? merged.currentContext;
  if (contextName === undefined) {
    throw new CliError(`no current context in ${where}: pass --context NAME`);
  }
  const context = merged.contexts.get(contextName);
  if (context === undefined) {
    throw new CliError(`context "${contextName}" not found in ${where}`);
  }
  const description = `context "${contextName}" of ${where}`;
  const ctx = isRecord(context.body['context']) ? context.body['context'] : {};
  const clusterName = typeof ctx['cluster'] === 'string' ? ctx['cluster'] : '';
  const userName = typeof ctx['user'] === 'string' ? ctx['user'] : '';
  const cluster = merged.clusters.get(clusterName);
  if (cluster === undefined) {
    throw new CliError(`cluster "${clusterName}" of ${description} is not defined`);
  }
  const user = merged.users.get(userName);
  if (
    !isSimple(cluster, 'cluster', SIMPLE_CLUSTER_KEYS) ||
    !isSimple(user, 'user', SIMPLE_USER_KEYS)
  ) {
    return viaClientNode(options, env, where);
  }
  const resolved = resolveSimple({ contextName, userName, cluster, user, description });
  return makeClient(applyFlags(resolved, options), options, description);
}

function isSimple(entry: Entry | undefined, field: string, keys: ReadonlySet<string>): boolean {
  if (entry === undefined) return true;
  const body = entry.body[field];
  if (body === undefined || body === null) return true;
  return isRecord(body) && Object.keys(body).every((k) => keys.has(k));
}

/** `kubeconfig /a, /b` or `$KUBECONFIG=… (none of the files exists)`, for messages. */
function describeFiles(files: readonly string[], flags: KubeconfigFlags, env: Env): string {
  if (files.length > 0) return `kubeconfig ${files.join(', ')}`;
  if (flags.kubeconfig) return `kubeconfig ${flags.kubeconfig} (missing)`;
  const list = env['KUBECONFIG'];
  if (list) {
    return `$KUBECONFIG=${list} (none of the files exists)`;
  }
  return `kubeconfig ${join(env['HOME'] ?? '~', '.kube', 'config')} (missing)`;
}

async function readKubeconfigs(files: readonly string[]): Promise<MergedKubeconfig> {
  const { parse } = await loadYaml();
  const clusters = new Map<string, Entry>();
  const users = new Map<string, Entry>();
  const contexts = new Map<string, Entry>();
  let currentContext: string | undefined;
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new CliError(
        missing
          ? `kubeconfig ${file} does not exist`
          : `cannot read kubeconfig ${file}: ${messageOf(err)}`,
        { cause: err },
      );
    }
    if (!isRecord(doc)) continue;
    const dir = dirname(file);
    addEntries(clusters, doc['clusters'], dir);
    addEntries(users, doc['users'], dir);
    addEntries(contexts, doc['contexts'], dir);
    const current = doc['current-context'];
    if (currentContext === undefined && typeof current === 'string' && current !== '') {
      currentContext = current;
    }
  }
  return { clusters, users, contexts, currentContext };
}

function addEntries(target: Map<string, Entry>, list: unknown, dir: string): void {
  if (!Array.isArray(list)) return;
  for (const item of list as unknown[]) {
    if (!isRecord(item) || typeof item['name'] !== 'string') continue;
    if (!target.has(item['name'])) target.set(item['name'], { body: item, dir });
  }
}

interface SimpleInput {
  readonly contextName: string;
  readonly userName: string;
  readonly cluster: Entry;
  readonly user: Entry | undefined;
  readonly description: string;
}

function resolveSimple(input: SimpleInput): Resolved {
  const c = isRecord(input.cluster.body['cluster']) ? input.cluster.body['cluster'] : {};
  const u = input.user && isRecord(input.user.body['user']) ? input.user.body['user'] : {};
  const server = typeof c['server'] === 'string' ? c['server'] : '';
  if (server === '') {
    throw new CliError(`the cluster of ${input.description} has no server URL`);
  }
  const read = (data: unknown, file: unknown, dir: string, what: string): Buffer | undefined => {
    if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
    if (typeof file !== 'string' || file === '') return undefined;
    const path = isAbsolute(file) ? file : join(dir, file);
    try {
      return readFileSync(path);
    } catch (err) {
      throw new CliError(
        `cannot read the ${what} ${path} of ${input.description}: ${messageOf(err)}`,
      );
    }
  };
  const userDir = input.user?.dir ?? input.cluster.dir;
  const tls: AgentOptions = {
    ca: read(
      c['certificate-authority-data'],
      c['certificate-authority'],
      input.cluster.dir,
      'CA file',
    ),
    cert: read(
      u['client-certificate-data'],
      u['client-certificate'],
      userDir,
      'client certificate',
    ),
    key: read(u['client-key-data'], u['client-key'], userDir, 'client key'),
    rejectUnauthorized: c['insecure-skip-tls-verify'] !== true,
    ...(typeof c['tls-server-name'] === 'string' ? { servername: c['tls-server-name'] } : {}),
  };
  const headers: Record<string, string | string[]> = {};
  const token =
    typeof u['token'] === 'string' && u['token'] !== ''
      ? u['token']
      : read(undefined, u['tokenFile'], userDir, 'token file')?.toString('utf8').trim();
  if (token) headers['Authorization'] = `Bearer ${token}`;
  else if (typeof u['username'] === 'string') {
    const basic = `${u['username']}:${typeof u['password'] === 'string' ? u['password'] : ''}`;
    headers['Authorization'] = `Basic ${Buffer.from(basic).toString('base64')}`;
  }
  impersonationFromEntry(u, headers);
  return { server, contextName: input.contextName, userName: input.userName, tls, headers };
}

function impersonationFromEntry(
  u: Record<string, unknown>,
  headers: Record<string, string | string[]>,
): void {
  if (typeof u['as'] === 'string' && u['as'] !== '') headers['Impersonate-User'] = u['as'];
  if (Array.isArray(u['as-groups'])) {
    headers['Impersonate-Group'] = (u['as-groups'] as unknown[]).map(String);
  }
  if (typeof u['as-uid'] === 'string') headers['Impersonate-Uid'] = u['as-uid'];
  if (isRecord(u['as-user-extra'])) {
    for (const [key, values] of Object.entries(u['as-user-extra'])) {
      headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = Array.isArray(values)
        ? values.map(String)
        : [String(values)];
    }
  }
}

/** `--as`/`--as-group` win over the kubeconfig's `as`/`as-groups`, as in kubectl. */
function applyFlags(resolved: Resolved, options: RestConnectOptions): Resolved {
  const headers = { ...resolved.headers };
  const groups = options.asGroups ?? [];
  if (groups.length > 0 && options.as === undefined && headers['Impersonate-User'] === undefined) {
    throw new CliError(
      '--as-group requires --as (the API server impersonates a user, not groups alone)',
    );
  }
  if (options.as !== undefined) {
    headers['Impersonate-User'] = options.as;
    delete headers['Impersonate-Group'];
  }
  if (groups.length > 0) headers['Impersonate-Group'] = [...groups];
  const userName =
    typeof headers['Impersonate-User'] === 'string'
      ? headers['Impersonate-User']
      : resolved.userName;
  return { ...resolved, headers, userName };
}

async function viaClientNode(
  options: RestConnectOptions,
  env: Env,
  where: string,
): Promise<RestClient> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const { files } = kubeconfigFiles(options, env);
  try {
    if (files.length === 0) kc.loadFromDefault();
    else {
      // First definition wins, as in kubectl (client-node's own merge throws on duplicates).
      const configs = files.map((file) => {
        const one = new KubeConfig();
        one.loadFromFile(file);
        return one;
      });
      const first = <T extends { name: string }>(lists: T[][]): T[] => {
        const seen = new Set<string>();
        return lists.flat().filter((item) => !seen.has(item.name) && seen.add(item.name));
      };
      kc.loadFromOptions({
        clusters: first(configs.map((c) => c.getClusters())),
        users: first(configs.map((c) => c.getUsers())),
        contexts: first(configs.map((c) => c.getContexts())),
        currentContext: configs.map((c) => c.getCurrentContext()).find((name) => !!name),
      });
    }
    if (options.context !== undefined) kc.setCurrentContext(options.context);
  } catch (err) {
    throw new CliError(`cannot load ${where}: ${messageOf(err)}`, { cause: err });
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new CliError(`no cluster selected in ${where}: set current-context or pass --context`);
  }
  const opts: RequestOptions = { headers: {} };
  try {
    // Runs exec plugins and auth providers: their failures are the user's to fix.
    await kc.applyToHTTPSOptions(opts);
  } catch (err) {
    throw new CliError(
      `cannot authenticate with context "${kc.getCurrentContext()}" of ${where}: ${messageOf(err)}`,
      { cause: err },
    );
  }
  const h = (opts.headers ?? {}) as Record<string, string | string[]>;
  const resolved: Resolved = {
    server: cluster.server,
    contextName: kc.getCurrentContext(),
    userName: kc.getCurrentUser()?.name ?? '',
    tls: {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: opts.rejectUnauthorized ?? !cluster.skipTLSVerify,
      ...(opts.servername === undefined ? {} : { servername: opts.servername }),
    },
    headers: h,
  };
  return makeClient(
    applyFlags(resolved, options),
    options,
    `context "${resolved.contextName}" of ${where}`,
  );
}

function makeClient(
  resolved: Resolved,
  options: RestConnectOptions,
  description: string,
): RestClient {
  let agent: Promise<HttpsAgent> | undefined;
  const base = resolved.server.replace(/\/+$/, '');
  const isHttp = base.startsWith('http:');
  const getAgent = (): Promise<HttpsAgent> =>
    (agent ??= import('node:https').then(
      // Keep-alive: describe and ns list send a burst of requests; one TLS handshake is enough.
      (https) => new https.Agent({ ...resolved.tls, keepAlive: true, maxSockets: 8 }),
    ));
  let closed = false;
  return {
    description,
    server: resolved.server,
    user: resolved.userName,
    request: async (req) => {
      const url = new URL(base + req.path);
      for (const [key, value] of Object.entries(req.query ?? {})) {
        if (value !== undefined) url.searchParams.set(key, String(value));
      }
      const headers: OutgoingHttpHeaders = {
        ...resolved.headers,
        Accept: req.accept ?? 'application/json',
        'User-Agent': 'kubectl-tenant',
      };
      if (req.body !== undefined) {
        headers['Content-Type'] = req.contentType ?? 'application/json';
        headers['Content-Length'] = Buffer.byteLength(req.body);
      }
      const mod = isHttp ? await import('node:http') : await import('node:https');
      const agentOption = isHttp ? {} : { agent: await getAgent() };
      try {
        return await send(mod.request, url, {
          method: req.method,
          headers,
          ...agentOption,
          timeoutMs: options.requestTimeoutMs ?? 0,
          body: req.body,
        });
      } catch (err) {
        throw new CliError(
          `cannot reach the API server ${resolved.server} (${description}): ${describeNetError(err)}`,
          { cause: err },
        );
      }
    },
    close: () => {
      if (closed) return;
      closed = true;
      void agent?.then((a) => a.destroy());
    },
  };
}

type RequestFn = (
  url: URL,
  opts: RequestOptions,
  cb: (res: IncomingMessage) => void,
) => {
  setTimeout(ms: number, cb: () => void): unknown;
  destroy(err?: Error): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  end(body?: string): unknown;
};

function send(
  request: RequestFn,
  url: URL,
  opts: RequestOptions & { timeoutMs: number; body?: string },
): Promise<RestResponse> {
  const { timeoutMs, body, ...rest } = opts;
  return new Promise<RestResponse>((resolve, reject) => {
    const call = request(url, rest, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    if (timeoutMs > 0) {
      call.setTimeout(timeoutMs, () => {
        const err = Object.assign(new Error(`request timed out after ${timeoutMs} ms`), {
          code: 'ETIMEDOUT',
        });
        call.destroy(err);
      });
    }
    call.on('error', reject);
    call.end(body);
  });
}

const NET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is the API server running?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: the server certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: the server certificate chain is not trusted (wrong CA?)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: the server certificate is not trusted (wrong CA?)',
  CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: the server certificate does not match the host name',
};

function describeNetError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const known = typeof code === 'string' ? NET_ERRORS[code] : undefined;
  if (code === 'ETIMEDOUT') return messageOf(err);
  return known ?? messageOf(err);
}
