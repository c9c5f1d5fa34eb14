// A minimal API-server client for the plugins' few raw requests (service lookup and the service
// proxy, including POST bodies, which client-node's generated proxy methods cannot send).
// @kubernetes/client-node is used only to read kubeconfig and authenticate (client certs, tokens,
// exec plugins), and is imported on demand so that offline commands never load it.
import type { IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { CliError, messageOf } from './errors.js';
import { kubeconfigFiles, type KubeconfigFlags } from './kubeconfig.js';

/** kubectl connection flags. */
export interface KubeConnectionOptions extends KubeconfigFlags {
  /** `--as`: impersonate this user. */
  readonly as?: string;
  /** `--request-timeout` in ms; 0 or undefined means none. */
  readonly requestTimeoutMs?: number;
}

/** One raw request to the API server. */
export interface KubeRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute API path, e.g. `/api/v1/namespaces/kube-system/services/x`. */
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly accept?: string;
}

/** The raw response; the caller decides what a status means. */
export interface KubeResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** An authenticated connection to one API server. */
export interface KubeClient {
  /** Names the kubeconfig, context and server, for error messages ("what was tried"). */
  readonly description: string;
  request(req: KubeRequest): Promise<KubeResponse>;
}

/**
 * Loads kubeconfig like kubectl (`--kubeconfig` > `$KUBECONFIG` merged, first definition wins >
 * `~/.kube/config` > in-cluster) and selects `--context`.
 *
 * @throws {@link CliError} when no usable context exists
 */
export async function connectKube(
  options: KubeConnectionOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<KubeClient> {
  const kc = await loadKubeConfig(options, env);
  const cluster = kc.getCurrentCluster();
  const { files } = kubeconfigFiles(options, env);
  const where = files.length > 0 ? `kubeconfig ${files.join(', ')}` : 'default kubeconfig';
  if (cluster === null) {
    throw new CliError(`no cluster selected in ${where}: set current-context or pass --context`);
  }
  const description = `context "${kc.getCurrentContext()}" of ${where}, server ${cluster.server}`;
  return {
    description,
    request: (req) => send(kc, cluster.server, options, req),
  };
}

async function loadKubeConfig(
  options: KubeConnectionOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { files, explicit } = kubeconfigFiles(options, env);
  const kc = new KubeConfig();
  try {
    if (files.length === 0) {
      if (explicit) throw new Error('none of the files in $KUBECONFIG exists');
      kc.loadFromDefault(); // in-cluster, else client-node's localhost fallback
    } else {
      mergeFirstWins(
        kc,
        files.map((file) => {
          const one = new KubeConfig();
          one.loadFromFile(file);
          return one;
        }),
      );
    }
  } catch (err) {
    throw new CliError(`cannot load kubeconfig: ${messageOf(err)}`, { cause: err });
  }
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) {
      throw new CliError(
        `context "${options.context}" not found in kubeconfig ${files.join(', ')}`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  return kc;
}

// kubectl merges kubeconfig files with "first definition wins"; client-node's mergeConfig throws
// on duplicate names instead, so merge here.
function mergeFirstWins(target: KubeConfig, configs: readonly KubeConfig[]): void {
  const first = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Set<string>();
    return lists.flat().filter((item) => !seen.has(item.name) && seen.add(item.name));
  };
  target.loadFromOptions({
    clusters: first(configs.map((c) => c.getClusters())),
    users: first(configs.map((c) => c.getUsers())),
    contexts: first(configs.map((c) => c.getContexts())),
    currentContext: configs.map((c) => c.getCurrentContext()).find((name) => !!name),
  });
}

async function send(
  kc: KubeConfig,
  server: string,
  options: KubeConnectionOptions,
  req: KubeRequest,
): Promise<KubeResponse> {
  const headers: Record<string, string> = { Accept: req.accept ?? 'application/json' };
  if (req.contentType !== undefined) headers['Content-Type'] = req.contentType;
  const opts: RequestOptions = { method: req.method, headers };
  await kc.applyToHTTPSOptions(opts);
  if (options.as !== undefined)
    (opts.headers as Record<string, string>)['Impersonate-User'] = options.as;
  const url = new URL(server.replace(/\/+$/, '') + req.path);
  const { request } =
    url.protocol === 'http:' ? await import('node:http') : await import('node:https');
  return new Promise<KubeResponse>((resolve, reject) => {
    const call = request(url, opts, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    const timeout = options.requestTimeoutMs ?? 0;
    if (timeout > 0) {
      call.setTimeout(timeout, () =>
        call.destroy(new Error(`request timed out after ${timeout} ms`)),
      );
    }
    call.on('error', reject);
    call.end(req.body);
  });
}

/** A short, one-line summary of an error response body (Kubernetes Status message or text). */
export function describeResponse(res: KubeResponse): string {
  const text = res.body.toString('utf8').trim();
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return `${res.status}: ${status.message}`;
  } catch {
    // not JSON: use the text
  }
  const line = text.split('\n')[0] ?? '';
  return line === '' ? `HTTP ${res.status}` : `${res.status}: ${line.slice(0, 200)}`;
}
