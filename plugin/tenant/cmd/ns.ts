// `kubectl tenant ns …`: the namespaces of a tenant. create/list/delete work for owners, who may
// get their Tenant and get/delete its namespaces but may not list anything cluster-wide; adopt and
// move are admin operations that rewrite the label and the ownerReference in place.
import type { Tenant } from '../../../crds/index.js';
import { LABEL_CORDONED, LABEL_TENANT } from '../../../crds/constants.js';
import { CliError } from '../../shared/errors.js';
import { ApiError, isStatus, type KubeApi, type Namespace } from '../api.js';
import { rethrowExplained, type TenantContext } from '../context.js';
import { humanAge, renderTable, toJson, toYaml } from '../format.js';
import {
  ownershipOf,
  tenantOwnerReference,
  tenantReferences,
  type Ownership,
} from '../membership.js';
import { resolveTenant } from '../resolve.js';
import { DNS_LABEL } from '../spec.js';
import { waitTimeout } from './delete.js';

/** Namespaces that are never handed to a tenant. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** One row of `ns list`. */
export interface NamespaceEntry {
  readonly name: string;
  /** The namespace, when it could be read. */
  readonly namespace?: Namespace;
  readonly ownership?: Ownership;
  /** Why it could not be read. */
  readonly problem?: 'missing' | 'forbidden';
}

/**
 * The namespaces of a tenant as the caller can see them: a label-selected list when the caller
 * may list namespaces (admins; it also shows namespaces not yet in the status), plus a `get` of
 * every name in `status.namespaces` (which is all an owner can do).
 */
export async function tenantNamespaces(api: KubeApi, tenant: Tenant): Promise<NamespaceEntry[]> {
  const name = tenant.metadata.name ?? '';
  const uid = tenant.metadata.uid;
  const entries = new Map<string, NamespaceEntry>();
  try {
    for (const ns of (await api.listNamespaces(`${LABEL_TENANT}=${name}`)).items) {
      entries.set(ns.metadata.name, {
        name: ns.metadata.name,
        namespace: ns,
        ownership: ownershipOf(ns, name, uid),
      });
    }
  } catch (err) {
    if (!isStatus(err, 403)) throw err;
  }
  const rest = (tenant.status?.namespaces ?? []).filter((n) => !entries.has(n));
  const fetched = await mapLimit(rest, 8, async (n): Promise<NamespaceEntry> => {
    try {
      const ns = await api.getNamespace(n);
      return { name: n, namespace: ns, ownership: ownershipOf(ns, name, uid) };
    } catch (err) {
      if (isStatus(err, 404)) return { name: n, problem: 'missing' };
      if (isStatus(err, 403)) return { name: n, problem: 'forbidden' };
      throw err;
    }
  });
  for (const e of fetched) entries.set(e.name, e);
  return [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const OWNED_TEXT: Readonly<Record<Ownership, string>> = {
  owned: 'yes',
  'label-only': 'no (label only)',
  other: 'no',
};

/** The `ns list` table. */
export function namespaceTable(entries: readonly NamespaceEntry[], now: Date): string {
  return renderTable(
    ['NAME', 'STATUS', 'OWNED', 'AGE'],
    entries.map((e) => [
      e.name,
      e.problem === undefined ? (e.namespace?.status?.phase ?? '-') : `<${e.problem}>`,
      e.ownership === undefined ? '-' : OWNED_TEXT[e.ownership],
      humanAge(e.namespace?.metadata.creationTimestamp, now),
    ]),
  );
}

/** `kubectl tenant ns list`. */
export async function nsListCommand(ctx: TenantContext): Promise<void> {
  const format = ctx.output<'table' | 'yaml' | 'json' | 'name'>('table');
  const { tenant } = await resolveTenant(ctx);
  const api = await ctx.api();
  let entries: NamespaceEntry[];
  try {
    entries = await tenantNamespaces(api, tenant);
  } catch (err) {
    rethrowExplained(ctx, err);
  }
  const objects = entries.flatMap((e) => (e.namespace ? [e.namespace] : []));
  switch (format) {
    case 'table':
      if (entries.length === 0)
        return ctx.note(`Tenant ${tenant.metadata.name ?? ''} has no namespaces.`);
      return ctx.out(namespaceTable(entries, ctx.now));
    case 'name':
      return ctx.out(entries.map((e) => `namespace/${e.name}\n`).join(''));
    case 'json':
      return ctx.out(toJson(objects, true));
    case 'yaml':
      return ctx.out(
        await toYaml([{ apiVersion: 'v1', kind: 'List', items: objects, metadata: {} }]),
      );
  }
}

function checkNamespaceName(name: string): void {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    throw new CliError(
      `invalid namespace name ${JSON.stringify(name)}: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
}

/** Client-side checks that give better messages than admission (which stays the authority). */
function checkCanCreate(tenant: Tenant, name: string): void {
  const t = tenant.metadata.name ?? '';
  if (tenant.spec.cordoned === true) {
    throw new CliError(
      `tenant "${t}" is cordoned: no new namespaces until an admin runs kubectl tenant uncordon ${t}`,
    );
  }
  if (tenant.spec.namespaceOptions?.forceTenantPrefix === true && !name.startsWith(`${t}-`)) {
    throw new CliError(
      `tenant "${t}" requires namespace names starting with "${t}-": try ${t}-${name}`,
    );
  }
  const quota = tenant.spec.namespaceOptions?.quota;
  const size = tenant.status?.size ?? tenant.status?.namespaces?.length ?? 0;
  if (quota !== undefined && size >= quota) {
    throw new CliError(
      `tenant "${t}" already has ${size} of ${quota} namespaces (spec.namespaceOptions.quota)`,
    );
  }
}

/** `kubectl tenant ns create NAME`: a namespace labelled for the tenant; admission links it. */
export async function nsCreateCommand(ctx: TenantContext): Promise<void> {
  const name = ctx.arg('name');
  checkNamespaceName(name);
  const dryRun = ctx.dryRun();
  const { tenant } = await resolveTenant(ctx);
  const t = tenant.metadata.name ?? '';
  checkCanCreate(tenant, name);
  const ns: Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [LABEL_TENANT]: t } },
  };
  if (dryRun === 'client') return ctx.out(`namespace/${name} created (dry run)\n`);
  const api = await ctx.api();
  let created: Namespace;
  try {
    created = await api.createNamespace(ns, { dryRun: dryRun === 'server' });
  } catch (err) {
    rethrowExplained(
      ctx,
      err,
      'owners need the tenantry namespace-provisioner permission, which the controller grants',
    );
  }
  await ctx.out(
    `namespace/${name} created${dryRun === 'server' ? ' (server dry run)' : ''} in tenant ${t}\n`,
  );
  if (dryRun === 'none' && ownershipOf(created, t, tenant.metadata.uid) !== 'owned') {
    await ctx.note(
      `warning: namespace ${name} has no ownerReference to tenant ${t} yet, so it does not belong to the tenant: is tenantry's admission webhook running?`,
    );
  }
}

/** `kubectl tenant ns delete NAME`: only a namespace that really belongs to the tenant. */
export async function nsDeleteCommand(ctx: TenantContext): Promise<void> {
  const name = ctx.arg('name');
  const dryRun = ctx.dryRun();
  const api = await ctx.api();
  let ns: Namespace;
  try {
    ns = await api.getNamespace(name);
  } catch (err) {
    rethrowExplained(ctx, err);
  }
  const label = ns.metadata.labels?.[LABEL_TENANT];
  if (!label) {
    throw new CliError(
      `namespace "${name}" belongs to no tenant; kubectl tenant only deletes tenant namespaces`,
    );
  }
  const wanted = ctx.str('tenant');
  if (wanted !== undefined && wanted !== label) {
    throw new CliError(`namespace "${name}" belongs to tenant "${label}", not "${wanted}"`);
  }
  const tenant = await ctx.tenant(label);
  if (ownershipOf(ns, label, tenant.metadata.uid) !== 'owned') {
    throw new CliError(
      `namespace "${name}" is labelled for tenant "${label}" but has no matching ownerReference, so it is not the tenant's; refusing to delete it`,
    );
  }
  if (dryRun !== 'client') {
    try {
      await api.deleteNamespace(name, ns.metadata.uid, { dryRun: dryRun === 'server' });
    } catch (err) {
      rethrowExplained(ctx, err);
    }
  }
  await ctx.out(`namespace "${name}" deleted${ctx.dryRunSuffix()}\n`);
  if (dryRun === 'none' && ctx.bool('wait') !== false) await waitNamespaceGone(ctx, api, ns);
}

async function waitNamespaceGone(ctx: TenantContext, api: KubeApi, ns: Namespace): Promise<void> {
  const deadline = Date.now() + waitTimeout(ctx);
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      const now = await api.getNamespace(ns.metadata.name);
      if (now.metadata.uid !== ns.metadata.uid) return;
    } catch (err) {
      // Gone, or gone as far as we may see (RBAC in a deleted namespace disappears with it).
      if (isStatus(err, 404) || isStatus(err, 403)) return;
      rethrowExplained(ctx, err);
    }
    if (Date.now() >= deadline) {
      throw new CliError(
        `timed out waiting for namespace "${ns.metadata.name}" to be deleted (it is still Terminating)`,
      );
    }
    await ctx.sleep(delay);
  }
}

/** The tenant a namespace claims: its label, else its Tenant ownerReference. */
function claimedTenant(ns: Namespace): string | undefined {
  return ns.metadata.labels?.[LABEL_TENANT] ?? tenantReferences(ns)[0]?.name;
}

async function readNamespace(ctx: TenantContext, name: string): Promise<Namespace> {
  const api = await ctx.api();
  try {
    return await api.getNamespace(name);
  } catch (err) {
    if (err instanceof ApiError) rethrowExplained(ctx, err);
    throw err;
  }
}

/**
 * Rewrites label and ownerReference in one merge patch guarded by the resourceVersion: the
 * namespace (and everything in it) is never deleted or re-created.
 */
async function relink(
  ctx: TenantContext,
  ns: Namespace,
  tenant: Tenant,
  dryRun: boolean,
): Promise<void> {
  const t = tenant.metadata.name ?? '';
  const uid = tenant.metadata.uid ?? '';
  const others = (ns.metadata.ownerReferences ?? []).filter(
    (r) => !tenantReferences(ns).includes(r),
  );
  const labels: Record<string, string | null> = { [LABEL_TENANT]: t };
  if (ns.metadata.labels?.[LABEL_CORDONED] !== undefined) labels[LABEL_CORDONED] = null;
  const api = await ctx.api();
  try {
    await api.patchNamespace(
      ns.metadata.name,
      {
        metadata: {
          resourceVersion: ns.metadata.resourceVersion,
          labels,
          ownerReferences: [...others, tenantOwnerReference(t, uid)],
        },
      },
      { dryRun },
    );
  } catch (err) {
    rethrowExplained(ctx, err);
  }
}

function checkAdoptable(name: string): void {
  if (SYSTEM_NAMESPACES.has(name)) {
    throw new CliError(`namespace "${name}" is a system namespace and cannot belong to a tenant`);
  }
}

/** `kubectl tenant ns adopt NAME --tenant T` (admins). */
export async function nsAdoptCommand(ctx: TenantContext): Promise<void> {
  const name = ctx.arg('name');
  const wanted = ctx.str('tenant');
  if (wanted === undefined)
    throw new CliError('ns adopt needs --tenant NAME: the tenant that adopts the namespace');
  checkAdoptable(name);
  const dryRun = ctx.dryRun();
  const tenant = await ctx.tenant(wanted);
  const ns = await readNamespace(ctx, name);
  if (ownershipOf(ns, wanted, tenant.metadata.uid) === 'owned') {
    return ctx.out(`namespace/${name} already belongs to tenant ${wanted}\n`);
  }
  const claimed = claimedTenant(ns);
  if (claimed !== undefined && claimed !== wanted) {
    throw new CliError(
      `namespace "${name}" belongs to tenant "${claimed}": to move it, run kubectl tenant ns move ${name} --to ${wanted}`,
    );
  }
  if (dryRun !== 'client') await relink(ctx, ns, tenant, dryRun === 'server');
  await ctx.out(`namespace/${name} adopted by tenant ${wanted}${ctx.dryRunSuffix()}\n`);
}

/** `kubectl tenant ns move NAME --to T` (admins). */
export async function nsMoveCommand(ctx: TenantContext): Promise<void> {
  const name = ctx.arg('name');
  const to = ctx.str('to');
  if (to === undefined)
    throw new CliError('ns move needs --to TENANT: the tenant to move the namespace to');
  checkAdoptable(name);
  const dryRun = ctx.dryRun();
  const ns = await readNamespace(ctx, name);
  const from = claimedTenant(ns);
  if (from === undefined) {
    throw new CliError(
      `namespace "${name}" belongs to no tenant: use kubectl tenant ns adopt ${name} --tenant ${to}`,
    );
  }
  const tenant = await ctx.tenant(to);
  if (ownershipOf(ns, to, tenant.metadata.uid) === 'owned') {
    return ctx.out(`namespace/${name} already belongs to tenant ${to}\n`);
  }
  if (dryRun !== 'client') await relink(ctx, ns, tenant, dryRun === 'server');
  await ctx.out(
    `namespace/${name} moved from tenant ${from} to tenant ${to}${ctx.dryRunSuffix()}\n`,
  );
}
