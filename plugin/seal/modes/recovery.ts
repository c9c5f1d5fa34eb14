import type { KeyObject } from 'node:crypto';
import { decodeBase64Std, encodeBase64Std } from '../../../crypto/base64.js';
import { isCryptoError } from '../../../crypto/errors.js';
import { loadPrivateKeys } from '../../../crypto/private-key.js';
import { encryptionLabel, scopeFromAnnotations, type SealingScope } from '../../../crypto/scope.js';
import { unsealValue } from '../../../crypto/value.js';
import { parseManifests } from '../../shared/documents.js';
import { CliError, messageOf } from '../../shared/errors.js';
import { readFileFor } from '../../shared/files.js';
import {
  isRecord,
  objectRef,
  stringMap,
  type KubeObject,
  type ObjectMeta,
} from '../../shared/objects.js';
import { chooseFormat, formatObjects } from '../../shared/output.js';
import type { SealContext } from '../context.js';
import { SEALED_SECRET_KIND } from '../sealed-secret.js';
import { documentPosition, emit } from './emit.js';

/**
 * `--recovery-unseal`: decrypts SealedSecrets offline with backed-up private keys (disaster
 * recovery) and prints the Secrets. Scope, name and namespace come from each SealedSecret's own
 * metadata, as in the controller. The deprecated v1 `spec.data` blob is read too.
 * `spec.template.data` templates are not rendered (a warning names the skipped keys).
 */
export async function recoveryMode(ctx: SealContext): Promise<void> {
  const keys = await loadRecoveryKeys(ctx);
  const { objects, source } = await ctx.readObjects();
  const secrets: KubeObject[] = [];
  for (const [index, object] of objects.entries()) {
    const position = documentPosition(source, index, objects.length);
    if (object.kind !== SEALED_SECRET_KIND) throw new CliError(`${position} is not a SealedSecret`);
    secrets.push(unsealObject(ctx, object, keys));
  }
  const format = chooseFormat(ctx.options.format, ctx.options.outputFile, 'json');
  await emit(ctx, await formatObjects(secrets, format));
}

/** Private keys from each file: PEM, or a Secret / v1 List of Secrets holding `tls.key`. */
async function loadRecoveryKeys(ctx: SealContext): Promise<KeyObject[]> {
  const keys: KeyObject[] = [];
  for (const file of ctx.options.recoveryPrivateKeys) {
    const text = (await readFileFor(file, '--recovery-private-key', ctx.io.cwd)).toString('utf8');
    const found = text.includes('-----BEGIN')
      ? loadPrivateKeys(text)
      : await keysFromSecrets(text, file);
    if (found.length === 0) {
      throw new CliError(
        `no private key found in ${file} (expected PEM, or Secrets with data "tls.key")`,
      );
    }
    keys.push(...found);
  }
  return keys;
}

async function keysFromSecrets(text: string, file: string): Promise<KeyObject[]> {
  const keys: KeyObject[] = [];
  for (const object of await parseManifests(text, file)) {
    const data = stringMap(object['data']);
    const encoded = data === 'invalid' ? undefined : data?.['tls.key'];
    if (encoded === undefined) continue;
    keys.push(...loadPrivateKeys(decodeBase64Std(encoded).toString('utf8')));
  }
  return keys;
}

function unsealObject(
  ctx: SealContext,
  object: KubeObject,
  keys: readonly KeyObject[],
): KubeObject {
  const meta = object.metadata ?? {};
  const spec = isRecord(object['spec']) ? object['spec'] : {};
  const encrypted = stringMap(spec['encryptedData']);
  const items = encrypted === 'invalid' ? {} : (encrypted ?? {});
  const annotations = stringMap(meta.annotations);
  const scope = scopeFromAnnotations(annotations === 'invalid' ? undefined : annotations);
  const label = labelFor(ctx, meta, scope);
  const open = (what: string, value: string): Buffer => {
    try {
      return unsealValue({ privateKeys: keys, value, label }).plaintext;
    } catch (err) {
      if (!isCryptoError(err)) throw err;
      throw new CliError(
        `cannot unseal ${what} of SealedSecret ${objectRef(meta)} (${scope}): ${messageOf(err)}`,
      );
    }
  };
  const legacy = spec['data'];
  if (typeof legacy === 'string' && legacy !== '') {
    if (Object.keys(items).length > 0) {
      // Bitnami's exact rejection of the ambiguous case.
      throw new CliError(
        "cannot use the field 'encryptedData' and the deprecated field 'data' at the same time",
      );
    }
    return secretFrom(ctx, object, legacyData(open('spec.data', legacy), meta));
  }
  const data: Record<string, string> = {};
  for (const key of Object.keys(items).sort()) {
    data[key] = encodeBase64Std(open(`item "${key}"`, items[key] ?? ''));
  }
  return secretFrom(ctx, object, data);
}

/**
 * Bitnami's deprecated v1 format: `spec.data` seals the JSON of a whole v1 Secret. Only its
 * values are used; name and namespace are the SealedSecret's, as in the controller.
 */
function legacyData(plaintext: Buffer, meta: ObjectMeta): Record<string, string> {
  let secret: unknown;
  try {
    secret = JSON.parse(plaintext.toString('utf8'));
  } catch {
    secret = undefined;
  }
  const data = isRecord(secret) ? stringMap(secret['data']) : 'invalid';
  if (data === 'invalid') {
    throw new CliError(`spec.data of SealedSecret ${objectRef(meta)} does not hold a v1 Secret`);
  }
  return Object.fromEntries(Object.entries(data ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

function labelFor(ctx: SealContext, meta: ObjectMeta, scope: SealingScope): Buffer {
  const namespace = meta.namespace ?? ctx.options.namespace;
  return encryptionLabel({
    scope,
    name: meta.name,
    namespace,
    tenant: scope === 'tenant-wide' ? ctx.tenantFor({ metadata: meta }) : undefined,
  });
}

function secretFrom(
  ctx: SealContext,
  object: KubeObject,
  data: Record<string, string>,
): KubeObject {
  const spec = isRecord(object['spec']) ? object['spec'] : {};
  const template = isRecord(spec['template']) ? spec['template'] : {};
  const templateMeta = isRecord(template['metadata']) ? template['metadata'] : {};
  const templated = isRecord(template['data']) ? Object.keys(template['data']) : [];
  if (templated.length > 0) {
    ctx.io.stderr.write(
      `warning: spec.template.data is not rendered by --recovery-unseal; skipped keys: ${templated.join(', ')}\n`,
    );
  }
  const { creationTimestamp: _created, ...metadata } = templateMeta;
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...metadata,
      name: object.metadata?.name,
      namespace: object.metadata?.namespace ?? ctx.options.namespace,
    },
  };
  if (typeof template['type'] === 'string') secret['type'] = template['type'];
  if (typeof template['immutable'] === 'boolean') secret['immutable'] = template['immutable'];
  secret['data'] = data;
  return secret;
}
