/**
 * Warning events on a Tenant, for users (`kubectl describe tenant`). Emitted only when a problem
 * is new, never on a no-op pass (sealed-secrets #223: an Event per resync floods Argo CD).
 */
import { FIELD_MANAGER_TENANT } from '../../crds/index.js';
import { toConditionTime } from '../runtime/conditions.js';
import type { ApiClient } from './api.js';
import type { Logger } from '../runtime/logging.js';
import type { CachedTenant } from './desired.js';
import { KINDS } from './kinds.js';

/** Events of cluster-scoped objects go to `default`, as client-go's recorder puts them. */
const EVENT_NAMESPACE = 'default';

/** What {@link recordWarning} needs. */
export interface WarningInput {
  readonly client: ApiClient;
  readonly log: Logger;
  readonly tenant: CachedTenant;
  readonly reason: string;
  readonly message: string;
  readonly now: Date;
}

/**
 * Records a Warning event on the Tenant. Best effort, like client-go's recorder: a failure is
 * logged, not retried, because the same problem is also in the Tenant's Ready condition.
 */
export async function recordWarning(input: WarningInput): Promise<void> {
  const { tenant, now } = input;
  const name = tenant.metadata.name ?? '';
  const time = toConditionTime(now);
  try {
    await input.client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${EVENT_NAMESPACE}/events`,
      query: { fieldManager: FIELD_MANAGER_TENANT },
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${name}.${now.getTime().toString(16)}`, namespace: EVENT_NAMESPACE },
        involvedObject: {
          apiVersion: KINDS.Tenant.apiVersion,
          kind: KINDS.Tenant.kind,
          name,
          uid: tenant.metadata.uid,
          resourceVersion: tenant.metadata.resourceVersion,
        },
        reason: input.reason,
        message: input.message.slice(0, 1024),
        type: 'Warning',
        source: { component: FIELD_MANAGER_TENANT },
        reportingComponent: FIELD_MANAGER_TENANT,
        reportingInstance: FIELD_MANAGER_TENANT,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      },
    });
  } catch (err) {
    input.log.warn({ err, reason: input.reason }, 'Failed to record Warning event on Tenant');
  }
}
