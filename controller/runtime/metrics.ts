import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WorkQueueMetrics } from './workqueue.js';

/**
 * The runtime's Prometheus series, named as controller-runtime and client-go name them so existing
 * dashboards (and the side-by-side benchmarks, performance.md §10) read them unchanged.
 *
 * Everything is registered on a caller-owned `Registry`: importing this module registers nothing
 * on prom-client's global default registry.
 */
export interface RuntimeMetrics {
  readonly registry: Registry;
  /** `controller_runtime_reconcile_total{controller,result}`; result ∈ success, error, requeue_after. */
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  /** `controller_runtime_reconcile_errors_total{controller}`: thrown errors, terminal ones included. */
  readonly reconcileErrors: Counter<'controller'>;
  /** `controller_runtime_terminal_reconcile_errors_total{controller}`: not retried. */
  readonly terminalReconcileErrors: Counter<'controller'>;
  /** `controller_runtime_reconcile_time_seconds{controller}`. */
  readonly reconcileTime: Histogram<'controller'>;
  /** `controller_runtime_active_workers{controller}`: reconciles running now. */
  readonly activeWorkers: Gauge<'controller'>;
  /** `controller_runtime_max_concurrent_reconciles{controller}`. */
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  /** `workqueue_depth{controller,name}`. */
  readonly workqueueDepth: Gauge<'controller' | 'name'>;
  /** `workqueue_adds_total{controller,name}`. */
  readonly workqueueAdds: Counter<'controller' | 'name'>;
  /** `workqueue_retries_total{controller,name}`. */
  readonly workqueueRetries: Counter<'controller' | 'name'>;
  /** `rest_client_requests_total{method,code}` (client-go); fed by {@link ../kube.RequestCounter}. */
  readonly restClientRequests: Counter<'method' | 'code'>;
  /** `leader_election_master_status{name}`: 1 while this replica leads the named lease. */
  readonly leaderElectionStatus: Gauge<'name'>;
}

const byRegistry = new WeakMap<Registry, RuntimeMetrics>();

/** controller-runtime's reconcile-time buckets, thinned: 5 ms … 60 s. */
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60];

/**
 * Returns the runtime metrics registered on `registry`, creating them on first use. Memoised per
 * registry, so several controllers (and the leader elector) can share one registry without
 * "metric already registered" errors.
 */
export function runtimeMetrics(registry: Registry): RuntimeMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) {
    return existing;
  }
  const registers = [registry];
  const queueLabels = ['controller', 'name'] as const;
  const created: RuntimeMetrics = {
    registry,
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'] as const,
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'] as const,
      registers,
    }),
    terminalReconcileErrors: new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'] as const,
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'] as const,
      buckets: RECONCILE_BUCKETS,
      registers,
    }),
    activeWorkers: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'] as const,
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'] as const,
      registers,
    }),
    workqueueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: queueLabels,
      registers,
    }),
    workqueueAdds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: queueLabels,
      registers,
    }),
    workqueueRetries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: queueLabels,
      registers,
    }),
    restClientRequests: new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code and method',
      labelNames: ['method', 'code'] as const,
      registers,
    }),
    leaderElectionStatus: new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of whether this replica is the leader (1) or not (0) of the named lease',
      labelNames: ['name'] as const,
      registers,
    }),
  };
  byRegistry.set(registry, created);
  return created;
}

/** Adapts {@link RuntimeMetrics} to the hooks a {@link WorkQueue} calls, for queue `name`. */
export function workQueueMetrics(metrics: RuntimeMetrics, name: string): WorkQueueMetrics {
  const labels = { controller: name, name };
  return {
    depth: (n) => metrics.workqueueDepth.set(labels, n),
    add: () => metrics.workqueueAdds.inc(labels),
    retry: () => metrics.workqueueRetries.inc(labels),
  };
}
