/**
 * A small router on node:http for the controller's plain-HTTP listeners: the main one (Bitnami's
 * :8080 — /healthz, /readyz, /v1/cert.pem, /v1/verify, /v1/rotate) and the metrics one (:8081).
 * Bodies are capped, handlers that throw answer 500 without taking the process down.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './runtime/index.js';

/** A request handler; `body` is the raw request body (empty for GET). */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
) => void | Promise<void>;

/** The most a request body may be (a SealedSecret with many items fits easily). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Routes by exact method and path. */
export class HttpRouter {
  private readonly routes = new Map<string, RouteHandler>();

  constructor(private readonly log: Logger) {}

  /** Registers `handler` for `method path` (e.g. `POST /v1/verify`). */
  route(method: string, path: string, handler: RouteHandler): this {
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
    return this;
  }

  /** Handles one request: 404 for unknown paths, 405 for a known path with another method. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const handler = this.routes.get(`${req.method ?? 'GET'} ${path}`);
    if (handler === undefined) {
      const known = [...this.routes.keys()].some((k) => k.endsWith(` ${path}`));
      res
        .writeHead(known ? 405 : 404, { 'Content-Type': 'text/plain' })
        .end(known ? 'method not allowed\n' : 'not found\n');
      return;
    }
    try {
      const body = await readBody(req);
      await handler(req, res, body);
    } catch (err) {
      this.log.error({ err, path }, 'HTTP handler failed');
      if (!res.headersSent)
        res.writeHead(err instanceof BodyTooLarge ? 413 : 500, { 'Content-Type': 'text/plain' });
      res.end(err instanceof BodyTooLarge ? 'request body too large\n' : 'internal error\n');
    }
  }

  /** Listens on `host:port` (port 0 picks one); resolves with the server and its port. */
  async listen(host: string, port: number): Promise<{ server: http.Server; port: number }> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    // Slow clients must not hold sockets forever; keep-alive shorter than typical proxies' idle timeouts.
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return { server, port: (server.address() as AddressInfo).port };
  }
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses `host:port`, `:port` or `port`. */
export function parseAddress(addr: string): { host: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(addr.trim());
  if (m === null)
    throw new Error(`invalid listen address "${addr}": want host:port, :port or port`);
  const host = m[1] === undefined || m[1] === '' ? '0.0.0.0' : m[1].replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(m[2]) };
}
