// `kubectl tenant describe NAME`: the tenant's settings, a tree of its namespaces with what each
// inherits (the children the controller propagated, found by their tenantry.io labels), and the
// conditions.
import type { Tenant } from '../../../crds/index.js';
import { LABEL_PROPAGATED_FROM, LABEL_TENANT } from '../../../crds/constants.js';
import { CHILD_KINDS, isStatus, type AnyObject, type ChildKind, type KubeApi } from '../api.js';
import { rethrowExplained, type TenantContext } from '../context.js';
import { humanAge, readyOf, renderTable, subjectText } from '../format.js';
import { isRecord } from '../../shared/objects.js';
import { mapLimit, tenantNamespaces, type NamespaceEntry } from './ns.js';

/** A propagated child, as describe lists it. */
export interface Child {
  readonly kind: string;
  readonly name: string;
  readonly detail: string;
}

/** Everything describe shows. */
export interface DescribeModel {
  readonly tenant: Tenant;
  readonly namespaces: readonly NamespaceEntry[];
  /** Children by namespace. */
  readonly children: ReadonlyMap<string, readonly Child[]>;
  /** Kinds the caller may not list, per namespace (`*` for all). */
  readonly hidden: ReadonlyMap<string, readonly string[]>;
}

/** One line saying what a child is about. */
export function childDetail(kind: string, obj: AnyObject): string {
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  switch (kind) {
    case 'ResourceQuota':
      return isRecord(spec['hard'])
        ? Object.entries(spec['hard'])
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(', ')
        : '';
    case 'LimitRange':
      return Array.isArray(spec['limits'])
        ? (spec['limits'] as unknown[])
            .map((l) => (isRecord(l) ? String(l['type']) : '?'))
            .join(', ')
        : '';
    case 'NetworkPolicy':
      return Array.isArray(spec['policyTypes'])
        ? (spec['policyTypes'] as unknown[]).join(', ')
        : '';
    case 'RoleBinding': {
      const role = isRecord(obj['roleRef'])
        ? `${String(obj['roleRef']['kind'])} ${String(obj['roleRef']['name'])}`
        : '?';
      const subjects = Array.isArray(obj['subjects']) ? (obj['subjects'] as unknown[]) : [];
      const who = subjects.filter(isRecord).map((s) =>
        subjectText({
          kind: s['kind'] as 'User' | 'Group' | 'ServiceAccount',
          name: String(s['name']),
          namespace: typeof s['namespace'] === 'string' ? s['namespace'] : undefined,
        }),
      );
      return `${role} → ${who.join(', ')}`;
    }
    default:
      return '';
  }
}

async function gatherChildren(
  api: KubeApi,
  tenant: string,
  namespaces: readonly string[],
): Promise<{ children: Map<string, Child[]>; hidden: Map<string, string[]> }> {
  const selector = `${LABEL_TENANT}=${tenant},${LABEL_PROPAGATED_FROM}`;
  const children = new Map<string, Child[]>(namespaces.map((n) => [n, []]));
  const hidden = new Map<string, string[]>();
  const add = (kind: ChildKind, items: readonly AnyObject[]): void => {
    for (const obj of items) {
      const list = children.get(obj.metadata.namespace ?? '');
      list?.push({ kind: kind.kind, name: obj.metadata.name, detail: childDetail(kind.kind, obj) });
    }
  };
  for (const kind of CHILD_KINDS) {
    try {
      // Admins: one cluster-wide list per kind.
      add(kind, (await api.listChildren(kind, selector)).items);
    } catch (err) {
      if (!isStatus(err, 403)) throw err;
      // Owners: one list per namespace (they hold admin there).
      await mapLimit(namespaces, 8, async (ns) => {
        try {
          add(kind, (await api.listChildren(kind, selector, ns)).items);
        } catch (inner) {
          if (!isStatus(inner, 403)) throw inner;
          hidden.set(ns, [...(hidden.get(ns) ?? []), kind.kind]);
        }
      });
    }
  }
  for (const list of children.values()) {
    list.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }
  return { children, hidden };
}

/** `kubectl tenant describe NAME`. */
export async function describeCommand(ctx: TenantContext): Promise<void> {
  const tenant = await ctx.tenant(ctx.arg('name'));
  const api = await ctx.api();
  try {
    const namespaces = await tenantNamespaces(api, tenant);
    const visible = namespaces.filter((n) => n.namespace !== undefined).map((n) => n.name);
    const { children, hidden } = await gatherChildren(api, tenant.metadata.name ?? '', visible);
    await ctx.out(renderDescribe({ tenant, namespaces, children, hidden }, ctx.now));
  } catch (err) {
    rethrowExplained(ctx, err);
  }
}

function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(16)}${value}\n`;
}

function readyText(t: Tenant): string {
  const ready = t.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready === undefined) return readyOf(t);
  return `${ready.status}${ready.reason ? ` (${ready.reason})` : ''}`;
}

function namespacesText(t: Tenant): string {
  const size = t.status?.size ?? t.status?.namespaces?.length ?? 0;
  const quota = t.spec.namespaceOptions?.quota;
  return quota === undefined ? `${size} (no limit)` : `${size} of ${quota}`;
}

function quotaLines(t: Tenant): string {
  return (t.spec.resourceQuotas ?? [])
    .map((q, i) => {
      const hard = Object.entries(q.hard)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ');
      return field(i === 0 ? 'Quotas' : '', `${q.name} (${q.scope ?? 'Namespace'}): ${hard}`);
    })
    .join('');
}

function deletionText(t: Tenant): string {
  const policy = t.spec.deletionPolicy ?? 'Retain';
  const fate = policy === 'Delete' ? 'deleted' : 'kept';
  const prevented = t.spec.preventDeletion === true ? ', deletion prevented' : '';
  return `${policy} (namespaces are ${fate} with the tenant)${prevented}`;
}

function settings(t: Tenant, now: Date): string {
  const owners = t.spec.owners.map(
    (o) => `${subjectText(o)} [${(o.clusterRoles ?? ['admin']).join(',')}]`,
  );
  const prefix = t.spec.namespaceOptions?.forceTenantPrefix === true;
  return [
    field('Name', t.metadata.name ?? ''),
    field('State', t.status?.state ?? '-'),
    field('Ready', readyText(t)),
    field('Owners', owners.join(', ')),
    field('Namespaces', namespacesText(t)),
    prefix ? field('Prefix', `${t.metadata.name ?? ''}-* required`) : '',
    quotaLines(t),
    field('Cordoned', t.spec.cordoned === true ? 'yes: owners cannot change anything' : 'no'),
    field('Deletion', deletionText(t)),
    field('Age', humanAge(t.metadata.creationTimestamp, now)),
  ].join('');
}

function namespaceLabel(e: NamespaceEntry): string {
  if (e.problem === 'missing') return `${e.name}  (missing: listed in the status but not found)`;
  if (e.problem === 'forbidden') return `${e.name}  (cannot be read with your permissions)`;
  const phase = e.namespace?.status?.phase ?? '';
  if (e.ownership === 'label-only') {
    return `${e.name}  ${phase}  (labelled, but no ownerReference to the tenant: not a member)`;
  }
  return `${e.name}  ${phase}`.trimEnd();
}

/** The text of describe (pure, for tests). */
export function renderDescribe(model: DescribeModel, now: Date): string {
  const t = model.tenant;
  let out = settings(t, now);
  out += `\nNamespaces and what they inherit:\n${t.metadata.name ?? ''}\n`;
  if (model.namespaces.length === 0) out += '└── (no namespaces)\n';
  model.namespaces.forEach((e, i) => {
    const last = i === model.namespaces.length - 1;
    out += `${last ? '└── ' : '├── '}${namespaceLabel(e)}\n`;
    const indent = last ? '    ' : '│   ';
    const kids = model.children.get(e.name) ?? [];
    const hidden = model.hidden.get(e.name) ?? [];
    const lines = kids.map((c) => `${c.kind} ${c.name}${c.detail ? `  ${c.detail}` : ''}`);
    if (hidden.length > 0) lines.push(`(cannot list ${hidden.join(', ')})`);
    if (lines.length === 0 && e.namespace !== undefined) lines.push('(nothing propagated yet)');
    lines.forEach((line, j) => {
      out += `${indent}${j === lines.length - 1 ? '└── ' : '├── '}${line}\n`;
    });
  });
  out += '\nConditions:\n';
  const conditions = t.status?.conditions ?? [];
  if (conditions.length === 0) return `${out}  (none yet: the controller has not reported)\n`;
  const table = renderTable(
    ['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'],
    conditions.map((c) => [
      c.type,
      c.status,
      c.reason,
      humanAge(c.lastTransitionTime, now),
      c.message ?? '',
    ]),
  );
  return out + table.replace(/^/gm, '  ').replace(/ +$/, '');
}
