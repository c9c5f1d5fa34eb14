/**
 * The slice of the API client the Tenant controller uses, and a limiter in front of it: one cap
 * on requests in flight across every worker, so that many Tenants reconciled at once keep the
 * apiserver busy without flooding it (API Priority and Fairness is the server's own guard; this
 * is the client's manners).
 */
import type { KubeClient, RawRequest } from '../runtime/kube.js';

/** What the Tenant controller needs of a client: raw requests. */
export interface ApiClient {
  request<T = unknown>(req: RawRequest): Promise<T>;
}

/** Two views of one limiter: both share the same slots. */
export interface LimitedClients {
  /** Bulk writes (children): served in arrival order. */
  readonly bulk: ApiClient;
  /**
   * A Tenant's serial steps (finalizer, status, quota moves): served before any waiting bulk
   * request. A worker blocked on one of these does nothing else, so letting it queue behind
   * hundreds of other Tenants' children would leave workers idle and the pipeline half empty.
   */
  readonly urgent: ApiClient;
}

/**
 * Wraps `client` so that at most `maxInFlight` requests are outstanding; the rest wait, urgent
 * ones first, each class in arrival order.
 */
export function limitInFlight(client: KubeClient | ApiClient, maxInFlight: number): LimitedClients {
  let inFlight = 0;
  const urgentWaiting: (() => void)[] = [];
  const bulkWaiting: (() => void)[] = [];
  const acquire = async (urgent: boolean): Promise<void> => {
    if (inFlight < maxInFlight) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => (urgent ? urgentWaiting : bulkWaiting).push(resolve));
  };
  const release = (): void => {
    const next = urgentWaiting.shift() ?? bulkWaiting.shift();
    // Hand the slot straight to the next waiter: inFlight stays the same.
    if (next !== undefined) next();
    else inFlight--;
  };
  const view = (urgent: boolean): ApiClient => ({
    async request<T>(req: RawRequest): Promise<T> {
      await acquire(urgent);
      try {
        return await client.request<T>(req);
      } finally {
        release();
      }
    },
  });
  return { bulk: view(false), urgent: view(true) };
}
