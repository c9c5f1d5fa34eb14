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

/**
 * Wraps `client` so that at most `maxInFlight` requests are outstanding; the rest queue in
 * arrival order.
 */
export function limitInFlight(client: KubeClient | ApiClient, maxInFlight: number): ApiClient {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (inFlight < maxInFlight) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    // Hand the slot straight to the next waiter: inFlight stays the same.
    if (next !== undefined) next();
    else inFlight--;
  };
  return {
    async request<T>(req: RawRequest): Promise<T> {
      await acquire();
      try {
        return await client.request<T>(req);
      } finally {
        release();
      }
    },
  };
}
