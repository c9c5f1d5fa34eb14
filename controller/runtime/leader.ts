import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createRealClock, sleep, type Clock } from './clock.js';
import { isConflict, isNotFound, type KubeClient } from './kube.js';
import { silentLogger, type Logger } from './logging.js';
import type { RuntimeMetrics } from './metrics.js';

/** `coordination.k8s.io/v1` Lease in wire form (the fields election uses). */
interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

/** Options for {@link LeaderElector}. */
export interface LeaderElectorOptions {
  readonly client: KubeClient;
  /** Namespace of the Lease (the controller's own namespace). */
  readonly namespace: string;
  /** Lease name, e.g. `tenantry-controller`. */
  readonly name: string;
  /** @default `<hostname>_<random 8 hex>` */
  readonly identity?: string;
  /** How long a non-renewed lease blocks others. @default 15_000 */
  readonly leaseDurationMs?: number;
  /** A leader that cannot renew within this long steps down. @default 10_000 */
  readonly renewDeadlineMs?: number;
  /** Interval between acquire/renew attempts. @default 2_000 */
  readonly retryPeriodMs?: number;
  /**
   * Called on becoming leader, not awaited (renewal continues meanwhile). `signal` aborts when
   * leadership ends. A rejection is logged and makes this replica step down.
   */
  readonly onStartedLeading?: (signal: AbortSignal) => void | Promise<void>;
  /**
   * Called when leadership ends (lost or stopped), and awaited **before** the lease is released,
   * so this replica has stopped reconciling before another one can start.
   */
  readonly onStoppedLeading?: () => void | Promise<void>;
  /** Called when a different holder is observed. */
  readonly onNewLeader?: (identity: string) => void;
  /** Clear the holder on stop so a successor takes over at once (client-go `ReleaseOnCancel`). @default true */
  readonly releaseOnStop?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: RuntimeMetrics;
}

/**
 * Lease-based leader election with client-go semantics (k8s.io/client-go/tools/leaderelection):
 *
 * - a candidate tries every `retryPeriod` (jittered): GET the Lease (create it if absent); if
 *   another holder's record has not changed for `leaseDuration` **as observed on this replica's
 *   own clock**, take it over with a replace carrying the read resourceVersion (409 = lost the
 *   race). No timestamp written by another replica is compared with the local clock, so clock
 *   skew between replicas does not matter;
 * - the leader renews every `retryPeriod`; if no renewal succeeds within `renewDeadline` it
 *   steps down (and becomes a candidate again);
 * - on {@link LeaderElector.stop} the leader clears `holderIdentity`, so a successor takes over
 *   on its next attempt instead of waiting out the lease.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly opts: LeaderElectorOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leading = false;
  private resign = false;
  private observed: { key: string; at: number } | undefined;
  private lastLease: Lease | undefined;
  private lastHolder: string | undefined;
  private stopper: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.opts = opts;
    this.identity = opts.identity ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
    this.clock = opts.clock ?? createRealClock();
    this.log = (opts.logger ?? silentLogger()).child({ lease: `${opts.namespace}/${opts.name}` });
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (!(
      this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs
    )) {
      throw new Error('Leader election needs leaseDuration > renewDeadline > retryPeriod');
    }
  }

  /** True while this replica holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The last holder observed on the Lease (this replica's identity while leading). */
  leader(): string | undefined {
    return this.lastHolder;
  }

  /** Starts campaigning in the background. Idempotent while running. */
  start(): void {
    if (this.loop !== undefined) {
      return;
    }
    const stopper = new AbortController();
    this.stopper = stopper;
    this.loop = this.run(stopper.signal).catch((err: unknown) => {
      this.log.error({ err }, 'Leader election loop crashed');
    });
  }

  /** Stops campaigning; a leader stops leading and (by default) releases the lease. */
  async stop(): Promise<void> {
    if (this.loop === undefined || this.stopper === undefined) {
      return;
    }
    this.stopper.abort();
    await this.loop;
    this.loop = undefined;
    this.stopper = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.acquire(signal))) {
        break;
      }
      const leading = new AbortController();
      this.startLeading(leading.signal);
      try {
        await this.renewWhileLeading(signal);
      } finally {
        // Also on an unexpected error: never keep claiming leadership without renewing.
        leading.abort();
        await this.stopLeading(signal.aborted && (this.opts.releaseOnStop ?? true));
      }
    }
  }

  /** Tries until the lease is ours (true) or we are stopped (false). */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) {
        return false;
      }
      if (await this.tryAcquireOrRenew(signal, this.retryPeriodMs)) {
        return true;
      }
      // client-go jitters the candidate period by up to 20 % so candidates do not collide.
      await sleep(this.clock, this.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
  }

  /** Renews every retryPeriod; returns when a renewDeadline passes without success, or on stop. */
  private async renewWhileLeading(signal: AbortSignal): Promise<void> {
    let lastRenew = this.clock.now();
    while (!signal.aborted && !this.resign) {
      await sleep(this.clock, this.retryPeriodMs, signal);
      if (signal.aborted || this.resign) {
        return;
      }
      const remaining = this.renewDeadlineMs - (this.clock.now() - lastRenew);
      if (await this.tryAcquireOrRenew(signal, Math.max(1, remaining))) {
        lastRenew = this.clock.now();
      } else if (this.clock.now() - lastRenew >= this.renewDeadlineMs) {
        this.log.warn('Failed to renew lease within the renew deadline, stepping down');
        return;
      }
    }
  }

  private startLeading(signal: AbortSignal): void {
    this.leading = true;
    this.resign = false;
    this.setMetric(1);
    this.log.info({ identity: this.identity }, 'Became leader');
    const cb = this.opts.onStartedLeading;
    if (cb === undefined) {
      return;
    }
    Promise.resolve()
      .then(() => cb(signal))
      .catch((err: unknown) => {
        this.log.error({ err }, 'onStartedLeading failed, stepping down');
        this.resign = true;
      });
  }

  private async stopLeading(release: boolean): Promise<void> {
    this.leading = false;
    this.setMetric(0);
    this.log.info('Stopped leading');
    try {
      await this.opts.onStoppedLeading?.();
    } catch (err) {
      this.log.error({ err }, 'onStoppedLeading failed');
    }
    if (release) {
      await this.release();
    }
  }

  /** Clears the holder so the next candidate acquires at once. Best effort: the lease expires anyway. */
  private async release(): Promise<void> {
    const lease = this.lastLease;
    if (lease?.spec?.holderIdentity !== this.identity) {
      return;
    }
    const now = microTime(this.clock.now());
    const body: Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: null,
        leaseDurationSeconds: 1,
        renewTime: now,
        acquireTime: now,
      },
    };
    try {
      await this.replace(body, AbortSignal.timeout(Math.ceil(this.renewDeadlineMs)));
      this.log.info('Released lease');
    } catch (err) {
      this.log.warn({ err }, 'Failed to release lease; successors wait for it to expire');
    }
  }

  /** One attempt; any error counts as "not acquired" (logged) and is retried by the caller. */
  private async tryAcquireOrRenew(stop: AbortSignal, timeoutMs: number): Promise<boolean> {
    try {
      // AbortSignal.timeout takes whole milliseconds only.
      const signal = AbortSignal.any([
        stop,
        AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs))),
      ]);
      return await this.attempt(signal);
    } catch (err) {
      if (!stop.aborted) {
        this.log.warn({ err }, 'Lease acquire/renew attempt failed');
      }
      return false;
    }
  }

  private async attempt(signal: AbortSignal): Promise<boolean> {
    // Fast path (client-go does the same): the leader renews from its own last write, one request.
    if (this.leading && this.lastLease !== undefined) {
      try {
        await this.write(this.lastLease, signal);
        return true;
      } catch (err) {
        if (!isConflict(err)) {
          throw err;
        }
      }
    }
    const current = await this.get(signal);
    if (current === undefined) {
      return this.create(signal);
    }
    this.observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    const observedAt = this.observed?.at ?? this.clock.now();
    if (
      holder !== '' &&
      holder !== this.identity &&
      this.clock.now() - observedAt < this.leaseDurationMs
    ) {
      return false;
    }
    try {
      await this.write(current, signal);
      return true;
    } catch (err) {
      if (isConflict(err)) {
        return false;
      }
      throw err;
    }
  }

  /** Records when this replica first saw the lease in its current state. */
  private observe(lease: Lease): void {
    const holder = lease.spec?.holderIdentity ?? '';
    const key = JSON.stringify([lease.metadata.resourceVersion, holder, lease.spec?.renewTime]);
    if (this.observed?.key !== key) {
      this.observed = { key, at: this.clock.now() };
    }
    if (holder !== '' && holder !== this.lastHolder) {
      this.lastHolder = holder;
      if (holder !== this.identity) {
        this.log.info({ holder }, 'New leader observed');
        this.opts.onNewLeader?.(holder);
      }
    }
  }

  /** Writes our holder record on top of `base` (replace with base's resourceVersion). */
  private async write(base: Lease, signal: AbortSignal): Promise<void> {
    const now = microTime(this.clock.now());
    const spec = base.spec ?? {};
    const renewing = spec.holderIdentity === this.identity;
    const body: Lease = {
      ...base,
      spec: {
        ...spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
        renewTime: now,
        acquireTime: renewing ? (spec.acquireTime ?? now) : now,
        leaseTransitions: renewing
          ? (spec.leaseTransitions ?? 0)
          : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    const stored = await this.replace(body, signal);
    this.lastLease = stored;
    this.observe(stored);
  }

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.opts.namespace)}/leases`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  private async get(signal: AbortSignal): Promise<Lease | undefined> {
    try {
      return await this.opts.client.request<Lease>({
        method: 'GET',
        path: this.path(this.opts.name),
        signal,
      });
    } catch (err) {
      if (isNotFound(err)) {
        return undefined;
      }
      throw err;
    }
  }

  private async create(signal: AbortSignal): Promise<boolean> {
    const now = microTime(this.clock.now());
    const body: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.opts.name, namespace: this.opts.namespace },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
    try {
      const stored = await this.opts.client.request<Lease>({
        method: 'POST',
        path: this.path(),
        body,
        signal,
      });
      this.lastLease = stored;
      this.observe(stored);
      return true;
    } catch (err) {
      if (isConflict(err)) {
        return false;
      }
      throw err;
    }
  }

  private replace(body: Lease, signal: AbortSignal): Promise<Lease> {
    return this.opts.client.request<Lease>({
      method: 'PUT',
      path: this.path(this.opts.name),
      body,
      signal,
    });
  }

  private setMetric(value: number): void {
    this.opts.metrics?.leaderElectionStatus.set({ name: this.opts.name }, value);
  }
}

/** metav1.MicroTime wire format: RFC 3339 with exactly six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
