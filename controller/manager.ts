/**
 * The controller process: one API client, shared informers, the main HTTP listener (every
 * replica), the metrics listener, and Lease leader election that starts the modules'
 * reconcilers on the leader only. `main.ts` parses flags and calls {@link Manager.start}.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type http from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { HttpRouter, parseAddress } from './http.js';
import { SharedInformers } from './informers.js';
import type { ControllerModule, ManagerContext, ModuleSignal } from './module.js';
import {
  KubeClient,
  LeaderElector,
  RequestCounter,
  createLogger,
  runtimeMetrics,
  type Logger,
} from './runtime/index.js';

/** Options for {@link Manager}. */
export interface ManagerOptions {
  readonly kubeConfig: KubeConfig;
  /** The controller's own namespace. */
  readonly namespace: string;
  readonly modules: readonly ControllerModule[];
  /** Every parsed flag (modules read their own). */
  readonly flags: Readonly<Record<string, unknown>>;
  /** Main listener, Bitnami's `:8080`. */
  readonly httpAddr: string;
  /** Prometheus listener, `:8081`. */
  readonly metricsAddr: string;
  readonly leaderElection:
    | false
    | {
        readonly leaseName: string;
        readonly leaseDurationMs?: number;
        readonly renewDeadlineMs?: number;
        readonly retryPeriodMs?: number;
      };
  readonly logger?: Logger;
}

/** The running controller process. */
export class Manager {
  readonly log: Logger;
  readonly counter: RequestCounter;
  private readonly ctx: ManagerContext;
  private readonly servers: http.Server[] = [];
  private elector: LeaderElector | undefined;
  private stopLeading: (() => Promise<void>)[] = [];
  private leadChain: Promise<void> = Promise.resolve();
  /** Leadership without election (--leader-elect=false) lasts until stop. */
  private readonly forever = new AbortController();
  /** Ports actually bound (useful when an address asked for port 0). */
  readonly ports = { http: 0, metrics: 0 };

  constructor(private readonly opts: ManagerOptions) {
    this.log = opts.logger ?? createLogger({ name: 'tenantry-controller' });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const metrics = runtimeMetrics(registry);
    this.counter = new RequestCounter({ metrics });
    const client = new KubeClient(opts.kubeConfig, { counter: this.counter });
    this.ctx = {
      client,
      config: { namespace: opts.namespace, flags: opts.flags },
      log: this.log,
      registry,
      metrics,
      informers: new SharedInformers(client, this.log),
      http: new HttpRouter(this.log),
    };
  }

  /** The context modules receive (for tests that drive a module directly). */
  context(): ManagerContext {
    return this.ctx;
  }

  /** Sets up every module, starts informers and listeners, then campaigns for leadership. */
  async start(): Promise<void> {
    const { http: router, informers, registry } = this.ctx;
    router.route(
      'GET',
      '/healthz',
      (_req, res) => void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n'),
    );
    router.route('GET', '/readyz', (_req, res) => {
      const ready = informers.hasSynced();
      res
        .writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' })
        .end(ready ? 'ok\n' : 'informers not synced\n');
    });
    for (const m of this.opts.modules) {
      this.log.info({ module: m.name }, 'Setting up module');
      await m.setup(this.ctx);
    }
    // Listeners come up before the caches sync so probes answer during a slow start (Bitnami #1959).
    const main = parseAddress(this.opts.httpAddr);
    const served = await router.listen(main.host, main.port);
    this.servers.push(served.server);
    this.ports.http = served.port;
    const metricsRouter = new HttpRouter(this.log).route('GET', '/metrics', async (_req, res) => {
      res.writeHead(200, { 'Content-Type': registry.contentType }).end(await registry.metrics());
    });
    const m = parseAddress(this.opts.metricsAddr);
    const metricsServed = await metricsRouter.listen(m.host, m.port);
    this.servers.push(metricsServed.server);
    this.ports.metrics = metricsServed.port;
    informers.start();
    await informers.waitForSync();
    this.log.info(
      { httpPort: this.ports.http, metricsPort: this.ports.metrics },
      'Informers synced',
    );
    this.campaign();
  }

  private campaign(): void {
    const le = this.opts.leaderElection;
    if (le === false) {
      this.leadChain = this.lead(this.forever.signal);
      return;
    }
    this.elector = new LeaderElector({
      client: this.ctx.client,
      namespace: this.opts.namespace,
      name: le.leaseName,
      ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
      logger: this.log,
      metrics: this.ctx.metrics,
      onStartedLeading: (signal) => {
        this.leadChain = this.leadChain.then(() => this.lead(signal));
        return this.leadChain;
      },
      onStoppedLeading: async () => {
        await this.leadChain;
        await this.unlead();
      },
    });
    this.elector.start();
  }

  /**
   * Hands a process signal to the modules that act on it; with none enabled, says so (a
   * `kill -USR1` meant for a new sealing key, sent to a tenant-only controller, should not pass
   * silently).
   */
  signal(name: ModuleSignal): void {
    const handlers = this.opts.modules.flatMap((m) => m.signals?.[name] ?? []);
    this.log.info({ signal: name, handlers: handlers.length }, 'Signal received');
    if (handlers.length === 0) {
      this.log.warn({ signal: name }, 'No enabled controller acts on this signal; ignored');
    }
    for (const handle of handlers) handle(this.ctx);
  }

  /** True while this replica runs the reconcilers. */
  isLeading(): boolean {
    return this.stopLeading.length > 0;
  }

  private async lead(signal: AbortSignal): Promise<void> {
    this.log.info('Started leading: starting reconcilers');
    for (const m of this.opts.modules) {
      // Leadership may end while an earlier module starts; don't start the rest.
      if (signal.aborted) return;
      if (m.lead !== undefined) this.stopLeading.push(await m.lead(this.ctx, signal));
    }
  }

  private async unlead(): Promise<void> {
    const stops = this.stopLeading.reverse();
    this.stopLeading = [];
    for (const stop of stops) await stop();
    if (stops.length > 0) this.log.info('Stopped leading: reconcilers stopped');
  }

  /** Stops reconcilers (releasing the Lease), modules, informers and listeners. */
  async stop(): Promise<void> {
    this.forever.abort();
    if (this.elector !== undefined) await this.elector.stop();
    else {
      await this.leadChain;
      await this.unlead();
    }
    for (const m of [...this.opts.modules].reverse()) await m.stop?.();
    await this.ctx.informers.stop();
    await Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    this.servers.length = 0;
  }
}
