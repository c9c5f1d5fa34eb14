/**
 * The SealedSecret reconciler: read the caches → compute the desired Secret and status → write
 * only the difference. Level-based and idempotent; one pass per key at a time (the workqueue).
 *
 * A pass, in order:
 * 1. reject `spec.data` misuse with Bitnami's exact messages;
 * 2. resolve the scope from the SealedSecret's own metadata (tenant-wide: namespace membership);
 * 3. look at the existing Secret (cache; a live GET only when the cache has none): if it is
 *    neither owned nor annotated `managed`/`patch`, leave it alone;
 * 4. if its input hash and content MAC prove it is what an unseal would produce, and its
 *    metadata matches, stop: no RSA operation, no request (restarts and resyncs cost nothing);
 * 5. otherwise decrypt (hinted key first) and create, replace (Bitnami's wholesale update) or
 *    merge (`patch`) the Secret;
 * 6. write status only if it changed; emit Events only for changes.
 */
import { ANNOTATION_MANAGED, FIELD_MANAGER_SEALED_SECRET } from '../../crds/index.js';
import type { SessionKeyDecryptor } from '../keys/decrypt.js';
import type { KeyRing } from '../keys/ring.js';
import {
  apiErrorCode,
  apiErrorMessage,
  isConflict,
  isNotFound,
  replaceStatus,
  splitKey,
  type CacheReader,
  type DeepReadonly,
  type KubeClient,
  type Logger,
  type ReconcileContext,
  type Result,
} from '../runtime/index.js';
import {
  ANNOTATION_CONTENT_MAC,
  ANNOTATION_INPUT_HASH,
  ANNOTATION_KEY_FINGERPRINT,
} from './constants.js';
import {
  buildSecret,
  contentMac,
  desiredShape,
  digestsOf,
  encryptedItems,
  expectedKeys,
  inputHash,
  macEquals,
  ownershipOf,
  renderData,
  shapeInSync,
  toCachedSecret,
  type CachedSecret,
  type DesiredShape,
  type Ownership,
  type SecretObject,
  type SealedSecretObject,
} from './desired.js';
import type { EventRecorder } from './events.js';
import type { SealedSecretMetrics } from './metrics.js';
import { resolveScope, type ScopeLookups } from './scope.js';
import { nextStatus, Reason, statusUnchanged, syncedCondition, type Outcome } from './status.js';
import { TemplateError } from './template.js';
import { UnsealError, unsealItems } from './unseal.js';

/** Bitnami's exact rejection messages for `spec.data` (sealed-secrets.md §3). */
export const BOTH_DATA_FIELDS_MESSAGE =
  "cannot use the field 'encryptedData' and the deprecated field 'data' at the same time";
/** Bitnami's message when `spec.data` is used with `--accept-deprecated-v1-data=false`. */
export const V1_DATA_DISABLED_MESSAGE =
  "using deprecated 'data' field, use 'encryptedData' or flip the feature flag";

/** Safety requeue while the cache lags behind our own status write (its event usually comes first). */
const STALE_CACHE_RETRY_MS = 1000;

/** Behaviour switches (flags). */
export interface ReconcilerOptions {
  /** `--accept-deprecated-v1-data`. */
  readonly acceptV1Data: boolean;
  /** `--update-status`. */
  readonly updateStatus: boolean;
  /** Periodic drift check, ms (jittered ±10 %); 0 disables. */
  readonly driftCheckIntervalMs: number;
  /** How often a SealedSecret blocked by an unmanaged Secret looks again (live GET), ms. */
  readonly unmanagedPollMs: number;
  /** `--metrics-omit-secret-labels`: no per-SealedSecret condition series. */
  readonly omitSecretMetrics: boolean;
}

/** Everything the reconciler reads and writes through. */
export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly sealedSecrets: CacheReader<SealedSecretObject>;
  /** Produced Secrets, transformed (no data). */
  readonly secrets: CacheReader<CachedSecret>;
  readonly scope: ScopeLookups;
  readonly ring: KeyRing;
  readonly decryptor: SessionKeyDecryptor;
  readonly events: EventRecorder;
  readonly metrics: SealedSecretMetrics;
  readonly options: ReconcilerOptions;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Random source in [0, 1) for jitter. @default Math.random */
  readonly random?: () => number;
}

type SS = DeepReadonly<SealedSecretObject>;

/** A Secret as found: the cached (digest) view, plus the full object if it was read live. */
interface Observed {
  readonly view: DeepReadonly<CachedSecret>;
  readonly full?: SecretObject;
}

/** A Secret computed by decrypting. */
interface Produced {
  readonly secret: SecretObject;
  readonly shape: DesiredShape;
}

type Pass =
  | { readonly ok: true; readonly wrote?: 'created' | 'updated' }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly message: string;
      /** `sealed_secrets_controller_unseal_errors_total` reason. */
      readonly metric: 'unseal' | 'unmanaged' | 'update';
      /** Rethrown after the status is written, for backoff (transient failures only). */
      readonly error?: Error;
    };

/** What one pass knows about the SealedSecret. */
interface Plan {
  readonly ss: SS;
  readonly key: string;
  readonly label: Uint8Array;
  readonly scope: string;
  readonly hash: string;
  readonly legacy: boolean;
}

function fail(
  reason: string,
  message: string,
  metric: 'unseal' | 'unmanaged' | 'update',
  error?: unknown,
): Pass {
  if (error !== undefined && !(error instanceof Error)) error = new Error(JSON.stringify(error));
  return {
    ok: false,
    reason,
    message,
    metric,
    ...(error instanceof Error ? { error } : {}),
  };
}

/** The SealedSecret reconciler (see the module comment for a pass). */
export class SealedSecretReconciler {
  private readonly now: () => Date;
  private readonly random: () => number;
  /** SealedSecret UID → fingerprint of the key that opened it last. */
  private readonly winners = new Map<string, string>();
  /** Key → label set of its condition_info series, so a deleted SealedSecret's series goes too. */
  private readonly series = new Map<string, Record<string, string>[]>();
  /** Key → resourceVersion of the SealedSecret the last status write was made against. */
  private readonly statusWrites = new Map<string, string>();
  /** Key → last outcome, for Events when status writing is off. */
  private readonly lastOutcome = new Map<string, string>();

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? ((): Date => new Date());
    this.random = deps.random ?? Math.random;
  }

  /** The reconcile function for the runtime `Controller`. */
  readonly reconcile = async (key: string, ctx: ReconcileContext): Promise<Result> => {
    const ss = this.deps.sealedSecrets.get(key);
    if (ss === undefined) {
      this.forget(key);
      return {};
    }
    if (ss.metadata?.deletionTimestamp !== undefined) return {};
    if (this.cacheIsBehindOwnStatusWrite(key, ss)) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
    const pass = await this.sync(ss, key, ctx.log);
    await this.finish(ss, key, pass, ctx.log);
    if (!pass.ok && pass.error !== undefined) throw pass.error;
    return this.requeue(pass);
  };

  /**
   * True while the cached SealedSecret is still the version this controller last wrote status
   * against: acting on it would compute the status again from the old one and fail the
   * optimistic lock (409) — the stale-cache loop behind agent-sandbox's ~39k no-op PATCHes.
   * Our own status write's watch event enqueues the key again; the requeue is a safety net.
   */
  private cacheIsBehindOwnStatusWrite(key: string, ss: SS): boolean {
    const writtenAgainst = this.statusWrites.get(key);
    if (writtenAgainst === undefined) return false;
    if (ss.metadata?.resourceVersion === writtenAgainst) return true;
    this.statusWrites.delete(key);
    return false;
  }

  private forget(key: string): void {
    this.statusWrites.delete(key);
    for (const labels of this.series.get(key) ?? []) {
      this.deps.metrics.conditionInfo.remove(labels);
    }
    this.series.delete(key);
    this.lastOutcome.delete(key);
  }

  private requeue(pass: Pass): Result {
    const o = this.deps.options;
    if (!pass.ok) {
      return pass.reason === Reason.UnmanagedSecret ? { requeueAfterMs: o.unmanagedPollMs } : {};
    }
    if (o.driftCheckIntervalMs <= 0) return {};
    return { requeueAfterMs: Math.round(o.driftCheckIntervalMs * (0.9 + 0.2 * this.random())) };
  }

  // ---- deciding ----

  private plan(ss: SS, key: string): Plan | Pass {
    const legacyData = ss.spec?.data;
    const legacy = legacyData !== undefined && legacyData !== null && legacyData !== '';
    if (legacy && Object.keys(encryptedItems(ss)).length > 0) {
      return fail(Reason.InvalidSpec, BOTH_DATA_FIELDS_MESSAGE, 'unseal');
    }
    if (legacy && !this.deps.options.acceptV1Data) {
      return fail(Reason.InvalidSpec, V1_DATA_DISABLED_MESSAGE, 'unseal');
    }
    const scope = resolveScope(ss.metadata, this.deps.scope);
    if (!scope.ok) return fail(Reason.ScopeNotSatisfied, scope.message, 'unseal');
    return {
      ss,
      key,
      label: scope.label,
      scope: scope.description,
      hash: inputHash(ss, scope.label),
      legacy,
    };
  }

  private async sync(ss: SS, key: string, log: Logger): Promise<Pass> {
    const plan = this.plan(ss, key);
    if ('ok' in plan) return plan;
    let observed: Observed | undefined;
    const cached = this.deps.secrets.get(key);
    if (cached !== undefined) observed = { view: cached };
    else if (syncedCondition(ss.status)?.reason === Reason.UnmanagedSecret) {
      // Blocked last time by a Secret the cache cannot see (it lacks our label): look again.
      observed = await this.readLive(key);
    }
    let produced: Produced | undefined;
    if (observed === undefined) {
      const made = await this.produceOrFail(plan, undefined, log);
      if ('ok' in made) return made;
      produced = made;
      const created = await this.create(produced.secret);
      if (created !== 'exists') return created;
      observed = await this.readLive(key);
      if (observed === undefined) {
        return fail(
          Reason.UpdateFailed,
          'the Secret exists but cannot be read',
          'update',
          new Error('Secret vanished after AlreadyExists'),
        );
      }
    }
    return this.update(plan, observed, produced, log);
  }

  private async update(
    plan: Plan,
    observed: Observed,
    produced: Produced | undefined,
    log: Logger,
  ): Promise<Pass> {
    const { ss } = plan;
    const mode = ownershipOf(observed.view, ss, this.proven(plan, observed.view, 'owned'));
    if (mode === 'unmanaged') {
      return fail(
        Reason.UnmanagedSecret,
        `Resource "${ss.metadata?.name ?? ''}" already exists and is not managed by SealedSecret`,
        'unmanaged',
      );
    }
    const dataProven = this.proven(plan, observed.view, mode);
    const shape = plan.legacy ? this.legacyShape(ss, observed.view) : desiredShape(ss);
    if (dataProven && shapeInSync(shape, observed.view, mode)) {
      this.deps.metrics.unsealSkipped.inc();
      return { ok: true };
    }
    let desired = produced?.secret;
    if (desired === undefined && dataProven && !plan.legacy) {
      // Only metadata drifted and the data is proven ours: reuse it, no decryption.
      desired = await this.reuseData(plan, observed, shape, mode);
    }
    if (desired === undefined) {
      const made = await this.produceOrFail(plan, observed.view, log);
      if ('ok' in made) return made;
      desired = made.secret;
    }
    return this.write(observed, desired, mode);
  }

  /**
   * True when the Secret's proof annotations show its data is exactly what this SealedSecret's
   * current input unseals to (see desired.ts). In patch mode only the produced keys count.
   */
  private proven(plan: Plan, view: DeepReadonly<CachedSecret>, mode: Ownership): boolean {
    const ann = view.metadata?.annotations;
    if (ann?.[ANNOTATION_INPUT_HASH] !== plan.hash) return false;
    const key = this.deps.ring.get(ann[ANNOTATION_KEY_FINGERPRINT] ?? '');
    if (key === undefined) return false;
    const all = view.dataDigests ?? {};
    const keys = mode === 'patch' ? expectedKeys(plan.ss) : undefined;
    const digests: Record<string, string> = {};
    for (const k of keys ?? Object.keys(all)) {
      const d = all[k];
      if (d === undefined) return false;
      digests[k] = d;
    }
    return macEquals(
      ann[ANNOTATION_CONTENT_MAC],
      contentMac(this.deps.ring.macKey(key), plan.hash, digests),
    );
  }

  /** For `spec.data` the metadata is inside the blob: only our own marks are checked. */
  private legacyShape(ss: SS, view: DeepReadonly<CachedSecret>): DesiredShape {
    return desiredShape(ss, {
      labels: {},
      annotations: {},
      ...(view.type ? { type: view.type } : {}),
    });
  }

  private async reuseData(
    plan: Plan,
    observed: Observed,
    shape: DesiredShape,
    mode: Ownership,
  ): Promise<SecretObject | undefined> {
    const live = observed.full !== undefined ? observed : await this.readLive(plan.key);
    if (live?.full === undefined || !this.proven(plan, live.view, mode)) return undefined;
    const keys = mode === 'patch' ? expectedKeys(plan.ss) : undefined;
    const data = new Map<string, Buffer>();
    for (const k of keys ?? Object.keys(live.full.data ?? {})) {
      data.set(k, Buffer.from(live.full.data?.[k] ?? '', 'base64'));
    }
    const ann = live.view.metadata?.annotations ?? {};
    return buildSecret(plan.ss, shape, data, {
      inputHash: plan.hash,
      fingerprint: ann[ANNOTATION_KEY_FINGERPRINT] ?? '',
      mac: ann[ANNOTATION_CONTENT_MAC] ?? '',
    });
  }

  // ---- decrypting ----

  private async produceOrFail(
    plan: Plan,
    view: DeepReadonly<CachedSecret> | undefined,
    log: Logger,
  ): Promise<Produced | Pass> {
    try {
      return await this.produce(plan, view);
    } catch (err) {
      if (err instanceof UnsealError) {
        const reason = err.failure === 'Tampered' ? Reason.Tampered : Reason.UnsealFailed;
        return fail(reason, err.message, 'unseal');
      }
      if (err instanceof TemplateError) return fail(Reason.TemplateError, err.message, 'unseal');
      log.error({ err }, 'Unsealing failed unexpectedly');
      throw err;
    }
  }

  private async produce(
    plan: Plan,
    view: DeepReadonly<CachedSecret> | undefined,
  ): Promise<Produced> {
    const { ss, label, scope } = plan;
    const { ring, decryptor, metrics } = this.deps;
    metrics.unsealRequests.inc();
    const uid = ss.metadata?.uid ?? '';
    const hints = [
      this.winners.get(uid),
      view?.metadata?.annotations?.[ANNOTATION_KEY_FINGERPRINT],
    ];
    const items = plan.legacy ? { data: ss.spec?.data ?? '' } : encryptedItems(ss);
    const unsealed = await unsealItems({ ring, decryptor, items, label, scope, hints });
    let data: Map<string, Buffer>;
    let shape: DesiredShape;
    if (plan.legacy) {
      const v1 = parseLegacySecret(unsealed.values.get('data') ?? Buffer.alloc(0));
      data = v1.data;
      shape = desiredShape(ss, v1.meta);
    } else {
      data = renderData(ss, unsealed.values);
      shape = desiredShape(ss);
    }
    const key = unsealed.key ?? ring.newest();
    if (key === undefined) throw new UnsealError('NoKeys', 'no sealing key is loaded yet');
    this.winners.set(uid, key.fingerprint);
    const b64: Record<string, string> = {};
    for (const [k, v] of data) b64[k] = v.toString('base64');
    const mac = contentMac(ring.macKey(key), plan.hash, digestsOf(b64));
    const proof = { inputHash: plan.hash, fingerprint: key.fingerprint, mac };
    return { secret: buildSecret(ss, shape, data, proof), shape };
  }

  // ---- writing ----

  private async readLive(key: string): Promise<Observed | undefined> {
    const { namespace, name } = splitKey(key);
    try {
      const full = await this.deps.client.request<SecretObject>({
        method: 'GET',
        path: `/api/v1/namespaces/${namespace ?? ''}/secrets/${name}`,
      });
      return { view: toCachedSecret(full), full };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async create(secret: SecretObject): Promise<Pass | 'exists'> {
    try {
      await this.deps.client.request({
        method: 'POST',
        path: `/api/v1/namespaces/${secret.metadata?.namespace ?? ''}/secrets`,
        query: { fieldManager: FIELD_MANAGER_SEALED_SECRET },
        body: secret,
      });
      return { ok: true, wrote: 'created' };
    } catch (err) {
      if (isConflict(err)) return 'exists';
      return writeFailure(err, false);
    }
  }

  private async write(observed: Observed, desired: SecretObject, mode: Ownership): Promise<Pass> {
    const view = observed.view;
    const path = `/api/v1/namespaces/${desired.metadata?.namespace ?? ''}/secrets/${desired.metadata?.name ?? ''}`;
    const query = { fieldManager: FIELD_MANAGER_SEALED_SECRET };
    try {
      await this.deps.client.request(
        mode === 'patch'
          ? {
              method: 'PATCH',
              path,
              query,
              contentType: 'application/merge-patch+json',
              body: mergePatchBody(view, desired),
            }
          : { method: 'PUT', path, query, body: replaceBody(view, desired) },
      );
      return { ok: true, wrote: 'updated' };
    } catch (err) {
      return writeFailure(err, view.immutable === true);
    }
  }

  // ---- reporting ----

  private async finish(ss: SS, key: string, pass: Pass, log: Logger): Promise<void> {
    const { metrics, options } = this.deps;
    const namespace = ss.metadata?.namespace ?? '';
    const outcome: Outcome = pass.ok
      ? { status: 'True', reason: Reason.Unsealed, message: '' }
      : { status: 'False', reason: pass.reason, message: pass.message };
    if (!pass.ok) metrics.unsealErrors.inc({ reason: pass.metric, namespace });
    const next = nextStatus(ss.status, outcome, ss.metadata?.generation, this.now());
    const outcomeId = `${outcome.status}/${outcome.reason}/${outcome.message}`;
    const conditionChanged = options.updateStatus
      ? !sameCondition(syncedCondition(ss.status), outcome)
      : this.lastOutcome.get(key) !== outcomeId;
    this.lastOutcome.set(key, outcomeId);
    if (pass.ok && pass.wrote !== undefined) {
      log.info({ action: pass.wrote }, 'Unsealed SealedSecret into its Secret');
      // Not awaited: an Event is advisory (the recorder logs failures) and must not hold a worker.
      void this.deps.events.record(ss, 'Normal', 'Unsealed', 'SealedSecret unsealed successfully');
    } else if (!pass.ok && conditionChanged) {
      log.info({ reason: pass.reason, message: pass.message }, 'SealedSecret not synced');
      const [reason, prefix] =
        pass.metric === 'unseal'
          ? ['ErrUnsealFailed', 'Failed to unseal: ']
          : ['ErrUpdateFailed', ''];
      void this.deps.events.record(ss, 'Warning', reason, prefix + pass.message);
    }
    if (options.updateStatus && !statusUnchanged(ss.status, next)) {
      await this.writeStatus(ss, key, next, namespace);
    }
    this.setConditionInfo(ss, key, outcome);
  }

  private async writeStatus(
    ss: SS,
    key: string,
    status: ReturnType<typeof nextStatus>,
    namespace: string,
  ): Promise<void> {
    try {
      await replaceStatus(this.deps.client, ss, status, {
        fieldManager: FIELD_MANAGER_SEALED_SECRET,
      });
      if (ss.metadata?.resourceVersion !== undefined) {
        this.statusWrites.set(key, ss.metadata.resourceVersion);
      }
    } catch (err) {
      if (isNotFound(err)) return;
      this.deps.metrics.unsealErrors.inc({ reason: 'status', namespace });
      throw err;
    }
  }

  private setConditionInfo(ss: SS, key: string, outcome: Outcome): void {
    if (this.deps.options.omitSecretMetrics) return;
    const base = {
      namespace: ss.metadata?.namespace ?? '',
      name: ss.metadata?.name ?? '',
      ss_app_kubernetes_io_instance: ss.metadata?.labels?.['app.kubernetes.io/instance'] ?? '',
    };
    const value = outcome.status === 'True' ? 1 : -1;
    const sets = ['Synced', 'Ready'].map((condition) => ({ ...base, condition }));
    for (const labels of sets) this.deps.metrics.conditionInfo.set(labels, value);
    this.series.set(key, sets);
  }
}

/** Bitnami's patch mode: data, labels and annotations merged; ownerReferences only with `managed`. */
function mergePatchBody(view: DeepReadonly<CachedSecret>, desired: SecretObject): unknown {
  const managed = view.metadata?.annotations?.[ANNOTATION_MANAGED] === 'true';
  const meta = desired.metadata;
  return {
    metadata: {
      labels: meta?.labels,
      annotations: meta?.annotations,
      ...(managed ? { ownerReferences: meta?.ownerReferences ?? null } : {}),
    },
    data: desired.data,
  };
}

/**
 * Bitnami's update: data, type, labels, annotations and ownerReferences replaced wholesale; the
 * resourceVersion makes it fail (and retry) if the Secret changed since it was observed.
 */
function replaceBody(view: DeepReadonly<CachedSecret>, desired: SecretObject): SecretObject {
  const finalizers = [
    ...new Set([...(view.metadata?.finalizers ?? []), ...(desired.metadata?.finalizers ?? [])]),
  ];
  return {
    ...desired,
    metadata: {
      ...desired.metadata,
      resourceVersion: view.metadata?.resourceVersion,
      ...(finalizers.length > 0 ? { finalizers } : {}),
    },
  };
}

function sameCondition(
  old: { status?: string; reason?: string; message?: string } | undefined,
  outcome: Outcome,
): boolean {
  return (
    old !== undefined &&
    old.status === outcome.status &&
    (old.reason ?? '') === outcome.reason &&
    (old.message ?? '') === outcome.message
  );
}

/** Maps a failed Secret write to a pass: 422s are not retried (retrying cannot fix them). */
function writeFailure(err: unknown, immutable: boolean): Pass {
  const code = apiErrorCode(err);
  const detail = apiErrorMessage(err);
  if (code === 422 && immutable) {
    return fail(
      Reason.SecretImmutable,
      `the target Secret is immutable and its data differs: ${detail}. You can only delete and recreate the Secret`,
      'update',
    );
  }
  if (code === 422) return fail(Reason.UpdateFailed, `failed update: ${detail}`, 'update');
  return fail(Reason.UpdateFailed, `failed update: ${detail}`, 'update', err);
}

/** The decrypted v1 Secret of the legacy `spec.data`. */
interface LegacySecret {
  readonly data: Map<string, Buffer>;
  readonly meta: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    type?: string;
  };
}

/** Parses the JSON Secret inside a legacy blob. @throws UnsealError if it is not one */
export function parseLegacySecret(plaintext: Buffer): LegacySecret {
  let secret: SecretObject;
  try {
    secret = JSON.parse(plaintext.toString('utf8')) as SecretObject;
  } catch {
    throw new UnsealError(
      'InvalidData',
      "the deprecated 'data' field does not decrypt to a Secret (not JSON)",
    );
  }
  if (secret === null || typeof secret !== 'object') {
    throw new UnsealError(
      'InvalidData',
      "the deprecated 'data' field does not decrypt to a Secret",
    );
  }
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  return {
    data,
    meta: {
      ...(secret.metadata?.labels !== undefined ? { labels: secret.metadata.labels } : {}),
      ...(secret.metadata?.annotations !== undefined
        ? { annotations: secret.metadata.annotations }
        : {}),
      ...(secret.type !== undefined ? { type: secret.type } : {}),
    },
  };
}
