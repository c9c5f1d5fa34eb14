/**
 * The HTTPS webhook server: parses AdmissionReviews (bodies up to 2 MB), dispatches them by path
 * to the handlers and answers JSON. The serving certificate can be swapped while running
 * (rotation) with `setSecureContext`.
 *
 * A handler that throws never turns into an allow-all or a deny-all: that one request is denied
 * with HTTP 500 in the Status and the error's message, the error is logged and counted
 * (`tenantry_admission_webhook_errors_total`). Requests that arrive before the caches synced are
 * denied the same explicit way (503) instead of being judged against an empty cache.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../runtime/index.js';
import {
  deny,
  toReview,
  type AdmissionRequest,
  type AdmissionReview,
  type Verdict,
} from './types.js';

/** The most an AdmissionReview may weigh (the apiserver's own request limit is 3 MB). */
export const MAX_REVIEW_BYTES = 2 * 1024 * 1024;

/** A webhook handler: pure or (for the namespace reservation) asynchronous. */
export type ReviewHandler = (req: AdmissionRequest) => Verdict | Promise<Verdict>;

/** Options for {@link WebhookServer}. */
export interface WebhookServerOptions {
  /** Path → handler. */
  readonly handlers: Readonly<Record<string, ReviewHandler>>;
  readonly log: Logger;
  /** Registers the webhook metrics here; none when absent. */
  readonly registry?: Registry;
  /** False while the caches are not synced. @default always ready */
  readonly ready?: () => boolean;
}

/** An HTTP-level answer of {@link WebhookServer.review}. */
export interface ReviewResult {
  readonly status: number;
  readonly body: string;
}

/** The webhook server (see the module comment). */
export class WebhookServer {
  private server: https.Server | undefined;
  private readonly duration: Histogram<'hook' | 'allowed'> | undefined;
  private readonly errors: Counter<'hook'> | undefined;

  constructor(private readonly opts: WebhookServerOptions) {
    if (opts.registry !== undefined) {
      this.duration = new Histogram({
        name: 'tenantry_admission_webhook_duration_seconds',
        help: 'Time to answer an admission review, by hook and verdict',
        labelNames: ['hook', 'allowed'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
        registers: [opts.registry],
      });
      this.errors = new Counter({
        name: 'tenantry_admission_webhook_errors_total',
        help: 'Admission reviews whose handler threw (each denied with HTTP 500 in the Status)',
        labelNames: ['hook'],
        registers: [opts.registry],
      });
    }
  }

  /**
   * Answers one AdmissionReview body sent to `path` (the whole request path, minus HTTP). Exposed
   * for the benchmark and tests.
   */
  async review(path: string, body: Buffer | string): Promise<ReviewResult> {
    const handler = this.opts.handlers[path];
    if (handler === undefined) return { status: 404, body: 'not found\n' };
    let review: AdmissionReview;
    try {
      review = JSON.parse(
        typeof body === 'string' ? body : body.toString('utf8'),
      ) as AdmissionReview;
    } catch {
      return { status: 400, body: 'request body is not JSON\n' };
    }
    const req = review.request;
    if (req === undefined || typeof req.uid !== 'string') {
      return { status: 400, body: 'not an AdmissionReview request\n' };
    }
    const started = process.hrtime.bigint();
    const verdict = await this.decide(path, handler, req);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.duration?.observe({ hook: path, allowed: String(verdict.allowed) }, seconds);
    this.opts.log.debug(
      {
        hook: path,
        operation: req.operation,
        name: req.name,
        user: req.userInfo.username,
        allowed: verdict.allowed,
        ...(verdict.allowed ? {} : { message: verdict.message }),
      },
      'Admission review',
    );
    return { status: 200, body: JSON.stringify(toReview(review.apiVersion, req.uid, verdict)) };
  }

  private async decide(
    path: string,
    handler: ReviewHandler,
    req: AdmissionRequest,
  ): Promise<Verdict> {
    if (this.opts.ready !== undefined && !this.opts.ready()) {
      return deny('tenantry admission is starting (caches not synced yet); try again', 503);
    }
    try {
      return await handler(req);
    } catch (err) {
      this.errors?.inc({ hook: path });
      this.opts.log.error(
        {
          err,
          hook: path,
          uid: req.uid,
          resource: req.resource,
          name: req.name,
          namespace: req.namespace,
        },
        'Admission handler failed; denying this request',
      );
      return deny(
        `tenantry admission failed on this request (${(err as Error).message}); see the controller logs`,
        500,
      );
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://local').pathname;
    if (req.method !== 'POST') {
      res.writeHead(405, { 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REVIEW_BYTES) {
        res
          .writeHead(413, { 'Content-Type': 'text/plain', Connection: 'close' })
          .end('request body too large\n');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    const result = await this.review(path, Buffer.concat(chunks));
    res
      .writeHead(result.status, {
        'Content-Type': result.status === 200 ? 'application/json' : 'text/plain',
      })
      .end(result.body);
  }

  /** Listens with TLS on `host:port` (0 picks a port); resolves with the port. */
  async listen(host: string, port: number, tls: { cert: string; key: string }): Promise<number> {
    const server = https.createServer(
      { cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => {
          this.opts.log.error({ err }, 'Webhook request failed');
          if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('internal error\n');
        });
      },
    );
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    // The apiserver keeps connections open; stay below its idle timeout (90 s) to avoid races.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.log.error({ err }, 'Webhook server error'));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** True while listening. */
  listening(): boolean {
    return this.server?.listening === true;
  }

  /** Serves new connections with another certificate (rotation). */
  setCertificate(tls: { cert: string; key: string }): void {
    this.server?.setSecureContext({ cert: tls.cert, key: tls.key });
  }

  /** Stops listening and closes idle connections. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}
