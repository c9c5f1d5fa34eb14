/**
 * The `tenant` module of the controller process: registers the informers it reads on every
 * replica, and runs the Tenant reconciler on the leader.
 */
import type { ControllerModule, ManagerContext } from '../module.js';
import { Controller } from '../runtime/controller.js';
import { limitInFlight } from './api.js';
import { tenantReconciler } from './reconcile.js';
import { GLOBAL_KEY, registerTenantInformers, watchTenantSources } from './watches.js';

/** Flag defaults: enough workers to keep the request pipeline full while some wait on a Tenant's
 * serial steps (finalizer, status), and one cap on requests in flight across all of them. */
const DEFAULT_WORKERS = 16;
const DEFAULT_MAX_IN_FLIGHT = 64;

function numberFlag(ctx: ManagerContext, name: string, fallback: number): number {
  const v = ctx.config.flags[name];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** The Tenant controller as a {@link ControllerModule}. */
export function tenantModule(): ControllerModule {
  let controller: Controller | undefined;
  return {
    name: 'tenant',
    options: {
      'tenant-workers': {
        type: 'number',
        default: DEFAULT_WORKERS,
        describe: 'Tenants reconciled concurrently',
      },
      'tenant-max-in-flight': {
        type: 'number',
        default: DEFAULT_MAX_IN_FLIGHT,
        describe: 'API requests the Tenant controller has in flight at most, across all workers',
      },
    },
    setup(ctx: ManagerContext): Promise<void> {
      const caches = registerTenantInformers(ctx.informers);
      const maxInFlight = numberFlag(ctx, 'tenant-max-in-flight', DEFAULT_MAX_IN_FLIGHT);
      const limited = limitInFlight(ctx.client, maxInFlight);
      // Built once: the same Controller is started and stopped as leadership comes and goes, so
      // its informer handlers are registered only once.
      controller = new Controller({
        name: 'tenant',
        workers: numberFlag(ctx, 'tenant-workers', DEFAULT_WORKERS),
        metrics: ctx.metrics,
        logger: ctx.log,
        reconcile: tenantReconciler({
          client: limited.bulk,
          urgentClient: limited.urgent,
          caches,
          log: ctx.log,
          writeConcurrency: maxInFlight,
        }),
      });
      watchTenantSources(controller, caches);
      return Promise.resolve();
    },
    async lead(): Promise<() => Promise<void>> {
      const c = controller;
      if (c === undefined) throw new Error('tenant module: lead() before setup()');
      await c.start();
      c.enqueue(GLOBAL_KEY);
      return () => c.stop();
    },
  };
}
