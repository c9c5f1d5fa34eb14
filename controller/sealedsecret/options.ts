/**
 * The SealedSecret module's flags, named as Bitnami's controller names them where it has them
 * (`--key-prefix`, `--key-renew-period`, `--rate-limit`, …), so a deployment's arguments carry
 * over. Environment: `TENANTRY_<FLAG>` (e.g. `TENANTRY_KEY_RENEW_PERIOD`), not Bitnami's
 * `SEALED_SECRETS_<FLAG>`.
 */
import type { Options } from 'yargs';
import { DEFAULT_KEY_TTL_MS } from '../../crypto/keys.js';
import { inertFlagWarnings, inertOptions, type InertFlag } from '../inert-flags.js';
import { parseCutoffTime, parseDuration } from '../keys/duration.js';
import type { KeyOrderPriority } from '../keys/ring.js';
import type { KeyPolicy } from '../keys/rotation.js';
import { parseKeyValueList } from '../keys/secret.js';
import { isDns1123Label } from '../runtime/names.js';

/** Bitnami's SealedSecret flags tenantry accepts without acting on them (inert-flags.ts). */
export const SEALED_SECRET_INERT_FLAGS: Readonly<Record<string, InertFlag>> = {
  'watch-for-secrets': {
    option: {
      type: 'boolean',
      default: false,
      describe: "Bitnami's; produced Secrets are always watched",
    },
    why: 'produced Secrets are always watched (drift repair)',
  },
  'skip-recreate': {
    option: {
      type: 'boolean',
      default: false,
      describe: "Bitnami's; deleted Secrets are always restored",
    },
    why: 'produced Secrets are always watched and restored (drift repair), so the controller needs list and watch on Secrets',
  },
  'old-gc-behavior': {
    option: {
      type: 'boolean',
      default: false,
      describe: "Bitnami's; Secrets go by owner reference",
    },
    why: 'a produced Secret is garbage-collected by the API server through its owner reference',
  },
  'max-unseal-retries': {
    option: {
      type: 'number',
      default: 5,
      describe: "Bitnami's; API errors are retried with backoff",
    },
    why: 'API errors are retried with capped exponential backoff; a SealedSecret that cannot be unsealed is tried again when it, a key or its namespace changes',
  },
};

/** The flags (yargs options) of the `sealedsecret` module. */
export const SEALED_SECRET_OPTIONS: Readonly<Record<string, Options>> = {
  ...inertOptions(SEALED_SECRET_INERT_FLAGS),
  'key-prefix': {
    type: 'string',
    default: 'sealed-secrets-key',
    describe: 'Prefix of the names of sealing key Secrets (generateName)',
  },
  'key-size': {
    type: 'number',
    default: 4096,
    describe: 'RSA size of generated sealing keys, bits',
  },
  'key-ttl': {
    type: 'string',
    default: '87600h',
    describe: 'Validity of generated certificates (Go duration; a bare number counts as hours)',
  },
  'key-renew-period': {
    type: 'string',
    alias: 'rotate-period',
    default: '720h',
    describe: 'Generate a new sealing key this often (Go duration or hours; 0 disables)',
  },
  'key-cutoff-time': {
    type: 'string',
    default: '',
    describe: 'Generate a new key at start if the newest is older than this (RFC 1123Z)',
  },
  'key-order-priority': {
    type: 'string',
    choices: ['CertNotBefore', 'SecretCreationTimestamp'],
    default: 'CertNotBefore',
    describe: 'Which time makes a key the newest (the one that seals)',
  },
  'my-cn': { type: 'string', default: '', describe: 'Common name of generated certificates' },
  'privatekey-labels': {
    type: 'string',
    default: '',
    describe: 'Extra labels of key Secrets, k=v,k2=v2',
  },
  'privatekey-annotations': {
    type: 'string',
    default: '',
    describe: 'Annotations of key Secrets, k=v,k2=v2',
  },
  'accept-deprecated-v1-data': {
    type: 'boolean',
    default: true,
    describe: "Decrypt the deprecated spec.data field (Bitnami's v1 format)",
  },
  'update-status': {
    type: 'boolean',
    default: true,
    describe: 'Write status.conditions and observedGeneration of SealedSecrets',
  },
  'rate-limit': {
    type: 'number',
    default: 2,
    describe: 'Requests per second per client to /v1/verify and /v1/rotate',
  },
  'rate-limit-burst': {
    type: 'number',
    default: 2,
    describe: 'Burst of requests per client to /v1/verify and /v1/rotate',
  },
  'drift-check-interval': {
    type: 'string',
    default: '1h',
    describe: 'Re-check every SealedSecret this often, jittered ±10% (Go duration; 0 disables)',
  },
  'metrics-omit-secret-labels': {
    type: 'boolean',
    default: false,
    describe: 'Do not export per-SealedSecret condition series (hides the inventory)',
  },
  'sealedsecret-workers': {
    type: 'number',
    default: 4,
    describe: 'Concurrent SealedSecret reconciles',
  },
  'label-selector': {
    type: 'string',
    default: '',
    describe: 'Only SealedSecrets matching this label selector (e.g. shard=a), as Bitnami',
  },
  'all-namespaces': {
    type: 'boolean',
    default: true,
    describe:
      'Unseal SealedSecrets in every namespace; false: only in the controller namespace and --additional-namespaces',
  },
  'additional-namespaces': {
    type: 'string',
    default: '',
    describe:
      'Comma-separated namespaces to unseal in besides the controller namespace (then only those, as Bitnami)',
  },
};

/** The parsed, validated configuration. */
export interface SealedSecretConfig {
  readonly keyPolicy: KeyPolicy;
  readonly orderPriority: KeyOrderPriority;
  readonly acceptV1Data: boolean;
  readonly updateStatus: boolean;
  readonly rateLimit: number;
  readonly rateLimitBurst: number;
  readonly driftCheckIntervalMs: number;
  readonly omitSecretMetrics: boolean;
  readonly workers: number;
  /** `--label-selector`; empty: every SealedSecret. */
  readonly labelSelector: string;
  /** `--all-namespaces`. */
  readonly allNamespaces: boolean;
  /** `--additional-namespaces`, deduplicated, in the order given. */
  readonly additionalNamespaces: readonly string[];
  /** Bitnami flags given a value this controller does not act on, for warnings at start. */
  readonly inertFlagWarnings: readonly string[];
}

/**
 * The namespaces whose SealedSecrets (and produced Secrets) the controller reads, or `undefined`
 * for all of them. As Bitnami: `--all-namespaces=false` or any `--additional-namespaces` narrows
 * the controller to its own namespace plus the additional ones.
 */
export function watchedNamespaces(
  config: Pick<SealedSecretConfig, 'allNamespaces' | 'additionalNamespaces'>,
  controllerNamespace: string,
): readonly string[] | undefined {
  if (config.allNamespaces && config.additionalNamespaces.length === 0) return undefined;
  return [...new Set([controllerNamespace, ...config.additionalNamespaces])];
}

function namespaceList(text: string): readonly string[] {
  const names = [
    ...new Set(
      text
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    ),
  ];
  const bad = names.find((n) => !isDns1123Label(n));
  if (bad !== undefined) {
    throw new Error(
      `--additional-namespaces: ${JSON.stringify(bad)} is not a namespace name (lowercase letters, digits and '-', at most 63)`,
    );
  }
  return names;
}

const PREFIX = /^[a-z0-9]([-a-z0-9]*)?$/;

function str(flags: Readonly<Record<string, unknown>>, name: string, fallback: string): string {
  const v = flags[name];
  if (v === undefined || v === null) return fallback;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function num(flags: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const v = flags[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function bool(flags: Readonly<Record<string, unknown>>, name: string, fallback: boolean): boolean {
  const v = flags[name];
  return v === undefined ? fallback : v === true || v === 'true';
}

/**
 * Reads and checks the module's flags.
 *
 * @throws Error naming the flag for an invalid value (the controller then refuses to start)
 */
export function parseSealedSecretConfig(
  flags: Readonly<Record<string, unknown>>,
): SealedSecretConfig {
  const prefix = str(flags, 'key-prefix', 'sealed-secrets-key');
  if (!PREFIX.test(prefix) || prefix.length > 245) {
    throw new Error(`--key-prefix "${prefix}" must match [a-z0-9-] and be at most 245 characters`);
  }
  const bits = num(flags, 'key-size', 4096);
  if (!Number.isInteger(bits) || bits < 2048)
    throw new Error('--key-size must be an integer ≥ 2048');
  const cutoffText = str(flags, 'key-cutoff-time', '');
  const ttl = str(flags, 'key-ttl', '');
  const workers = num(flags, 'sealedsecret-workers', 4);
  const order = str(flags, 'key-order-priority', 'CertNotBefore');
  if (order !== 'CertNotBefore' && order !== 'SecretCreationTimestamp') {
    throw new Error(`--key-order-priority must be CertNotBefore or SecretCreationTimestamp`);
  }
  return {
    keyPolicy: {
      prefix,
      bits,
      ttlMs: ttl === '' ? DEFAULT_KEY_TTL_MS : parseDuration(ttl),
      commonName: str(flags, 'my-cn', ''),
      renewPeriodMs: parseDuration(str(flags, 'key-renew-period', '720h')),
      ...(cutoffText !== '' ? { cutoff: parseCutoffTime(cutoffText) } : {}),
      labels: parseKeyValueList(str(flags, 'privatekey-labels', '')),
      annotations: parseKeyValueList(str(flags, 'privatekey-annotations', '')),
    },
    orderPriority: order,
    acceptV1Data: bool(flags, 'accept-deprecated-v1-data', true),
    updateStatus: bool(flags, 'update-status', true),
    rateLimit: num(flags, 'rate-limit', 2),
    rateLimitBurst: num(flags, 'rate-limit-burst', 2),
    driftCheckIntervalMs: parseDuration(str(flags, 'drift-check-interval', '1h')),
    omitSecretMetrics: bool(flags, 'metrics-omit-secret-labels', false),
    workers: Math.max(1, Math.floor(workers)),
    labelSelector: str(flags, 'label-selector', '').trim(),
    allNamespaces: bool(flags, 'all-namespaces', true),
    additionalNamespaces: namespaceList(str(flags, 'additional-namespaces', '')),
    inertFlagWarnings: inertFlagWarnings(SEALED_SECRET_INERT_FLAGS, flags),
  };
}
