import { createHash } from 'node:crypto';

/** Longest DNS-1123 label (namespace, most object names). */
export const DNS1123_LABEL_MAX = 63;

const HASH_LENGTH = 8;

/**
 * A deterministic, DNS-1123-label-safe child name: `prefix-part1-part2` when that is already a
 * valid label of at most 63 characters; otherwise a readable, sanitised and truncated prefix plus
 * `-` and an 8-hex-character hash of the exact inputs.
 *
 * The hash is added whenever sanitising changed anything, not only when the name is too long, so
 * two different identities (`"A"` and `"a"`, `"a.b"` and `"a-b"`) can never collide. Names are a
 * pure function of the inputs: a controller that crashed mid-reconcile finds the same child again
 * (cluster-api providers/best-practices.md).
 *
 * @example childName('tenant', 'acme', 'quota') === 'tenant-acme-quota'
 * @throws Error if `prefix` is empty
 */
export function childName(prefix: string, ...parts: string[]): string {
  if (prefix === '') {
    throw new Error('childName needs a non-empty prefix');
  }
  const joined = [prefix, ...parts].join('-');
  const readable = sanitise(joined);
  if (readable === joined && readable.length <= DNS1123_LABEL_MAX) {
    return readable;
  }
  // JSON keeps the part boundaries, so ('a-b','c') and ('a','b-c') hash differently.
  const hash = createHash('sha256')
    .update(JSON.stringify([prefix, ...parts]))
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const room = DNS1123_LABEL_MAX - HASH_LENGTH - 1;
  const head = trimDashes(readable.slice(0, room));
  return head === '' ? hash : `${head}-${hash}`;
}

/** True if `name` is a valid DNS-1123 label. */
export function isDns1123Label(name: string): boolean {
  return name.length <= DNS1123_LABEL_MAX && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

function sanitise(s: string): string {
  return trimDashes(s.toLowerCase().replace(/[^a-z0-9-]+/g, '-'));
}

function trimDashes(s: string): string {
  return s.replace(/^-+/, '').replace(/-+$/, '');
}
