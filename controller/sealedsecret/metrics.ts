/**
 * Prometheus series of the SealedSecret side. Bitnami's names (namespace
 * `sealed_secrets_controller`) are kept so existing dashboards and alerts work unchanged;
 * tenantry's additions are prefixed `tenantry_`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestCounter } from '../runtime/index.js';

/** The SealedSecret controller's metrics. */
export interface SealedSecretMetrics {
  /** `sealed_secrets_controller_unseal_requests_total`: passes that had to decrypt. */
  readonly unsealRequests: Counter;
  /** `sealed_secrets_controller_unseal_errors_total{reason,namespace}`; reason ∈ unseal, unmanaged, update, status. */
  readonly unsealErrors: Counter<'reason' | 'namespace'>;
  /** `sealed_secrets_controller_condition_info{namespace,name,condition,ss_app_kubernetes_io_instance}`: 1 True, -1 False, 0 Unknown. */
  readonly conditionInfo: Gauge<
    'namespace' | 'name' | 'condition' | 'ss_app_kubernetes_io_instance'
  >;
  /** `sealed_secrets_controller_http_requests_total{path,code,method}`. */
  readonly httpRequests: Counter<'path' | 'code' | 'method'>;
  /** `sealed_secrets_controller_http_request_duration_seconds{path,method}`. */
  readonly httpDuration: Histogram<'path' | 'method'>;
  /** `tenantry_sealing_keys{state}`: loaded keys, and labelled Secrets rejected as malformed. */
  readonly keys: Gauge<'state'>;
  /** `tenantry_sealedsecret_rsa_decryptions_total`: RSA private-key operations, failed key trials included. */
  readonly rsaDecryptions: Counter;
  /** `tenantry_sealedsecret_unseal_skipped_total`: passes proven in sync without decrypting. */
  readonly unsealSkipped: Counter;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Registers (once per registry) and returns the metrics. */
export function sealedSecretMetrics(registry: Registry): SealedSecretMetrics {
  const registers = [registry];
  return {
    unsealRequests: once(
      registry,
      'sealed_secrets_controller_unseal_requests_total',
      () =>
        new Counter({
          name: 'sealed_secrets_controller_unseal_requests_total',
          help: 'Total number of sealed secret unseal requests',
          registers,
        }),
    ),
    unsealErrors: once(
      registry,
      'sealed_secrets_controller_unseal_errors_total',
      () =>
        new Counter({
          name: 'sealed_secrets_controller_unseal_errors_total',
          help: 'Total number of sealed secret unseal errors by reason',
          labelNames: ['reason', 'namespace'] as const,
          registers,
        }),
    ),
    conditionInfo: once(
      registry,
      'sealed_secrets_controller_condition_info',
      () =>
        new Gauge({
          name: 'sealed_secrets_controller_condition_info',
          help: 'Current SealedSecrets condition status. Values are -1 (false), 0 (unknown or absent), 1 (true)',
          labelNames: ['namespace', 'name', 'condition', 'ss_app_kubernetes_io_instance'] as const,
          registers,
        }),
    ),
    httpRequests: once(
      registry,
      'sealed_secrets_controller_http_requests_total',
      () =>
        new Counter({
          name: 'sealed_secrets_controller_http_requests_total',
          help: 'Total number of HTTP requests by path, status code and method',
          labelNames: ['path', 'code', 'method'] as const,
          registers,
        }),
    ),
    httpDuration: once(
      registry,
      'sealed_secrets_controller_http_request_duration_seconds',
      () =>
        new Histogram({
          name: 'sealed_secrets_controller_http_request_duration_seconds',
          help: 'HTTP request duration by path and method',
          labelNames: ['path', 'method'] as const,
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers,
        }),
    ),
    keys: once(
      registry,
      'tenantry_sealing_keys',
      () =>
        new Gauge({
          name: 'tenantry_sealing_keys',
          help: 'Sealing keys by state: loaded, or rejected (a labelled Secret that is malformed)',
          labelNames: ['state'] as const,
          registers,
        }),
    ),
    rsaDecryptions: once(
      registry,
      'tenantry_sealedsecret_rsa_decryptions_total',
      () =>
        new Counter({
          name: 'tenantry_sealedsecret_rsa_decryptions_total',
          help: 'RSA private-key operations, failed key trials included',
          registers,
        }),
    ),
    unsealSkipped: once(
      registry,
      'tenantry_sealedsecret_unseal_skipped_total',
      () =>
        new Counter({
          name: 'tenantry_sealedsecret_unseal_skipped_total',
          help: 'Reconciles that proved the Secret in sync without decrypting anything',
          registers,
        }),
    ),
  };
}

/**
 * Exposes the runtime's {@link RequestCounter} by verb and resource
 * (`tenantry_client_requests{verb,resource}`): `rest_client_requests_total` has only method and
 * code, which cannot tell a Lease renewal from a Secret write. Registered once per registry.
 */
export function requestsByResource(registry: Registry, counter: RequestCounter | undefined): void {
  const name = 'tenantry_client_requests';
  if (counter === undefined || registry.getSingleMetric(name) !== undefined) return;
  new Gauge({
    name,
    help: 'API requests of this process by verb and resource, since start',
    labelNames: ['verb', 'resource'] as const,
    registers: [registry],
    collect(): void {
      this.reset();
      for (const [k, n] of Object.entries(counter.snapshot())) {
        const [verb = '', resource = ''] = k.split(' ');
        this.set({ verb, resource }, n);
      }
    },
  });
}
