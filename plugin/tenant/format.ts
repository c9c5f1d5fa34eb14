// Pure presentation: kubectl-style tables, ages, subjects, YAML/JSON documents.
import type { Tenant, TenantOwner } from '../../crds/index.js';
import { GROUP } from '../../crds/constants.js';
import { loadYaml } from '../shared/yaml.js';

/**
 * kubectl's `HumanDuration` (k8s.io/apimachinery/pkg/util/duration): `45s`, `5m30s`, `95m`,
 * `7h30m`, `3d4h`, `300d`, `2y10d`. `<unknown>` without a timestamp.
 */
export function humanAge(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.floor((now.getTime() - Date.parse(timestamp)) / 1000);
  if (Number.isNaN(seconds)) return '<unknown>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  return humanHours(hours);
}

function humanHours(hours: number): string {
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** A kubectl-style table: upper-case headers, columns padded to the widest cell plus 3 spaces. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** An owner or subject as the command line writes it: `user:alice`, `group:devs`, `sa:ns/name`. */
export function subjectText(owner: Pick<TenantOwner, 'kind' | 'name' | 'namespace'>): string {
  switch (owner.kind) {
    case 'User':
      return `user:${owner.name}`;
    case 'Group':
      return `group:${owner.name}`;
    default:
      return `sa:${owner.namespace ?? '?'}/${owner.name}`;
  }
}

/** The owners column: up to three subjects, then `+N`. */
export function ownersColumn(owners: readonly TenantOwner[] | undefined): string {
  const all = (owners ?? []).map(subjectText);
  if (all.length === 0) return '<none>';
  return all.length <= 3 ? all.join(',') : `${all.slice(0, 3).join(',')},+${all.length - 3}`;
}

/** The Ready condition's status, or `-` before the controller has reported. */
export function readyOf(tenant: Tenant): string {
  return tenant.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-';
}

/** Headers of the tenant table. */
export const TENANT_HEADERS = ['NAME', 'STATE', 'NAMESPACES/QUOTA', 'OWNERS', 'READY', 'AGE'];

/** One row of the tenant table. */
export function tenantRow(tenant: Tenant, now: Date): string[] {
  const size = tenant.status?.size ?? tenant.status?.namespaces?.length ?? 0;
  const quota = tenant.spec.namespaceOptions?.quota;
  return [
    tenant.metadata.name ?? '',
    tenant.status?.state ?? (tenant.metadata.deletionTimestamp ? 'Terminating' : '-'),
    `${size}/${quota ?? '-'}`,
    ownersColumn(tenant.spec.owners),
    readyOf(tenant),
    humanAge(tenant.metadata.creationTimestamp, now),
  ];
}

/** `tenant.tenantry.io/acme`, as `kubectl get -o name` prints it. */
export function tenantRef(name: string): string {
  return `tenant.${GROUP}/${name}`;
}

/** `tenant.tenantry.io "acme"`, as kubectl names an object it deleted. */
export function tenantQuoted(name: string): string {
  return `tenant.${GROUP} "${name}"`;
}

/**
 * Serialises objects as kubectl does: JSON pretty-printed with two spaces, YAML with sorted keys
 * (Go's sigs.k8s.io/yaml sorts them), no line folding, sequences not indented. Several YAML
 * objects become a multi-document stream (`---` between them).
 */
export async function toYaml(objects: readonly unknown[]): Promise<string> {
  const { stringify } = await loadYaml();
  return objects
    .map((o) => stringify(o, { sortMapEntries: true, lineWidth: 0, indentSeq: false }))
    .join('---\n');
}

/** One object as JSON, or several as a `v1 List` (as kubectl prints lists). */
export function toJson(objects: readonly unknown[], asList: boolean): string {
  const value = asList
    ? { apiVersion: 'v1', kind: 'List', items: objects, metadata: {} }
    : objects[0];
  return JSON.stringify(value, null, 2) + '\n';
}
