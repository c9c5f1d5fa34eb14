/**
 * The `sealedsecret` controller module: a drop-in for Bitnami's sealed-secrets controller.
 *
 * On every replica (`setup`): the key ring and its informers, the SealedSecret, produced-Secret,
 * Namespace and Tenant informers, and the HTTP endpoints — so followers answer `/v1/cert.pem`,
 * `/v1/verify` and `/v1/rotate`. On the leader only (`lead`): the first key, key renewal, and
 * the reconciler. On whichever replica receives SIGUSR1: a new key at once, as Bitnami's.
 */
import { hostname } from 'node:os';
import { scopeFromAnnotations } from '../../crypto/scope.js';
import {
  LABEL_SEALED_SECRETS_KEY,
  LABEL_TENANT,
  SEALED_SECRET_GROUP,
  SEALED_SECRET_PLURAL,
  SEALED_SECRET_VERSION,
  TENANT_API_VERSION,
  TENANT_PLURAL,
} from '../../crds/index.js';
import type { ControllerModule, ManagerContext } from '../module.js';
import { SessionKeyDecryptor } from '../keys/decrypt.js';
import { KeyRing } from '../keys/ring.js';
import { KeyRotation } from '../keys/rotation.js';
import type { KeySecret } from '../keys/secret.js';
import {
  apiErrorCode,
  apiErrorMessage,
  Controller,
  NamespaceUnion,
  objectKey,
  type CacheReader,
  type DeepReadonly,
  type Informer,
  type KubeObject,
  type WatchedSource,
} from '../runtime/index.js';
import type { InformerSpec } from '../informers.js';
import { LABEL_UNSEALED, LABEL_UNSEALED_VALUE } from './constants.js';
import { toCachedSecret, type CachedSecret, type SealedSecretObject } from './desired.js';
import { apiEventRecorder, queuedEventRecorder, type EventRecorder } from './events.js';
import { registerSealedSecretRoutes } from './http.js';
import { requestsByResource, sealedSecretMetrics, type SealedSecretMetrics } from './metrics.js';
import {
  parseSealedSecretConfig,
  SEALED_SECRET_OPTIONS,
  watchedNamespaces,
  type SealedSecretConfig,
} from './options.js';
import { GcraLimiter } from './ratelimit.js';
import { SealedSecretReconciler } from './reconcile.js';
import type { ScopeLookups } from './scope.js';

/** How long a SealedSecret blocked by an unmanaged Secret waits before looking again. */
const UNMANAGED_POLL_MS = 10_000;

/** Everything `setup` builds and `lead` uses. */
interface State {
  readonly config: SealedSecretConfig;
  readonly metrics: SealedSecretMetrics;
  readonly ring: KeyRing;
  readonly decryptor: SessionKeyDecryptor;
  readonly keySecrets: Informer<KeySecret>;
  readonly sealedSecrets: Cache<SealedSecretObject>;
  /** The namespaces read (`--all-namespaces=false`, `--additional-namespaces`); undefined: all. */
  readonly namespaces: readonly string[] | undefined;
  readonly controller: Controller;
  readonly events: EventRecorder;
  /** Key generation: scheduled while leading, or asked for by SIGUSR1 on any replica. */
  readonly rotation: KeyRotation;
  /** Key Secrets already reported as malformed (uid/resourceVersion). */
  readonly reported: Set<string>;
}

function isTenantWide(ss: DeepReadonly<SealedSecretObject>): boolean {
  return scopeFromAnnotations(ss.metadata?.annotations) === 'tenant-wide';
}

/** Whether the cluster serves the Tenant API (a SealedSecret-only install may not have it). */
async function tenantsServed(ctx: ManagerContext): Promise<boolean> {
  try {
    await ctx.client.request({ method: 'GET', path: `/apis/${TENANT_API_VERSION}` });
    return true;
  } catch (err) {
    if (apiErrorCode(err) === 404) {
      ctx.log.warn('The Tenant API is not installed: tenant-wide SealedSecrets cannot be unsealed');
      return false;
    }
    return true;
  }
}

/** An informer's cache, or the union of one informer per watched namespace. */
type Cache<T extends KubeObject> = WatchedSource<T> & CacheReader<T>;

/** SealedSecrets in every namespace, or in `namespace`. */
function sealedSecretsPath(namespace?: string): string {
  const group = `/apis/${SEALED_SECRET_GROUP}/${SEALED_SECRET_VERSION}`;
  return namespace === undefined
    ? `${group}/${SEALED_SECRET_PLURAL}`
    : `${group}/namespaces/${namespace}/${SEALED_SECRET_PLURAL}`;
}

/** Secrets in every namespace, or in `namespace`. */
function secretsPath(namespace?: string): string {
  return namespace === undefined ? '/api/v1/secrets' : `/api/v1/namespaces/${namespace}/secrets`;
}

/** One cluster-wide informer, or (`namespaces` given) a union of one informer per namespace. */
function namespacedCache<T extends KubeObject>(
  ctx: ManagerContext,
  namespaces: readonly string[] | undefined,
  spec: (namespace?: string) => InformerSpec<T>,
): Cache<T> {
  if (namespaces === undefined) return ctx.informers.get(spec());
  return new NamespaceUnion(new Map(namespaces.map((ns) => [ns, ctx.informers.get(spec(ns))])));
}

/** The produced Secrets: every Secret this controller unsealed carries the label. */
const PRODUCED_SECRETS = `${LABEL_UNSEALED}=${LABEL_UNSEALED_VALUE}`;

/**
 * Refuses to start with a `--label-selector` the API server rejects, or (namespaces given) with
 * a namespace whose SealedSecrets or Secrets it may not list: the informer would retry either
 * quietly forever, and one unsynced namespace would hold back all the others. One LIST of one
 * item per collection asks the API server, the judge of both.
 */
async function checkAccess(
  ctx: ManagerContext,
  selector: string,
  namespaces: readonly string[] | undefined,
): Promise<void> {
  if (selector === '' && namespaces === undefined) return;
  const labelSelector = selector === '' ? {} : { labelSelector: selector };
  for (const ns of namespaces ?? [undefined]) {
    const probes = [{ path: sealedSecretsPath(ns), query: { ...labelSelector, limit: 1 } }];
    if (ns !== undefined) {
      probes.push({
        path: secretsPath(ns),
        query: { labelSelector: PRODUCED_SECRETS, limit: 1 },
      });
    }
    for (const probe of probes) {
      try {
        await ctx.client.request({ method: 'GET', ...probe });
      } catch (err) {
        const code = apiErrorCode(err);
        if (code === 400 && selector !== '') {
          throw new Error(
            `--label-selector ${JSON.stringify(selector)} is invalid: ${apiErrorMessage(err)}`,
          );
        }
        if (code === 403 && ns !== undefined) {
          throw new Error(
            `cannot list ${probe.path} (403 Forbidden) for --additional-namespaces / ` +
              `--all-namespaces=false: grant get/list/watch there, or leave ${ns} out: ` +
              apiErrorMessage(err),
          );
        }
      }
    }
  }
}

/** Logs clearly, once at start, when key Secrets cannot be listed (the informer retries quietly). */
async function probeKeyAccess(ctx: ManagerContext): Promise<void> {
  const namespace = ctx.config.namespace;
  try {
    await ctx.client.request({
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}/secrets`,
      query: { labelSelector: LABEL_SEALED_SECRETS_KEY, limit: 1 },
    });
  } catch (err) {
    if (apiErrorCode(err) !== 403) return;
    ctx.log.error(
      { err },
      `Cannot list sealing key Secrets in namespace ${namespace} (HTTP 403 Forbidden): no key ` +
        'will be generated while existing keys may just be unreadable; grant get/list/watch on ' +
        `secrets in ${namespace}`,
    );
  }
}

function keyInformers(
  ctx: ManagerContext,
  config: SealedSecretConfig,
  ring: KeyRing,
  metrics: SealedSecretMetrics,
): Informer<KeySecret> {
  const path = `/api/v1/namespaces/${ctx.config.namespace}/secrets`;
  // Selecting on the label key (not `=active`) shows relabels to `compromised` as updates.
  const labelled = ctx.informers.get<KeySecret>({ path, labelSelector: LABEL_SEALED_SECRETS_KEY });
  const legacy = ctx.informers.get<KeySecret>({
    path,
    fieldSelector: `metadata.name=${config.keyPolicy.prefix}`,
  });
  const refresh = (): void => {
    ring.replace([...labelled.list(), ...legacy.list()]);
    metrics.keys.set({ state: 'loaded' }, ring.size());
    metrics.keys.set({ state: 'rejected' }, ring.rejectedKeys().length);
  };
  for (const inf of [labelled, legacy])
    inf.addEventHandler({ onChange: refresh, onDelete: refresh });
  ring.onChange(() => {
    ctx.log.info(
      {
        keys: ring.size(),
        newest: ring.newest()?.secretName,
        fingerprint: ring.newest()?.fingerprint,
      },
      'Sealing keys changed',
    );
  });
  return labelled;
}

function scopeLookups(ctx: ManagerContext, served: boolean): ScopeLookups {
  const namespaces = ctx.informers.get<KubeObject>({ path: '/api/v1/namespaces' });
  const tenants = served
    ? ctx.informers.get<KubeObject>({ path: `/apis/${TENANT_API_VERSION}/${TENANT_PLURAL}` })
    : undefined;
  return {
    namespace: (name) => namespaces.get(name),
    tenant: (name) => tenants?.get(name),
    tenantsServed: served,
  };
}

function buildController(
  ctx: ManagerContext,
  state: Omit<State, 'controller'>,
  scope: ScopeLookups,
  served: boolean,
): Controller {
  const secrets = namespacedCache<CachedSecret>(ctx, state.namespaces, (ns) => ({
    path: secretsPath(ns),
    labelSelector: PRODUCED_SECRETS,
    transform: (s) => toCachedSecret(s),
  }));
  const { config } = state;
  const reconciler = new SealedSecretReconciler({
    client: ctx.client,
    sealedSecrets: state.sealedSecrets,
    secrets,
    scope,
    ring: state.ring,
    decryptor: state.decryptor,
    events: state.events,
    metrics: state.metrics,
    options: {
      acceptV1Data: config.acceptV1Data,
      updateStatus: config.updateStatus,
      driftCheckIntervalMs: config.driftCheckIntervalMs,
      unmanagedPollMs: UNMANAGED_POLL_MS,
      omitSecretMetrics: config.omitSecretMetrics,
    },
  });
  const controller = new Controller({
    name: 'sealedsecret',
    reconcile: reconciler.reconcile,
    workers: config.workers,
    metrics: ctx.metrics,
    logger: ctx.log,
  });
  const sealedSecrets = state.sealedSecrets;
  const tenantWideIn = (namespace: string): string[] =>
    sealedSecrets
      .list(namespace)
      .filter(isTenantWide)
      .map((s) => objectKey(s));
  const namespaces = ctx.informers.get<KubeObject>({ path: '/api/v1/namespaces' });
  controller
    .watch(sealedSecrets)
    .watch(secrets)
    .watch(namespaces, { map: (ns) => tenantWideIn(ns.metadata?.name ?? '') });
  if (served) {
    const tenants = ctx.informers.get<KubeObject>({
      path: `/apis/${TENANT_API_VERSION}/${TENANT_PLURAL}`,
    });
    controller.watch(tenants, {
      map: (t) =>
        namespaces
          .list()
          .filter((ns) => ns.metadata?.labels?.[LABEL_TENANT] === t.metadata?.name)
          .flatMap((ns) => tenantWideIn(ns.metadata?.name ?? '')),
    });
  }
  // A key added (or removed) can change what opens: look at everything again. Passes that are
  // in sync cost a hash and a MAC, no RSA.
  state.ring.onChange(() => {
    for (const key of sealedSecrets.keys()) controller.enqueue(key);
  });
  return controller;
}

/** Warning Events for malformed key Secrets, once per Secret version (leader only). */
async function reportRejectedKeys(state: State): Promise<void> {
  for (const r of state.ring.rejectedKeys()) {
    const id = `${r.uid}/${r.resourceVersion}`;
    if (state.reported.has(id)) continue;
    state.reported.add(id);
    const secret = state.keySecrets.list().find((s) => s.metadata?.uid === r.uid);
    if (secret === undefined) continue;
    await state.events.record(
      { apiVersion: 'v1', kind: 'Secret', metadata: secret.metadata },
      'Warning',
      'InvalidSealingKey',
      `Ignoring sealing key Secret ${r.secretName}: ${r.reason}`,
    );
  }
}

/** The module. */
export function sealedSecretModule(): ControllerModule {
  let state: State | undefined;
  return {
    name: 'sealedsecret',
    options: SEALED_SECRET_OPTIONS,

    async setup(ctx: ManagerContext): Promise<void> {
      const config = parseSealedSecretConfig(ctx.config.flags);
      for (const warning of config.inertFlagWarnings) ctx.log.warn(warning);
      const metrics = sealedSecretMetrics(ctx.registry);
      requestsByResource(ctx.registry, ctx.client.counter);
      const decryptor = new SessionKeyDecryptor({
        onRsaOperation: () => metrics.rsaDecryptions.inc(),
      });
      const ring = new KeyRing({
        orderPriority: config.orderPriority,
        legacyName: config.keyPolicy.prefix,
      });
      const keySecrets = keyInformers(ctx, config, ring, metrics);
      const served = await tenantsServed(ctx);
      const scope = scopeLookups(ctx, served);
      const namespaces = watchedNamespaces(config, ctx.config.namespace);
      await checkAccess(ctx, config.labelSelector, namespaces);
      if (namespaces !== undefined) {
        ctx.log.info({ namespaces }, 'Unsealing only in these namespaces');
      }
      const sealedSecrets = namespacedCache<SealedSecretObject>(ctx, namespaces, (ns) => ({
        path: sealedSecretsPath(ns),
        ...(config.labelSelector !== '' ? { labelSelector: config.labelSelector } : {}),
        // The status PUT sends the cached metadata back (replaceStatus): without the annotation,
        // the API server would take its ownership away from `kubectl apply`'s field manager.
        keepLastApplied: true,
      }));
      const events = queuedEventRecorder(
        apiEventRecorder({ client: ctx.client, log: ctx.log, instance: hostname() }),
        { log: ctx.log },
      );
      const namespaceRef = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ctx.config.namespace },
      };
      const rotation = new KeyRotation({
        client: ctx.client,
        namespace: ctx.config.namespace,
        ring,
        policy: config.keyPolicy,
        log: ctx.log,
        report: (type, reason, message) => events.record(namespaceRef, type, reason, message),
      });
      const partial = {
        config,
        metrics,
        ring,
        decryptor,
        keySecrets,
        sealedSecrets,
        namespaces,
        events,
        rotation,
        reported: new Set<string>(),
      };
      state = { ...partial, controller: buildController(ctx, partial, scope, served) };
      registerSealedSecretRoutes(ctx.http, {
        ring,
        decryptor,
        scope,
        metrics,
        limiter: new GcraLimiter({ ratePerSecond: config.rateLimit, burst: config.rateLimitBurst }),
        log: ctx.log,
      });
      await probeKeyAccess(ctx);
    },

    async lead(): Promise<() => Promise<void>> {
      const s = state;
      if (s === undefined) throw new Error('sealedsecret: lead() before setup()');
      const rotation = s.rotation;
      const unsubscribe = s.ring.onChange(() => void reportRejectedKeys(s));
      await reportRejectedKeys(s);
      // Not awaited: generating the first RSA-4096 key takes seconds, and the hand-over to another
      // replica waits for lead(). Reconciles that find no key retry; a new key re-enqueues them all.
      void rotation.start();
      await s.controller.start();
      return async () => {
        unsubscribe();
        rotation.stop();
        await s.controller.stop();
      };
    },

    signals: {
      // Bitnami: SIGUSR1 generates a new key now. Minted by the replica that got the signal
      // (`kubectl exec` picks any pod); the leader's renewal schedule counts from the newest key,
      // so it moves on its own. Signalling two replicas mints two keys, which is harmless.
      SIGUSR1: (ctx) => {
        const s = state;
        if (s === undefined) {
          ctx.log.warn('SIGUSR1 before the sealedsecret module was set up: no key generated');
          return;
        }
        s.rotation.generate('SIGUSR1 asked for a new key').catch((err: unknown) => {
          ctx.log.error({ err }, 'Generating the sealing key SIGUSR1 asked for failed');
        });
      },
    },
  };
}
