import { decodeBase64Std } from '../../crypto/base64.js';
import { CliError, messageOf } from '../shared/errors.js';
import { isRecord, stringMap, type KubeObject, type ObjectMeta } from '../shared/objects.js';

/** An input Secret, checked and decoded. */
export interface InputSecret {
  /** Where it came from, for messages: `Secret "db" (stdin, document 2)`. */
  readonly where: string;
  readonly metadata: ObjectMeta;
  readonly type?: string;
  readonly immutable?: boolean;
  /** Plaintext items: `data` (base64-decoded), then `stringData` (UTF-8), which wins on a clash. */
  readonly items: ReadonlyMap<string, Buffer>;
}

/**
 * Checks one input object and decodes its values. kubeseal does not check `kind`; tenantry
 * rejects any other kind explicitly (a missing `kind` is accepted, as in kubeseal).
 *
 * @param position - e.g. `stdin, document 2`
 * @throws {@link CliError} naming the document and the field
 */
export function toInputSecret(obj: KubeObject, position: string): InputSecret {
  const metadata = checkMetadata(obj.metadata, position);
  const where = metadata.name
    ? `Secret "${metadata.name}" (${position})`
    : `the Secret in ${position}`;
  if (obj.kind !== undefined && obj.kind !== 'Secret') {
    throw new CliError(`${position} is a ${String(obj.kind)}, not a Secret`);
  }
  const items = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(checkMap(obj['data'], 'data', where))) {
    try {
      items.set(key, decodeBase64Std(value));
    } catch (err) {
      throw new CliError(`${messageOf(err)} in data.${key} of ${where}`, { cause: err });
    }
  }
  for (const [key, value] of Object.entries(checkMap(obj['stringData'], 'stringData', where))) {
    items.set(key, Buffer.from(value, 'utf8'));
  }
  const type = obj['type'];
  if (type !== undefined && typeof type !== 'string')
    throw new CliError(`type of ${where} is not a string`);
  const immutable = obj['immutable'];
  if (immutable !== undefined && typeof immutable !== 'boolean') {
    throw new CliError(`immutable of ${where} is not a boolean`);
  }
  return { where, metadata, type, immutable, items };
}

/** kubeseal's refusal of Secrets without values, unless `--allow-empty-data`. */
export function requireItems(secret: InputSecret, allowEmptyData: boolean): void {
  if (secret.items.size === 0 && !allowEmptyData) {
    throw new CliError(
      `secret.data is empty in input Secret, assuming this is an error and aborting. ` +
        `To work with empty data, --allow-empty-data can be used (${secret.where})`,
    );
  }
}

function checkMetadata(value: unknown, position: string): ObjectMeta {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new CliError(`metadata of ${position} is not an object`);
  const meta: ObjectMeta = { ...value };
  for (const field of ['name', 'namespace', 'generateName'] as const) {
    if (meta[field] !== undefined && typeof meta[field] !== 'string') {
      throw new CliError(`metadata.${field} of ${position} is not a string`);
    }
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = stringMap(value[field]);
    if (map === 'invalid')
      throw new CliError(`metadata.${field} of ${position} must map strings to strings`);
    if (map === undefined) delete meta[field];
    else meta[field] = map;
  }
  return meta;
}

function checkMap(value: unknown, field: string, where: string): Record<string, string> {
  const map = stringMap(value);
  if (map === 'invalid') throw new CliError(`${field} of ${where} must map keys to strings`);
  return map ?? {};
}
