/**
 * Key generation and renewal. The schedule runs on the leader only (two replicas must not both
 * mint a key on it); {@link KeyRotation.generate} also serves a key asked for by hand (SIGUSR1)
 * on any replica, without {@link KeyRotation.start}.
 *
 * - At start, a key is generated if none is loaded — but only after a live LIST confirms there
 *   really is none: if listing key Secrets is forbidden (HTTP 403), existing keys may simply be
 *   unreadable, and minting a fresh key would silently split the cluster's SealedSecrets between
 *   keys. That case is logged, reported as an Event and retried instead.
 * - A key is also generated at start when the newest is older than `--key-cutoff-time`.
 * - Then every `--key-renew-period` (0 disables); the first delay is period − age of the newest
 *   key, so restarts do not postpone renewal. Old keys are never deleted.
 */
import { generateSealingKey } from '../../crypto/keys.js';
import { LABEL_SEALED_SECRETS_KEY, SEALED_SECRETS_KEY_ACTIVE } from '../../crds/index.js';
import {
  apiErrorCode,
  createRealClock,
  type Clock,
  type KubeClient,
  type Logger,
  type TimerHandle,
} from '../runtime/index.js';
import type { KeyRing } from './ring.js';
import { buildKeySecret, parseKeySecret, type KeySecret, type SealingKey } from './secret.js';

/** Node timers overflow above 2^31−1 ms (~24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;
/** Retry delay after a failed start-up check or a failed generation. */
const RETRY_MS = 30_000;

/** What to generate and when. */
export interface KeyPolicy {
  /** `--key-prefix`. */
  readonly prefix: string;
  /** `--key-size`. */
  readonly bits: number;
  /** `--key-ttl`, ms. */
  readonly ttlMs: number;
  /** `--my-cn`. */
  readonly commonName: string;
  /** `--key-renew-period`, ms; 0 disables renewal. */
  readonly renewPeriodMs: number;
  /** `--key-cutoff-time`. */
  readonly cutoff?: Date;
  /** `--privatekey-labels`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** `--privatekey-annotations`. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Options for {@link KeyRotation}. */
export interface KeyRotationOptions {
  readonly client: KubeClient;
  /** The controller namespace. */
  readonly namespace: string;
  readonly ring: KeyRing;
  readonly policy: KeyPolicy;
  readonly log: Logger;
  /** Reports a problem to users (an Event on the controller namespace). */
  readonly report?: (type: 'Normal' | 'Warning', reason: string, message: string) => Promise<void>;
  readonly clock?: Clock;
}

interface SecretList {
  items?: KeySecret[];
}

/** Generates the first key and renews keys on schedule, while this replica leads. */
export class KeyRotation {
  private readonly clock: Clock;
  private timer: TimerHandle | undefined;
  private stopped = true;
  private generating: Promise<SealingKey> | undefined;

  constructor(private readonly opts: KeyRotationOptions) {
    this.clock = opts.clock ?? createRealClock();
  }

  /** Makes sure a usable key exists (or schedules a retry saying why not), then schedules renewal. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.ensureKey();
  }

  /** Cancels the schedule. A generation already running completes (its Secret is kept). */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private async ensureKey(): Promise<void> {
    if (this.stopped) return;
    try {
      const why = await this.needsKeyAtStart();
      if (why !== undefined) await this.generate(why);
      this.scheduleRenewal();
    } catch (err) {
      this.opts.log.error({ err }, 'Sealing key check failed, retrying');
      this.schedule(RETRY_MS, () => void this.ensureKey());
    }
  }

  /** Why a key must be generated now, or undefined. @throws when that cannot be decided safely */
  private async needsKeyAtStart(): Promise<string | undefined> {
    const { ring, policy } = this.opts;
    const newest = ring.newest();
    if (newest === undefined) {
      const found = await this.listKeysLive();
      if (found > 0) {
        this.opts.log.info({ keys: found }, 'Sealing keys exist but are not cached yet');
        return undefined;
      }
      return 'no sealing key exists';
    }
    if (policy.cutoff !== undefined && newest.notBefore.getTime() < policy.cutoff.getTime()) {
      return `the newest key ${newest.secretName} is older than --key-cutoff-time`;
    }
    return undefined;
  }

  /** Counts usable key Secrets with a live LIST. @throws if the LIST fails (403 reported first) */
  private async listKeysLive(): Promise<number> {
    const { client, namespace } = this.opts;
    try {
      const list = await client.request<SecretList>({
        method: 'GET',
        path: `/api/v1/namespaces/${namespace}/secrets`,
        query: { labelSelector: `${LABEL_SEALED_SECRETS_KEY}=${SEALED_SECRETS_KEY_ACTIVE}` },
      });
      return (list.items ?? []).filter((s) => parseKeySecret(s).ok).length;
    } catch (err) {
      if (apiErrorCode(err) === 403) {
        const message =
          `Cannot list sealing key Secrets in namespace ${namespace} (HTTP 403 Forbidden): not ` +
          'generating a new key, because existing keys may just be unreadable. Grant get/list/' +
          `watch on secrets in ${namespace} to the controller`;
        this.opts.log.error({ err }, message);
        await this.opts.report?.('Warning', 'KeyListForbidden', message);
      }
      throw err;
    }
  }

  /** Generates, stores and loads a new key (one at a time). */
  generate(why: string): Promise<SealingKey> {
    this.generating ??= this.mint(why).finally(() => {
      this.generating = undefined;
    });
    return this.generating;
  }

  private async mint(why: string): Promise<SealingKey> {
    const { client, namespace, policy, log, ring } = this.opts;
    log.info({ reason: why, bits: policy.bits }, 'Generating a new sealing key');
    const pair = await generateSealingKey({
      bits: policy.bits,
      commonName: policy.commonName,
      ttlMs: policy.ttlMs,
      now: new Date(this.clock.now()),
    });
    const body = buildKeySecret({
      namespace,
      prefix: policy.prefix,
      privateKeyPem: pair.privateKeyPem,
      certificatePem: pair.certificatePem,
      ...(policy.labels !== undefined ? { labels: policy.labels } : {}),
      ...(policy.annotations !== undefined ? { annotations: policy.annotations } : {}),
    });
    const created = await client.request<KeySecret>({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/secrets`,
      body,
    });
    const parsed = parseKeySecret(created);
    if (!parsed.ok) throw new Error(`the key just created does not load: ${parsed.reason}`);
    // Loaded at once, so /v1/cert.pem serves it before the informer catches up.
    ring.addLocal(parsed.key);
    const name = created.metadata?.name ?? '';
    log.info({ secret: name, fingerprint: parsed.key.fingerprint }, 'Created a new sealing key');
    await this.opts.report?.(
      'Normal',
      'KeyGenerated',
      `Generated sealing key ${name} (${parsed.key.fingerprint}): ${why}`,
    );
    return parsed.key;
  }

  private scheduleRenewal(): void {
    const period = this.opts.policy.renewPeriodMs;
    if (this.stopped || period <= 0) return;
    const newest = this.opts.ring.newest();
    const age = newest === undefined ? period : this.clock.now() - newest.notBefore.getTime();
    const due = period - age;
    if (due <= 0) {
      this.generate('the renewal period has passed').then(
        () => this.scheduleRenewal(),
        (err: unknown) => {
          this.opts.log.error({ err }, 'Sealing key renewal failed, retrying');
          this.schedule(RETRY_MS, () => this.scheduleRenewal());
        },
      );
      return;
    }
    // Re-evaluated when the timer fires: a key minted meanwhile (another leader, a restore)
    // moves the due time.
    this.schedule(Math.min(due, MAX_TIMER_MS), () => this.scheduleRenewal());
  }

  private schedule(ms: number, fn: () => void): void {
    if (this.stopped) return;
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) fn();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
