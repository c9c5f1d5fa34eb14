/** The parts of ObjectMeta the plugins read; everything else passes through untouched. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A Kubernetes object as read from a file: only the envelope is typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string map (labels, annotations, data) or `undefined`; anything else is `invalid`. */
export function stringMap(value: unknown): Record<string, string> | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) return 'invalid';
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') return 'invalid';
    out[key] = item;
  }
  return out;
}

/** `ns/name`, or `name` for cluster-scoped objects, for messages. */
export function objectRef(meta: ObjectMeta | undefined): string {
  const name = meta?.name ?? '<no name>';
  return meta?.namespace ? `${meta.namespace}/${name}` : name;
}
