// Builds a Tenant from `kubectl tenant create` flags. Pure: no I/O, so the same object is printed
// by --dry-run=client, sent by create, and checked by unit tests against the CRD schema.
import type {
  DeletionPolicy,
  QuotaScope,
  SubjectKind,
  Tenant,
  TenantOwner,
  TenantResourceQuota,
  TenantSpec,
} from '../../crds/index.js';
import { TENANT_API_VERSION, TENANT_KIND } from '../../crds/constants.js';
import { CliError } from '../shared/errors.js';

/** Lowercase RFC 1123 label (crds/schema-helpers.ts `DNS1123_LABEL_PATTERN`; a test checks). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes quantity (crds/schema-helpers.ts `QUANTITY_PATTERN`; a test checks). */
export const QUANTITY =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** Checks a tenant name. @throws {@link CliError} */
export function checkTenantName(name: string): void {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    throw new CliError(
      `invalid tenant name ${JSON.stringify(name)}: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
}

/** An RBAC subject as the command line names it. */
export interface SubjectRef {
  readonly kind: SubjectKind;
  readonly name: string;
  readonly namespace?: string;
}

const KIND_WORDS: Readonly<Record<string, SubjectKind>> = {
  user: 'User',
  group: 'Group',
  sa: 'ServiceAccount',
  serviceaccount: 'ServiceAccount',
};

/**
 * Parses `user:alice`, `group:devs`, `sa:NAMESPACE/NAME` (also `sa:NAMESPACE:NAME`,
 * `serviceaccount:…`, and the authenticated form `system:serviceaccount:NAMESPACE:NAME`).
 *
 * @throws {@link CliError} naming the accepted forms
 */
export function parseSubject(text: string): SubjectRef {
  const usage = `invalid subject ${JSON.stringify(text)}: use user:NAME, group:NAME or sa:NAMESPACE/NAME`;
  const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(text);
  if (sa) return { kind: 'ServiceAccount', namespace: sa[1] ?? '', name: sa[2] ?? '' };
  const colon = text.indexOf(':');
  if (colon <= 0) throw new CliError(usage);
  const kind = KIND_WORDS[text.slice(0, colon).toLowerCase()];
  const rest = text.slice(colon + 1);
  if (kind === undefined || rest === '') throw new CliError(usage);
  if (kind !== 'ServiceAccount') return { kind, name: rest };
  const parts = /^([^/:]+)[/:]([^/:]+)$/.exec(rest);
  if (!parts) {
    throw new CliError(`invalid service account ${JSON.stringify(text)}: use sa:NAMESPACE/NAME`);
  }
  const [, namespace = '', name = ''] = parts;
  if (!DNS_LABEL.test(namespace)) {
    throw new CliError(`invalid namespace ${JSON.stringify(namespace)} in ${JSON.stringify(text)}`);
  }
  return { kind, namespace, name };
}

/** True when two subjects name the same owner (kind, namespace and name). */
export function sameSubject(a: SubjectRef, b: SubjectRef): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

/** The default ClusterRoles of an owner (the CRD's default). */
export const DEFAULT_CLUSTER_ROLES: readonly string[] = ['admin'];

/** An owner from `KIND:NAME[=ROLE,ROLE]`. */
export function parseOwner(text: string): TenantOwner {
  const eq = text.lastIndexOf('=');
  const subject = parseSubject(eq < 0 ? text : text.slice(0, eq));
  const roles = eq < 0 ? [...DEFAULT_CLUSTER_ROLES] : parseRoles(text.slice(eq + 1), text);
  return ownerOf(subject, roles);
}

/** The Tenant owner entry for a subject with these ClusterRoles. */
export function ownerOf(subject: SubjectRef, clusterRoles: readonly string[]): TenantOwner {
  return {
    kind: subject.kind,
    name: subject.name,
    ...(subject.namespace === undefined ? {} : { namespace: subject.namespace }),
    clusterRoles: [...clusterRoles],
  };
}

/** Parses `admin,view` into a non-empty list without repeats. */
export function parseRoles(text: string, where: string): string[] {
  const roles = text.split(',').map((r) => r.trim());
  if (roles.some((r) => r === '')) {
    throw new CliError(`empty ClusterRole name in ${JSON.stringify(where)}`);
  }
  return [...new Set(roles)];
}

/** Parses repeated `RESOURCE=QUANTITY` flags into a `hard` map. */
export function parseHard(
  pairs: readonly string[],
  flag: string,
  separator = '=',
): Record<string, string> {
  const hard: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf(separator);
    const resource = at < 0 ? '' : pair.slice(0, at).trim();
    const quantity = at < 0 ? '' : pair.slice(at + 1).trim();
    if (resource === '' || quantity === '') {
      throw new CliError(
        `invalid ${flag} ${JSON.stringify(pair)}: use RESOURCE${separator}QUANTITY, e.g. requests.cpu${separator}4`,
      );
    }
    if (!QUANTITY.test(quantity)) {
      throw new CliError(
        `invalid quantity ${JSON.stringify(quantity)} for ${resource} in ${flag}: use a Kubernetes quantity such as 10, 500m, 4Gi`,
      );
    }
    if (resource in hard) throw new CliError(`${flag} sets ${resource} twice`);
    hard[resource] = quantity;
  }
  return hard;
}

/**
 * Parses `--resource-quota name=NAME,hard=RES:QTY,RES:QTY[,scope=Tenant|Namespace]`: commas
 * separate both fields and `hard` entries; a part without `=` continues the `hard` list.
 */
export function parseResourceQuota(text: string, defaultScope: QuotaScope): TenantResourceQuota {
  let name: string | undefined;
  let scope: QuotaScope = defaultScope;
  const hard: string[] = [];
  let inHard = false;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    const value = eq < 0 ? part : part.slice(eq + 1);
    if (key === 'name') name = value.trim();
    else if (key === 'scope') scope = parseScope(value.trim());
    else if (key === 'hard') {
      inHard = true;
      if (value.trim() !== '') hard.push(value);
    } else if (eq < 0 && inHard) hard.push(part);
    else {
      throw new CliError(
        `invalid --resource-quota ${JSON.stringify(text)}: use name=NAME,hard=RESOURCE:QUANTITY,…[,scope=Tenant|Namespace]`,
      );
    }
  }
  if (name === undefined || !DNS_LABEL.test(name)) {
    throw new CliError(`--resource-quota ${JSON.stringify(text)} needs name=NAME (a DNS label)`);
  }
  if (hard.length === 0) {
    throw new CliError(`--resource-quota ${JSON.stringify(text)} needs hard=RESOURCE:QUANTITY`);
  }
  return { name, scope, hard: parseHard(hard, '--resource-quota', ':') };
}

/** `Namespace` or `Tenant` (case-insensitive). */
export function parseScope(text: string): QuotaScope {
  const lower = text.toLowerCase();
  if (lower === 'namespace') return 'Namespace';
  if (lower === 'tenant') return 'Tenant';
  throw new CliError(`invalid quota scope ${JSON.stringify(text)}: use Tenant or Namespace`);
}

/** Everything `kubectl tenant create` can set. */
export interface CreateOptions {
  readonly owners: readonly string[];
  readonly namespaceQuota?: string;
  readonly forcePrefix?: boolean;
  readonly quota: readonly string[];
  readonly tenantQuota: readonly string[];
  readonly resourceQuotas: readonly string[];
  readonly scope?: string;
  readonly registries: readonly string[];
  readonly storageClasses: readonly string[];
  readonly ingressClasses: readonly string[];
  readonly ingressHostnames: readonly string[];
  readonly cordoned?: boolean;
  readonly preventDeletion?: boolean;
  readonly deletionPolicy?: string;
}

/** Names of the ResourceQuota items made from `--quota` and `--tenant-quota`. */
export const QUOTA_ITEM = { namespace: 'namespace', tenant: 'tenant' } as const;

/**
 * The Tenant `create` sends (and `--dry-run=client` prints). Fields the CRD defaults are written
 * out with their default values, so that what goes to Git is exactly what the API server stores
 * and `kubectl tenant get -o yaml` shows the same spec.
 *
 * @throws {@link CliError} on invalid flags
 */
export function buildTenant(name: string, o: CreateOptions): Tenant {
  checkTenantName(name);
  if (o.owners.length === 0) {
    throw new CliError(
      'a tenant needs at least one owner: add --owner user:NAME (or group:NAME, sa:NAMESPACE/NAME)',
    );
  }
  const owners = o.owners.map(parseOwner);
  owners.forEach((owner, i) => {
    if (owners.findIndex((other) => sameSubject(owner, other)) !== i) {
      throw new CliError(`--owner ${o.owners[i] ?? ''} is given twice`);
    }
  });
  const spec: TenantSpec = { owners };
  const namespaceOptions = buildNamespaceOptions(o);
  if (namespaceOptions !== undefined) spec.namespaceOptions = namespaceOptions;
  const quotas = buildQuotas(o);
  if (quotas.length > 0) spec.resourceQuotas = quotas;
  if (o.ingressClasses.length > 0 || o.ingressHostnames.length > 0) {
    spec.ingressOptions = {
      ...(o.ingressClasses.length > 0 ? { allowedClasses: unique(o.ingressClasses) } : {}),
      ...(o.ingressHostnames.length > 0 ? { allowedHostnames: unique(o.ingressHostnames) } : {}),
    };
  }
  if (o.storageClasses.length > 0) spec.storageClasses = { allowed: unique(o.storageClasses) };
  if (o.registries.length > 0) spec.containerRegistries = { allowed: unique(o.registries) };
  spec.cordoned = o.cordoned ?? false;
  spec.preventDeletion = o.preventDeletion ?? false;
  spec.deletionPolicy = parseDeletionPolicy(o.deletionPolicy ?? 'Retain');
  return { apiVersion: TENANT_API_VERSION, kind: TENANT_KIND, metadata: { name }, spec };
}

function buildNamespaceOptions(o: CreateOptions): TenantSpec['namespaceOptions'] {
  if (o.namespaceQuota === undefined && o.forcePrefix === undefined) return undefined;
  const options: NonNullable<TenantSpec['namespaceOptions']> = {
    forceTenantPrefix: o.forcePrefix ?? false,
  };
  if (o.namespaceQuota !== undefined) {
    if (!/^\d+$/.test(o.namespaceQuota) || Number(o.namespaceQuota) > 2147483647) {
      throw new CliError(
        `invalid --namespace-quota ${JSON.stringify(o.namespaceQuota)}: use a whole number (0 forbids new namespaces)`,
      );
    }
    options.quota = Number(o.namespaceQuota);
  }
  return options;
}

function buildQuotas(o: CreateOptions): TenantResourceQuota[] {
  const defaultScope = o.scope === undefined ? 'Namespace' : parseScope(o.scope);
  const quotas: TenantResourceQuota[] = [];
  if (o.quota.length > 0) {
    quotas.push({
      name: QUOTA_ITEM.namespace,
      scope: 'Namespace',
      hard: parseHard(o.quota, '--quota'),
    });
  }
  if (o.tenantQuota.length > 0) {
    quotas.push({
      name: QUOTA_ITEM.tenant,
      scope: 'Tenant',
      hard: parseHard(o.tenantQuota, '--tenant-quota'),
    });
  }
  for (const text of o.resourceQuotas) quotas.push(parseResourceQuota(text, defaultScope));
  const seen = new Set<string>();
  for (const q of quotas) {
    if (seen.has(q.name)) {
      throw new CliError(
        `two resource quotas are named "${q.name}" (--quota makes "${QUOTA_ITEM.namespace}", --tenant-quota "${QUOTA_ITEM.tenant}")`,
      );
    }
    seen.add(q.name);
  }
  return quotas;
}

/** `Retain` or `Delete` (case-insensitive). */
export function parseDeletionPolicy(text: string): DeletionPolicy {
  const lower = text.toLowerCase();
  if (lower === 'retain') return 'Retain';
  if (lower === 'delete') return 'Delete';
  throw new CliError(`invalid --deletion-policy ${JSON.stringify(text)}: use Retain or Delete`);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
