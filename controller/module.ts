/**
 * How a part of the controller (the Tenant reconciler, the SealedSecret reconciler, the admission
 * webhooks) plugs into the one controller process. The manager (manager.ts) owns everything
 * shared: the API client, informers, HTTP servers, metrics, logging and leader election.
 */
import type { Options } from 'yargs';
import type { Registry } from 'prom-client';
import type { KubeClient, Logger, RuntimeMetrics } from './runtime/index.js';
import type { SharedInformers } from './informers.js';
import type { HttpRouter } from './http.js';

/** Settings every module can read. Module-specific flags arrive in `flags`. */
export interface ManagerConfig {
  /** The controller's own namespace (key Secrets, the Lease, webhook certificates). */
  readonly namespace: string;
  /** Parsed command-line flags and environment, including each module's own options. */
  readonly flags: Readonly<Record<string, unknown>>;
}

/** What the manager hands each module. */
export interface ManagerContext {
  /** The API client; every request through it is counted (rest_client_requests_total). */
  readonly client: KubeClient;
  readonly config: ManagerConfig;
  readonly log: Logger;
  readonly registry: Registry;
  readonly metrics: RuntimeMetrics;
  /** Informers shared by every module; started by the manager on every replica. */
  readonly informers: SharedInformers;
  /** Routes on the main HTTP listener (Bitnami's :8080: /healthz, /v1/cert.pem, …). */
  readonly http: HttpRouter;
}

/** Process signals the manager hands to modules (main.ts forwards them). */
export type ModuleSignal = 'SIGUSR1';

/** A part of the controller. */
export interface ControllerModule {
  readonly name: string;
  /** Command-line flags (also read from `TENANTRY_<FLAG>` environment variables). */
  readonly options?: Readonly<Record<string, Options>>;
  /**
   * Runs on every replica before informers start: register informers, HTTP routes, start
   * webhook servers. Whatever serves requests must work on followers too.
   */
  setup(ctx: ManagerContext): Promise<void>;
  /**
   * Runs on the leader only, after informers synced: start reconcilers. Returns how to stop
   * them; the manager calls it when leadership ends or the process stops. Must return quickly:
   * the hand-over to another replica waits for it. Long work (generating a key) belongs in a
   * reconcile or a background task that ends when `signal` aborts (leadership lost).
   */
  lead?(ctx: ManagerContext, signal: AbortSignal): Promise<() => Promise<void>>;
  /**
   * What the module does on a process signal, on whichever replica receives it (SIGUSR1:
   * Bitnami's "generate a new sealing key now"). Must return quickly; long work runs in the
   * background and logs its own outcome.
   */
  readonly signals?: Readonly<Partial<Record<ModuleSignal, (ctx: ManagerContext) => void>>>;
  /** Releases what `setup` started (servers, timers). */
  stop?(): Promise<void>;
}
