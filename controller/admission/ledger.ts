/**
 * The namespace-count quota, exact under parallel creates on any number of replicas.
 *
 * The informer cache alone cannot do it: two creates admitted at the same moment (on one replica
 * or two) both see N-1 namespaces. So every admitted create first reserves its name in a
 * per-tenant ledger — a ConfigMap `tenantry-nsquota-<tenant>` in the controller namespace —
 * written with compare-and-swap on its resourceVersion. Writes to one object are linearised by
 * the apiserver, so at most `quota` names are ever counted. A reservation expires after `ttlMs`,
 * by which time the namespace is in every replica's cache (counted as a member) or was never
 * created (the slot frees itself). A dry run checks the same way and writes nothing.
 */
import {
  LABEL_MANAGED_BY,
  MANAGED_BY_VALUE,
  TENANT_API_VERSION,
  TENANT_KIND,
} from '../../crds/index.js';
import { FIELD_MANAGER_ADMISSION } from '../../crds/index.js';
import {
  isConflict,
  isNotFound,
  type KubeClient,
  type KubeObject,
  type Logger,
} from '../runtime/index.js';
import type { Reservation } from './namespaces.js';
import { allow, deny, type Verdict } from './types.js';

/** Label on ledger ConfigMaps; the value is the tenant name. */
export const LEDGER_LABEL = 'tenantry.io/namespace-ledger';

/** The ledger ConfigMap's name for `tenant`. */
export function ledgerName(tenant: string): string {
  return `tenantry-nsquota-${tenant}`;
}

/** Reservations in a ledger: namespace name → expiry (ms since epoch). */
export type Reservations = Record<string, number>;

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** The unexpired reservations of a ledger ConfigMap (malformed data counts as none). */
export function liveReservations(cm: ConfigMap | undefined, now: number): Reservations {
  const raw = cm?.data?.['reservations'];
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  const out: Reservations = {};
  if (parsed === null || typeof parsed !== 'object') return out;
  for (const [name, expiry] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof expiry === 'number' && expiry > now) out[name] = expiry;
  }
  return out;
}

/** The outcome of counting one create against the quota (pure). */
export type QuotaCheck =
  | { readonly kind: 'already-counted' }
  | { readonly kind: 'full'; readonly used: readonly string[] }
  | { readonly kind: 'fits' };

/** Counts the tenant's namespaces (members ∪ reserved names) against `quota` for `name`. */
export function checkQuota(
  members: readonly string[],
  reserved: Reservations,
  name: string,
  quota: number,
): QuotaCheck {
  const used = new Set([...members, ...Object.keys(reserved)]);
  if (used.has(name)) return { kind: 'already-counted' };
  return used.size >= quota ? { kind: 'full', used: [...used].sort() } : { kind: 'fits' };
}

/** Options for {@link NamespaceLedger}. */
export interface LedgerOptions {
  readonly client: KubeClient;
  /** The controller namespace, where ledgers live. */
  readonly namespace: string;
  /** How long a reservation counts without its namespace in the cache. @default 30 000 */
  readonly ttlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly log: Logger;
  /** CAS attempts before giving up with an explicit, retryable denial. @default 8 */
  readonly attempts?: number;
}

/** Carries out {@link Reservation}s (see the module comment). */
export class NamespaceLedger {
  private readonly lastSeen = new Map<string, ConfigMap>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: LedgerOptions) {
    this.ttlMs = opts.ttlMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  private path(name?: string): string {
    const base = `/api/v1/namespaces/${this.opts.namespace}/configmaps`;
    return name === undefined ? base : `${base}/${name}`;
  }

  private async read(tenant: string): Promise<ConfigMap | undefined> {
    try {
      return await this.opts.client.request<ConfigMap>({
        method: 'GET',
        path: this.path(ledgerName(tenant)),
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async write(
    r: Reservation,
    cm: ConfigMap | undefined,
    reservations: Reservations,
  ): Promise<ConfigMap> {
    const body: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: ledgerName(r.tenant),
        namespace: this.opts.namespace,
        labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LEDGER_LABEL]: r.tenant },
        ownerReferences: [
          { apiVersion: TENANT_API_VERSION, kind: TENANT_KIND, name: r.tenant, uid: r.tenantUid },
        ],
        ...(cm?.metadata?.resourceVersion !== undefined
          ? { resourceVersion: cm.metadata.resourceVersion }
          : {}),
      },
      data: { reservations: JSON.stringify(reservations) },
    };
    const query = { fieldManager: FIELD_MANAGER_ADMISSION };
    return cm === undefined
      ? this.opts.client.request<ConfigMap>({ method: 'POST', path: this.path(), query, body })
      : this.opts.client.request<ConfigMap>({
          method: 'PUT',
          path: this.path(ledgerName(r.tenant)),
          query,
          body,
        });
  }

  /** Reserves `r.namespace` if the tenant has room; the verdict says why not otherwise. */
  async reserve(r: Reservation): Promise<Verdict> {
    const attempts = this.opts.attempts ?? 8;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const cached = attempt === 0 ? this.lastSeen.get(r.tenant) : undefined;
      const cm = cached ?? (await this.read(r.tenant));
      const now = this.now();
      const reserved = liveReservations(cm, now);
      const check = checkQuota(r.members, reserved, r.namespace, r.quota);
      if (check.kind === 'already-counted') return allow();
      if (check.kind === 'full') {
        return deny(
          `cannot create namespace ${r.namespace}: tenant ${r.tenant} has reached its namespace quota of ${r.quota} (${check.used.join(', ')})`,
        );
      }
      if (r.dryRun) return allow();
      try {
        const stored = await this.write(r, cm, { ...reserved, [r.namespace]: now + this.ttlMs });
        this.lastSeen.set(r.tenant, stored);
        return allow();
      } catch (err) {
        this.lastSeen.delete(r.tenant);
        if (!isConflict(err) && !isNotFound(err)) throw err;
        this.opts.log.debug(
          { tenant: r.tenant, attempt },
          'Namespace ledger changed concurrently, retrying',
        );
      }
    }
    return deny(
      `cannot create namespace ${r.namespace}: too many concurrent namespace creations for tenant ${r.tenant}; try again`,
      429,
    );
  }
}
