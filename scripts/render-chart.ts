/**
 * Renders the chart templates that have a TypeScript source of truth, so the chart and the
 * controller can never disagree:
 *
 * - `charts/tenantry/templates/aggregate-roles.yaml` from {@link aggregatedClusterRoles} (also
 *   applied by `npm run demo`, which runs without Helm);
 * - `charts/tenantry/templates/admission.yaml` from the admission module's pure manifest
 *   functions (`controller/admission/manifests.ts`), with Helm placeholders for the release
 *   namespace, the Service and the webhook settings.
 *
 * `tsx scripts/render-chart.ts` writes them; `--check` writes nothing and exits 1 if the
 * committed files differ from what the sources produce.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Document, isScalar, parse, visit } from 'yaml';
import { admissionPolicies, webhookConfigurations } from '../controller/admission/manifests.js';
import { LABEL_MANAGED_BY } from '../crds/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A Kubernetes object as plain data. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Read-only access to SealedSecrets, for `view` and everything that aggregates it. */
const SEALED_SECRETS_READ = ['get', 'list', 'watch'];
/** Full access, for `edit` and `admin`. */
const SEALED_SECRETS_WRITE = [
  ...SEALED_SECRETS_READ,
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
];

/**
 * ClusterRoles aggregated into the built-in `admin`, `edit` and `view` roles, so that whoever
 * may edit a namespace (tenant owners through their `admin` RoleBindings) may manage its
 * SealedSecrets, and viewers may read them. No escalation: `edit` can already write Secrets
 * directly, and a SealedSecret holds only ciphertext.
 *
 * @param prefix name prefix, the chart's full name. @default 'tenantry'
 */
export function aggregatedClusterRoles(prefix = 'tenantry'): Manifest[] {
  const role = (name: string, labels: Record<string, string>, verbs: string[]): Manifest => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: `${prefix}-${name}`, labels },
    rules: [{ apiGroups: ['bitnami.com'], resources: ['sealedsecrets'], verbs }],
  });
  const aggregate = 'rbac.authorization.k8s.io/aggregate-to-';
  return [
    role(
      'sealedsecrets-edit',
      { [`${aggregate}admin`]: 'true', [`${aggregate}edit`]: 'true' },
      SEALED_SECRETS_WRITE,
    ),
    role('sealedsecrets-view', { [`${aggregate}view`]: 'true' }, SEALED_SECRETS_READ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Helm placeholders
// ---------------------------------------------------------------------------------------------

/**
 * Tokens put into the objects before stringifying, replaced by template text after. Strings are
 * single-quoted (CEL expressions hold double quotes), so every replacement is either a whole
 * value (quotes dropped: numbers stay numbers) or text without a single quote.
 */
const PLACEHOLDERS: Record<string, string> = {
  __FULLNAME__: '{{ include "tenantry.fullname" . }}',
  __NAMESPACE__: '{{ .Release.Namespace }}',
  __SERVICE__: '{{ include "tenantry.serviceName" . }}',
  __CONTROLLER_USER__: '{{ include "tenantry.controllerUser" . }}',
  __WEBHOOK_PORT__: '{{ .Values.service.webhookPort }}',
  __WEBHOOK_TIMEOUT__: '{{ .Values.webhook.timeoutSeconds }}',
};

/**
 * List placeholders inside CEL list literals: `,"__ADMIN_USERS__"` becomes the values' entries
 * as `,"a","b"` (nothing when the list is empty); see `tenantry.celTail` in _helpers.tpl.
 */
const LIST_PLACEHOLDERS: Record<string, string> = {
  __ADMIN_USERS__: '{{ include "tenantry.celTail" .Values.webhook.adminUsers }}',
  __ADMIN_GROUPS__:
    '{{ include "tenantry.celTail" (without .Values.webhook.adminGroups "system:masters") }}',
};

/** The key whose value becomes the chart's common labels. */
const LABELS_TOKEN = '__HELM_LABELS__';
/** The key after which cert-manager's annotation is inserted when enabled. */
const ANNOTATIONS_TOKEN = '__HELM_ANNOTATIONS__';

/** Replaces the manifest's labels by the chart's (Helm manages these objects, not tenantry). */
function withChartLabels(m: Manifest, annotations: boolean): Manifest {
  const labels = Object.fromEntries(
    Object.entries(m.metadata.labels ?? {}).filter(([k]) => k !== LABEL_MANAGED_BY),
  );
  return {
    ...m,
    metadata: {
      ...m.metadata,
      labels: { [LABELS_TOKEN]: '', ...labels },
      ...(annotations ? { [ANNOTATIONS_TOKEN]: '' } : {}),
    },
  };
}

function replaceTokens(text: string): string {
  let out = text;
  for (const [token, value] of Object.entries(LIST_PLACEHOLDERS)) {
    out = out.replaceAll(`,"${token}"`, value);
  }
  for (const [token, value] of Object.entries(PLACEHOLDERS)) {
    out = out.replaceAll(`'${token}'`, value).replaceAll(token, value);
  }
  const left = /__[A-Z_]+__/.exec(out);
  if (left !== null) throw new Error(`unreplaced placeholder ${left[0]}`);
  return out;
}

/** YAML for one object with the Helm placeholders substituted. */
export function toTemplate(m: Manifest, opts: { certManagerAnnotation?: boolean } = {}): string {
  const annotate = opts.certManagerAnnotation === true && m.kind.endsWith('WebhookConfiguration');
  const doc = new Document(withChartLabels(m, annotate));
  // Strings holding a placeholder are single-quoted, whatever their content, so that the text
  // Helm puts in (double quotes included) never needs escaping; see tenantry.celTail.
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key') return;
      if (isScalar(node) && typeof node.value === 'string' && /__[A-Z_]+__/.test(node.value))
        node.type = 'QUOTE_SINGLE';
    },
  });
  let text = doc.toString({ lineWidth: 0 });
  text = text.replace(
    /^(\s*)__HELM_LABELS__: (?:''|"")\n/m,
    (_all, indent: string) =>
      `${indent}{{- include "tenantry.labels" . | nindent ${indent.length} }}\n`,
  );
  text = text.replace(
    /^(\s*)__HELM_ANNOTATIONS__: (?:''|"")\n/m,
    (_all, indent: string) =>
      `${indent}{{- if .Values.webhook.certManager.enabled }}\n` +
      `${indent}annotations:\n` +
      `${indent}  cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/{{ include "tenantry.fullname" . }}-webhook\n` +
      `${indent}{{- end }}\n`,
  );
  return replaceTokens(text);
}

/** A generated template: header, optional condition, the objects. */
export function renderTemplate(opts: {
  source: string;
  objects: readonly Manifest[];
  condition?: string;
  certManagerAnnotation?: boolean;
}): string {
  const body = opts.objects
    .map((o) => toTemplate(o, { certManagerAnnotation: opts.certManagerAnnotation === true }))
    .join('---\n');
  const header = `# Generated by scripts/render-chart.ts from ${opts.source}.\n# Do not edit: run \`tsx scripts/render-chart.ts\`.\n`;
  return opts.condition !== undefined
    ? `{{- if ${opts.condition} }}\n${header}${body}{{- end }}\n`
    : `${header}${body}`;
}

/** Who admission exempts in the chart: the controller's ServiceAccount and the admin values. */
const CHART_PRIVILEGED = {
  controllerUsers: ['__CONTROLLER_USER__'],
  adminUsers: ['__ADMIN_USERS__'],
  adminGroups: ['system:masters', '__ADMIN_GROUPS__'],
};

/** The webhook configurations as the chart installs them: behind the Service, no caBundle. */
export function chartWebhookConfigurations(): Manifest[] {
  return webhookConfigurations({
    ...CHART_PRIVILEGED,
    clientConfig: {
      service: {
        name: '__SERVICE__',
        namespace: '__NAMESPACE__',
        port: '__WEBHOOK_PORT__' as unknown as number,
      },
    },
    namespace: '__NAMESPACE__',
    timeoutSeconds: '__WEBHOOK_TIMEOUT__' as unknown as number,
  }) as unknown as Manifest[];
}

/** The ValidatingAdmissionPolicies and bindings as the chart installs them. */
export function chartAdmissionPolicies(): Manifest[] {
  return admissionPolicies({
    ...CHART_PRIVILEGED,
    namespace: '__NAMESPACE__',
  }) as unknown as Manifest[];
}

// ---------------------------------------------------------------------------------------------
// The values table of the chart README
// ---------------------------------------------------------------------------------------------

/** One documented value: its dotted path, its default and its `# --` comment. */
export interface ValueDoc {
  readonly path: string;
  readonly defaultValue: string;
  readonly description: string;
}

function valueAt(values: unknown, path: string[]): unknown {
  let v = values;
  for (const p of path) v = (v as Record<string, unknown> | undefined)?.[p];
  return v;
}

/**
 * The values documented in values.yaml: every key preceded by a `# --` comment (helm-docs
 * style; the comment continues on the following `#` lines), with its default.
 */
export function documentedValues(valuesYaml: string): ValueDoc[] {
  const values: unknown = parse(valuesYaml);
  const docs: ValueDoc[] = [];
  const stack: { indent: number; key: string }[] = [];
  let comment: string[] | undefined;
  for (const line of valuesYaml.split('\n')) {
    const c = /^\s*# ?(-- )?(.*)$/.exec(line);
    if (c !== null) {
      comment = c[1] !== undefined ? [c[2] ?? ''] : comment?.concat(c[2] ?? '');
      continue;
    }
    const k = /^(\s*)([A-Za-z0-9_]+):/.exec(line);
    if (k === null) {
      if (line.trim() === '') comment = undefined;
      continue;
    }
    const path = keyPath(stack, k[1]?.length ?? 0, k[2] ?? '');
    if (comment !== undefined) {
      docs.push({
        path: path.join('.'),
        defaultValue: JSON.stringify(valueAt(values, path)),
        description: comment.join(' ').trim(),
      });
    }
    comment = undefined;
  }
  return docs;
}

/** Updates the stack of enclosing keys for a key at `indent`; returns the key's full path. */
function keyPath(stack: { indent: number; key: string }[], indent: number, key: string): string[] {
  while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= indent) stack.pop();
  stack.push({ indent, key });
  return stack.map((e) => e.key);
}

const VALUES_START = '<!-- values:start (generated by scripts/render-chart.ts) -->';
const VALUES_END = '<!-- values:end -->';

/** The chart README with its values table regenerated from values.yaml. */
export function readmeWithValues(readme: string, valuesYaml: string): string {
  const rows = documentedValues(valuesYaml).map(
    (d) =>
      `| \`${d.path}\` | \`${d.defaultValue.replaceAll('|', '\\|')}\` | ${d.description.replaceAll('|', '\\|')} |`,
  );
  const table = ['| value | default | description |', '|---|---|---|', ...rows].join('\n');
  const start = readme.indexOf(VALUES_START);
  const end = readme.indexOf(VALUES_END);
  if (start < 0 || end < start)
    throw new Error(`charts/tenantry/README.md: no ${VALUES_START} … ${VALUES_END}`);
  return `${readme.slice(0, start + VALUES_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

/** Every generated file (templates, the README's values table), keyed by repository path. */
export function generatedTemplates(): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    'charts/tenantry/templates/aggregate-roles.yaml',
    renderTemplate({
      source: 'aggregatedClusterRoles()',
      objects: aggregatedClusterRoles('__FULLNAME__'),
      condition: '.Values.rbac.create',
    }),
  );
  files.set(
    'charts/tenantry/templates/admission.yaml',
    renderTemplate({
      source: 'controller/admission/manifests.ts (webhookConfigurations, admissionPolicies)',
      objects: [...chartWebhookConfigurations(), ...chartAdmissionPolicies()],
      condition: '.Values.webhook.enabled',
      certManagerAnnotation: true,
    }),
  );
  const chart = join(root, 'charts', 'tenantry');
  files.set(
    'charts/tenantry/README.md',
    readmeWithValues(
      readFileSync(join(chart, 'README.md'), 'utf8'),
      readFileSync(join(chart, 'values.yaml'), 'utf8'),
    ),
  );
  return files;
}

function main(): number {
  const check = process.argv.includes('--check');
  let drift = 0;
  for (const [path, content] of generatedTemplates()) {
    const file = join(root, path);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === content) continue;
    drift++;
    if (check) console.error(`${path}: out of date`);
    else {
      writeFileSync(file, content);
      console.log(`${path}: written`);
    }
  }
  if (check && drift > 0) console.error('Run `tsx scripts/render-chart.ts` and commit the result');
  return check && drift > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main();
}
