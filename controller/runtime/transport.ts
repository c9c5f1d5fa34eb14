import { createHash } from 'node:crypto';
import https from 'node:https';
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  wrapHttpLibrary,
  type HttpLibrary,
  type KubeConfig,
  type ResponseContext,
} from '@kubernetes/client-node';
import { describeRequest, type RequestCounter } from './requests.js';

/**
 * Keep-alive HTTPS agents shared by every request of one {@link ../kube.KubeClient}.
 *
 * Why: client-node 1.4.0 builds a new `https.Agent` (keep-alive off) for every request, so each
 * request pays a TLS handshake and leaves a socket behind (kubernetes-client/javascript#2893).
 * Measured on the local plane: 20 sequential GETs take ~25 ms each that way, ~10 ms each on a
 * reused connection. Agents are keyed by their TLS material (CA, client cert and key), so a
 * credential that changes (an exec plugin issuing a new certificate) gets a new agent.
 * Idle keep-alive sockets do not keep the process alive; {@link AgentPool.close} ends them.
 */
export class AgentPool {
  private readonly agents = new Map<string, https.Agent>();

  /** Replaces the per-request agent client-node attached with a shared keep-alive one. */
  reuse(request: RequestContext): void {
    const agent = request.getAgent();
    // Only plain https.Agent: proxy agents (hpagent, socks) are left as client-node built them.
    if (!(agent instanceof https.Agent) || agent.constructor !== https.Agent) {
      return;
    }
    const options = agent.options;
    // Buffers and arrays serialise fully in JSON; hash so the map key stays short.
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          options.ca,
          options.cert,
          options.key,
          options.pfx,
          options.rejectUnauthorized,
          options.servername,
        ]),
      )
      .digest('hex');
    let shared = this.agents.get(key);
    if (shared === undefined) {
      // A changed credential retires the agents made for the old one.
      this.close();
      shared = new https.Agent({ ...options, keepAlive: true });
      this.agents.set(key, shared);
    }
    request.setAgent(shared);
  }

  /** Closes every pooled socket. */
  close(): void {
    for (const agent of this.agents.values()) {
      agent.destroy();
    }
    this.agents.clear();
  }
}

/** Options for {@link clientHttpLibrary}. */
export interface ClientHttpLibraryOptions {
  readonly counter?: RequestCounter | undefined;
  readonly agents: AgentPool;
}

/**
 * client-node's fetch-based HTTP library with two additions: pooled keep-alive connections and
 * request counting. Counting here (not in middleware) sees each request together with its
 * response status, even when requests run concurrently.
 */
export function clientHttpLibrary(opts: ClientHttpLibraryOptions): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      opts.agents.reuse(request);
      const counter = opts.counter;
      if (counter === undefined) {
        return inner.send(request).toPromise();
      }
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

/** A request for {@link DirectTransport.send}. */
export interface DirectRequest {
  readonly method: string;
  /** Path and query, appended to the server URL. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

/** A response of {@link DirectTransport.send}: status, headers and the whole body as text. */
export interface DirectResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

/** The authentication of one kubeconfig user, resolved once and reused for a while. */
interface ResolvedAuth {
  readonly agent: https.Agent;
  readonly headers: Readonly<Record<string, string>>;
  readonly until: number;
}

/**
 * How long resolved credentials are reused. A bearer token file (a pod's projected token) is
 * re-read at least this often; client-go re-reads it every minute. An exec plugin's credential
 * that expires sooner costs one 401, after which the credentials are resolved again.
 */
const AUTH_TTL_MS = 10_000;

/**
 * Requests over plain `node:https` with the kubeconfig's credentials and a shared keep-alive
 * agent, for the raw requests both controllers make.
 *
 * Why not client-node's HTTP library for these: it rebuilds the credentials and an agent for
 * every request and goes through node-fetch; measured with `bench/client.ts`, that is ~1 ms of
 * CPU per request on top of ~0.6 ms for the request itself, and the controllers make tens of
 * thousands of requests when they converge a cluster. Credentials still come from client-node
 * (`applySecurityAuthentication`: client certificates, tokens, token files, exec plugins, auth
 * providers); only the transport differs. A kubeconfig this transport cannot serve (a proxy, a
 * plain-HTTP server) makes {@link send} return undefined, and the caller uses client-node.
 */
export class DirectTransport {
  private auth: ResolvedAuth | undefined;
  private unsupported = false;
  private readonly server: string;

  constructor(
    private readonly kubeConfig: KubeConfig,
    server: string,
    private readonly agents: AgentPool,
    private readonly counter: RequestCounter | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.server = server.replace(/\/+$/, '');
  }

  /** Sends `req`; undefined when this kubeconfig needs client-node's transport. */
  async send(req: DirectRequest): Promise<DirectResponse | undefined> {
    if (this.unsupported) return undefined;
    const auth = await this.resolve();
    if (auth === undefined) return undefined;
    let res = await this.once(req, auth);
    if (res.status === 401) {
      // Expired credentials (an exec plugin's token): resolve again and retry once.
      this.auth = undefined;
      const fresh = await this.resolve();
      if (fresh !== undefined) res = await this.once(req, fresh);
    }
    return res;
  }

  private async resolve(): Promise<ResolvedAuth | undefined> {
    const now = this.now();
    if (this.auth !== undefined && now < this.auth.until) return this.auth;
    if (!this.server.startsWith('https://')) {
      this.unsupported = true;
      return undefined;
    }
    const ctx = new RequestContext(`${this.server}/`, HttpMethod.GET);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const before = ctx.getAgent();
    this.agents.reuse(ctx);
    const agent = ctx.getAgent();
    if (agent === before || !(agent instanceof https.Agent)) {
      // A proxy agent (the pool keeps those as they are): not ours to replace.
      this.unsupported = true;
      return undefined;
    }
    this.auth = { agent, headers: ctx.getHeaders(), until: now + AUTH_TTL_MS };
    return this.auth;
  }

  private once(req: DirectRequest, auth: ResolvedAuth): Promise<DirectResponse> {
    const url = `${this.server}${req.path}`;
    const headers: Record<string, string> = { ...auth.headers, ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    return new Promise<DirectResponse>((resolve, reject) => {
      const record = (code: string): void => {
        if (this.counter === undefined) return;
        const { verb, resource } = describeRequest(req.method, url, headers['Content-Type'] ?? '');
        this.counter.record({ method: req.method, verb, resource, code });
      };
      const request = https.request(
        url,
        {
          method: req.method,
          agent: auth.agent,
          headers,
          ...(req.signal !== undefined ? { signal: req.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => {
            record('<error>');
            reject(err);
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            record(String(status));
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status, headers: out, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      request.on('error', (err) => {
        record('<error>');
        reject(err);
      });
      request.end(req.body);
    });
  }
}
