/**
 * The `tenant` module of the controller process: registers the informers it reads on every
 * replica, and runs the Tenant reconciler on the leader.
 */
import type { ControllerModule, ManagerContext } from '../module.js';
import { Controller } from '../runtime/controller.js';
import { tenantReconciler } from './reconcile.js';
import { GLOBAL_KEY, registerTenantInformers, watchTenantSources } from './watches.js';

/** Flag defaults. */
const DEFAULT_WORKERS = 8;
const DEFAULT_WRITE_CONCURRENCY = 16;

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
      'tenant-write-concurrency': {
        type: 'number',
        default: DEFAULT_WRITE_CONCURRENCY,
        describe: 'API writes in flight per Tenant reconcile',
      },
    },
    setup(ctx: ManagerContext): Promise<void> {
      const caches = registerTenantInformers(ctx.informers);
      // Built once: the same Controller is started and stopped as leadership comes and goes, so
      // its informer handlers are registered only once.
      controller = new Controller({
        name: 'tenant',
        workers: numberFlag(ctx, 'tenant-workers', DEFAULT_WORKERS),
        metrics: ctx.metrics,
        logger: ctx.log,
        reconcile: tenantReconciler({
          client: ctx.client,
          caches,
          log: ctx.log,
          writeConcurrency: numberFlag(ctx, 'tenant-write-concurrency', DEFAULT_WRITE_CONCURRENCY),
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
