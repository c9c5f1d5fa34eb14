import {
  encryptionLabel,
  scopeFromAnnotations,
  TENANT_NAME_ANNOTATION,
  withScopeAnnotations,
} from '../../../crypto/scope.js';
import { looksLikeJson } from '../../shared/documents.js';
import { CliError, messageOf } from '../../shared/errors.js';
import { readFileFor } from '../../shared/files.js';
import { isRecord, stringMap, type KubeObject } from '../../shared/objects.js';
import type { SealContext } from '../context.js';
import { SEALED_SECRET_KIND, sealItems, type SealTarget } from '../sealed-secret.js';
import { requireItems, toInputSecret } from '../secret.js';
import { loadYaml } from '../../shared/yaml.js';
import { documentPosition, emit } from './emit.js';

/** The edits to apply to the target file. */
interface MergeEdits {
  readonly encryptedData: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/**
 * `--merge-into FILE`: seals the input Secret's items for FILE's SealedSecret and writes them into
 * FILE in place (atomically), adding template labels and annotations too.
 *
 * Unlike kubeseal, the scope is read from FILE's own annotations, since that is what the
 * controller will use to unseal: kubeseal takes it from `--scope` or the input Secret, and a
 * mismatch produces items that never decrypt. An explicit `--scope` that disagrees is an error.
 * YAML files keep their comments and layout.
 */
export async function mergeMode(ctx: SealContext): Promise<void> {
  const file = ctx.options.mergeInto ?? '';
  const text = (await readFileFor(file, '--merge-into', ctx.io.cwd)).toString('utf8');
  const isJson = looksLikeJson(text);
  const existing = isJson ? parseJsonTarget(text, file) : await parseYamlTarget(text, file);
  const target = mergeTarget(ctx, existing, file);
  encryptionLabel(target);

  const { objects, source } = await ctx.readObjects();
  const items = new Map<string, Buffer>();
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const [index, object] of objects.entries()) {
    const secret = toInputSecret(object, documentPosition(source, index, objects.length));
    requireItems(secret, ctx.options.allowEmptyData);
    for (const [key, value] of secret.items) items.set(key, value);
    Object.assign(labels, secret.metadata.labels);
    // The target's scope stays authoritative: input scope annotations are not merged.
    Object.assign(annotations, withScopeAnnotations(secret.metadata.annotations, 'strict'));
  }
  delete annotations[TENANT_NAME_ANNOTATION];
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];

  const certificate = await ctx.certificate();
  const edits: MergeEdits = {
    encryptedData: await sealItems(items, target, certificate),
    labels,
    annotations,
  };
  const output = isJson ? mergeJson(existing, edits) : await mergeYaml(text, edits);
  await emit(ctx, output, file);
}

function mergeTarget(ctx: SealContext, existing: KubeObject, file: string): SealTarget {
  if (existing.kind !== SEALED_SECRET_KIND) {
    throw new CliError(
      `${file} is not a SealedSecret (kind ${String(existing.kind ?? 'missing')})`,
    );
  }
  const meta = existing.metadata ?? {};
  const annotations = stringMap(meta.annotations);
  const scope = scopeFromAnnotations(annotations === 'invalid' ? undefined : annotations);
  if (ctx.options.scope !== undefined && ctx.options.scope !== scope) {
    throw new CliError(
      `--scope ${ctx.options.scope} conflicts with ${file}, which is ${scope} (from its annotations); ` +
        'items merged into it must be sealed with its scope',
    );
  }
  const name = meta.name;
  if (!name) throw new CliError(`${file} has no metadata.name`);
  const namespace = meta.namespace ?? ctx.options.namespace;
  if (!namespace && (scope === 'strict' || scope === 'namespace-wide')) {
    throw new CliError(
      `${file} has no metadata.namespace, which its ${scope} scope needs; pass -n NAMESPACE`,
    );
  }
  const tenant = scope === 'tenant-wide' ? ctx.tenantFor({ metadata: meta }) : undefined;
  return { name, namespace: namespace ?? '', scope, tenant };
}

function parseJsonTarget(text: string, file: string): KubeObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file}: invalid JSON: ${messageOf(err)}`, { cause: err });
  }
  if (!isRecord(value)) throw new CliError(`${file} does not hold a JSON object`);
  return value;
}

async function parseYamlTarget(text: string, file: string): Promise<KubeObject> {
  const { parseAllDocuments } = await loadYaml();
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs.filter((d) => d.contents !== null) : [];
  const doc = list[0];
  if (list.length !== 1 || doc === undefined) {
    throw new CliError(
      `${file} must hold exactly one SealedSecret, found ${list.length} documents`,
    );
  }
  const error = doc.errors[0];
  if (error) throw new CliError(`${file}: invalid YAML: ${error.message}`);
  const value: unknown = doc.toJS();
  if (!isRecord(value)) throw new CliError(`${file} does not hold an object`);
  return value;
}

function mergeJson(existing: KubeObject, edits: MergeEdits): string {
  const object = structuredClone(existing);
  const spec = isRecord(object['spec']) ? object['spec'] : (object['spec'] = {});
  spec['encryptedData'] = {
    ...(isRecord(spec['encryptedData']) ? spec['encryptedData'] : {}),
    ...edits.encryptedData,
  };
  const template = isRecord(spec['template']) ? spec['template'] : (spec['template'] = {});
  const meta = isRecord(template['metadata']) ? template['metadata'] : (template['metadata'] = {});
  for (const field of ['labels', 'annotations'] as const) {
    if (Object.keys(edits[field]).length === 0) continue;
    meta[field] = { ...(isRecord(meta[field]) ? meta[field] : {}), ...edits[field] };
  }
  return JSON.stringify(object, null, 2) + '\n';
}

async function mergeYaml(text: string, edits: MergeEdits): Promise<string> {
  const { parseDocument } = await loadYaml();
  // Edit the document tree, not a re-serialised object, so comments and key order survive.
  const doc = parseDocument(text);
  for (const [key, value] of Object.entries(edits.encryptedData))
    doc.setIn(['spec', 'encryptedData', key], value);
  for (const field of ['labels', 'annotations'] as const) {
    for (const [key, value] of Object.entries(edits[field])) {
      doc.setIn(['spec', 'template', 'metadata', field, key], value);
    }
  }
  return doc.toString({ lineWidth: 0, indentSeq: false });
}
