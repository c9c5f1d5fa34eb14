/**
 * Kubernetes Events for users. Emitted only when something changed (a Secret written, a
 * condition flipped): Bitnami's `Unsealed` Event on every pass flooded clusters and woke GitOps
 * tools on every resync (#223).
 */
import { randomBytes } from 'node:crypto';
import {
  toConditionTime,
  type DeepReadonly,
  type KubeClient,
  type KubeObject,
  type Logger,
} from '../runtime/index.js';
import { EVENT_COMPONENT, REPORTING_CONTROLLER } from './constants.js';

/** Records an Event about an object. Failures are logged, never thrown: an Event is advisory. */
export interface EventRecorder {
  record(
    about: DeepReadonly<KubeObject>,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void>;
}

/** Options for {@link apiEventRecorder}. */
export interface ApiEventRecorderOptions {
  readonly client: KubeClient;
  readonly log: Logger;
  /** Reporting instance (the pod or host name). */
  readonly instance: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Messages are capped as the API server caps them (1 KiB for core/v1 Events' note). */
const MAX_MESSAGE = 1024;

/** An {@link EventRecorder} that creates core/v1 Events. */
export function apiEventRecorder(opts: ApiEventRecorderOptions): EventRecorder {
  const now = opts.now ?? ((): Date => new Date());
  return {
    async record(about, type, reason, message): Promise<void> {
      const meta = about.metadata ?? {};
      // Events of cluster-scoped objects (a Namespace) live in `default`, as client-go's.
      const namespace = meta.namespace ?? 'default';
      const stamp = toConditionTime(now());
      const body = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          name: `${meta.name ?? 'object'}.${randomBytes(8).toString('hex')}`,
          namespace,
        },
        involvedObject: {
          apiVersion: about.apiVersion,
          kind: about.kind,
          name: meta.name,
          ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        type,
        reason,
        message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
        source: { component: EVENT_COMPONENT },
        reportingComponent: REPORTING_CONTROLLER,
        reportingInstance: opts.instance,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1,
      };
      try {
        await opts.client.request({
          method: 'POST',
          path: `/api/v1/namespaces/${namespace}/events`,
          body,
        });
      } catch (err) {
        opts.log.warn(
          { err, reason, object: `${namespace}/${meta.name ?? ''}` },
          'Cannot record Event',
        );
      }
    },
  };
}

/** Options for {@link queuedEventRecorder}. */
export interface QueuedEventRecorderOptions {
  readonly log: Logger;
  /** Events waiting at most; more are dropped with a log line. @default 1000 */
  readonly capacity?: number;
}

/**
 * Sends Events one at a time from a bounded queue, as client-go's event broadcaster does (one
 * sender goroutine, a 1,000-event buffer that drops when full).
 *
 * Why: an Event is advisory, the Secret and the status are what users and GitOps tools wait for.
 * Sent as they come, a first unseal of 1,000 SealedSecrets put 1,000 Event creates in flight
 * beside the 2,000 writes that matter, a third of the API server's work (docs/benchmarks.md).
 * One at a time, they trail behind instead. The promise of {@link EventRecorder.record}
 * resolves when that Event was sent (or dropped).
 */
export function queuedEventRecorder(
  inner: EventRecorder,
  opts: QueuedEventRecorderOptions,
): EventRecorder {
  const capacity = opts.capacity ?? 1000;
  const queue: (() => Promise<void>)[] = [];
  let sending = false;
  let dropped = 0;
  const drain = async (): Promise<void> => {
    sending = true;
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) await job();
    sending = false;
  };
  return {
    record(about, type, reason, message): Promise<void> {
      if (queue.length >= capacity) {
        dropped++;
        // Log the first drop and then every 100th: a flood must not become a log flood.
        if (dropped % 100 === 1)
          opts.log.warn({ dropped, capacity, reason }, 'Event queue full: dropping Events');
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        // Through a promise, so a recorder that throws instead of rejecting cannot stop the queue.
        queue.push(() =>
          Promise.resolve()
            .then(() => inner.record(about, type, reason, message))
            .then(resolve, resolve),
        );
        if (!sending) void drain();
      });
    },
  };
}
