/**
 * The key ring: every active sealing key of the controller namespace, parsed once per Secret
 * version, ordered newest first. Every replica keeps one (fed by the key-Secret informers), so
 * `/v1/cert.pem`, `/v1/verify` and `/v1/rotate` work on followers too, and additions, deletions
 * and relabels (`compromised`) take effect without a restart (Bitnami needs one, #414).
 */
import { hkdfSync } from 'node:crypto';
import { LABEL_SEALED_SECRETS_KEY } from '../../crds/index.js';
import type { DeepReadonly } from '../runtime/index.js';
import { isActiveKeySecret, parseKeySecret, type KeySecret, type SealingKey } from './secret.js';

/** Which time orders keys (Bitnami's `--key-order-priority`). */
export type KeyOrderPriority = 'CertNotBefore' | 'SecretCreationTimestamp';

/** A labelled key Secret that could not be loaded, and why. */
export interface RejectedKey {
  readonly secretName: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly reason: string;
}

/** Options for {@link KeyRing}. */
export interface KeyRingOptions {
  /** @default 'CertNotBefore' */
  readonly orderPriority?: KeyOrderPriority;
  /**
   * Name of Bitnami's pre-0.9 key Secret (exactly `--key-prefix`), loaded even without the label.
   * @default none
   */
  readonly legacyName?: string;
}

interface Parsed {
  readonly resourceVersion: string;
  readonly result: ReturnType<typeof parseKeySecret>;
}

// Domain separation for the content MAC key: a key derived for this one purpose, never the RSA
// key itself, so the MAC cannot be turned into an oracle against the sealing key.
const MAC_SALT = Buffer.from('tenantry.io/sealedsecret content-mac');
const MAC_INFO = Buffer.from('v1');

function rejection(uid: string, s: DeepReadonly<KeySecret>, reason: string): RejectedKey {
  return {
    secretName: s.metadata?.name ?? '',
    uid,
    resourceVersion: s.metadata?.resourceVersion ?? '',
    reason,
  };
}

/**
 * The loaded keys. Mutated only through {@link KeyRing.replace} / {@link KeyRing.addLocal};
 * listeners hear about changes of the set of usable keys (not about unrelated Secret updates).
 */
export class KeyRing {
  private keys: SealingKey[] = [];
  private byFingerprint = new Map<string, SealingKey>();
  private rejected: RejectedKey[] = [];
  private readonly parsed = new Map<string, Parsed>();
  private readonly macKeys = new WeakMap<SealingKey, Buffer>();
  private readonly listeners = new Set<() => void>();
  /** Keys minted by this replica that the informer has not delivered yet. */
  private local: SealingKey[] = [];
  private readonly priority: KeyOrderPriority;
  private readonly legacyName: string | undefined;

  constructor(opts: KeyRingOptions = {}) {
    this.priority = opts.orderPriority ?? 'CertNotBefore';
    this.legacyName = opts.legacyName;
  }

  /**
   * Rebuilds the ring from every candidate key Secret (labelled ones and the legacy name).
   * Secrets whose label is not `active` are skipped; malformed ones are recorded in
   * {@link KeyRing.rejectedKeys}. Parsing happens once per Secret resourceVersion.
   */
  replace(secrets: readonly DeepReadonly<KeySecret>[]): void {
    const keys: SealingKey[] = [];
    const rejected: RejectedKey[] = [];
    const seen = new Set<string>();
    for (const s of secrets) {
      const uid = s.metadata?.uid ?? s.metadata?.name ?? '';
      if (seen.has(uid) || !this.isCandidate(s)) continue;
      seen.add(uid);
      const result = this.parse(uid, s);
      if (result.ok) keys.push(result.key);
      else rejected.push(rejection(uid, s, result.reason));
    }
    for (const uid of [...this.parsed.keys()]) if (!seen.has(uid)) this.parsed.delete(uid);
    const fromApi = new Set(keys.map((k) => k.fingerprint));
    this.local = this.local.filter((k) => !fromApi.has(k.fingerprint));
    this.rejected = rejected;
    this.install([...keys, ...this.local]);
  }

  /** Parses once per resourceVersion. */
  private parse(uid: string, s: DeepReadonly<KeySecret>): ReturnType<typeof parseKeySecret> {
    const rv = s.metadata?.resourceVersion ?? '';
    let p = this.parsed.get(uid);
    if (p?.resourceVersion !== rv) {
      p = { resourceVersion: rv, result: parseKeySecret(s) };
      this.parsed.set(uid, p);
    }
    return p.result;
  }

  /** Adds a key this replica just created, before the informer delivers its Secret. */
  addLocal(key: SealingKey): void {
    if (this.byFingerprint.has(key.fingerprint)) return;
    this.local.push(key);
    this.install([...this.keys, key]);
  }

  private isCandidate(s: DeepReadonly<KeySecret>): boolean {
    if (isActiveKeySecret(s)) return true;
    // The legacy key counts only while it carries no key label at all: a legacy Secret someone
    // labelled `compromised` must stay unloaded.
    return (
      this.legacyName !== undefined &&
      s.metadata?.name === this.legacyName &&
      s.metadata.labels?.[LABEL_SEALED_SECRETS_KEY] === undefined
    );
  }

  private install(keys: SealingKey[]): void {
    const unique = new Map<string, SealingKey>();
    for (const k of keys) if (!unique.has(k.fingerprint)) unique.set(k.fingerprint, k);
    const sorted = [...unique.values()].sort((a, b) => this.compare(a, b));
    const before = this.keys.map((k) => k.fingerprint).join(',');
    this.keys = sorted;
    this.byFingerprint = unique;
    if (sorted.map((k) => k.fingerprint).join(',') !== before) {
      for (const l of this.listeners) l();
    }
  }

  /** Newest first; ties broken by the other time, then by Secret name, so the order is stable. */
  private compare(a: SealingKey, b: SealingKey): number {
    const [pa, pb, sa, sb] =
      this.priority === 'CertNotBefore'
        ? [a.notBefore, b.notBefore, a.createdAt, b.createdAt]
        : [a.createdAt, b.createdAt, a.notBefore, b.notBefore];
    return (
      pb.getTime() - pa.getTime() ||
      sb.getTime() - sa.getTime() ||
      (a.secretName < b.secretName ? -1 : a.secretName > b.secretName ? 1 : 0)
    );
  }

  /** The sealing key: the newest one. */
  newest(): SealingKey | undefined {
    return this.keys[0];
  }

  /** Every loaded key, newest first. */
  all(): readonly SealingKey[] {
    return this.keys;
  }

  /** Number of loaded keys. */
  size(): number {
    return this.keys.length;
  }

  /** The key with this fingerprint, if loaded. */
  get(fingerprint: string): SealingKey | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  /**
   * The order to try keys in: the hinted keys first (the one that opened this SealedSecret
   * last time), then the rest newest first — new seals use the newest key, so that is the best
   * guess for anything not seen before.
   */
  ordered(...hints: (string | undefined)[]): SealingKey[] {
    const first: SealingKey[] = [];
    for (const h of hints) {
      const k = h === undefined ? undefined : this.byFingerprint.get(h);
      if (k !== undefined && !first.includes(k)) first.push(k);
    }
    return [...first, ...this.keys.filter((k) => !first.includes(k))];
  }

  /** Labelled key Secrets that were ignored because they are malformed. */
  rejectedKeys(): readonly RejectedKey[] {
    return this.rejected;
  }

  /**
   * A 256-bit MAC key derived from `key`'s private key (HKDF-SHA256). Only a holder of the private
   * key can compute it, so an attacker who can edit a produced Secret cannot forge its content MAC.
   */
  macKey(key: SealingKey): Buffer {
    let mac = this.macKeys.get(key);
    if (mac === undefined) {
      const der = key.privateKey.export({ type: 'pkcs1', format: 'der' });
      mac = Buffer.from(hkdfSync('sha256', der, MAC_SALT, MAC_INFO, 32));
      this.macKeys.set(key, mac);
    }
    return mac;
  }

  /** Calls `listener` whenever the set or order of loaded keys changes; returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
