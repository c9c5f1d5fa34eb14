// Which tenant an `ns` command is about, for admins and for owners who may not list tenants:
// --tenant, else the tenant of -n (or of the context's namespace), else the only tenant the
// caller can see or owns.
import type { Tenant } from '../../crds/index.js';
import { LABEL_TENANT } from '../../crds/constants.js';
import { CliError } from '../shared/errors.js';
import { ApiError, isStatus } from './api.js';
import type { TenantContext } from './context.js';

/** A resolved tenant and how it was found (for messages). */
export interface ResolvedTenant {
  readonly tenant: Tenant;
  readonly how: string;
}

/** Subjects a SelfSubjectReview user matches, in `spec.owners` terms. */
export function ownsTenant(
  tenant: Tenant,
  user: { username: string; groups: readonly string[] },
): boolean {
  const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(user.username);
  return tenant.spec.owners.some((o) => {
    if (o.kind === 'User') return o.name === user.username;
    if (o.kind === 'Group') return user.groups.includes(o.name);
    return sa !== null && sa[1] === o.namespace && sa[2] === o.name;
  });
}

/**
 * Finds the tenant of an `ns` command.
 *
 * @throws {@link CliError} asking for --tenant when it cannot tell
 */
export async function resolveTenant(ctx: TenantContext, flag = 'tenant'): Promise<ResolvedTenant> {
  const explicit = ctx.str(flag);
  if (explicit !== undefined) return { tenant: await ctx.tenant(explicit), how: `--${flag}` };
  const tried: string[] = [];
  const namespace = await ctx.namespace();
  if (namespace !== undefined) {
    const found = await tenantOfNamespace(ctx, namespace, tried);
    if (found !== undefined) return found;
  }
  return onlyTenant(ctx, tried);
}

async function tenantOfNamespace(
  ctx: TenantContext,
  namespace: string,
  tried: string[],
): Promise<ResolvedTenant | undefined> {
  const api = await ctx.api();
  try {
    const ns = await api.getNamespace(namespace);
    const label = ns.metadata.labels?.[LABEL_TENANT];
    if (label) return { tenant: await ctx.tenant(label), how: `namespace ${namespace}` };
    tried.push(`namespace "${namespace}" belongs to no tenant`);
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 403 && err.status !== 404)) throw err;
    tried.push(
      `namespace "${namespace}" ${err.status === 404 ? 'does not exist' : 'cannot be read'}`,
    );
  }
  return undefined;
}

async function onlyTenant(ctx: TenantContext, tried: string[]): Promise<ResolvedTenant> {
  const api = await ctx.api();
  const ask = (why: string): CliError =>
    new CliError(
      `cannot tell which tenant: ${[...tried, why].join('; ')}; pass --tenant NAME (or -n with one of the tenant's namespaces)`,
    );
  let tenants: Tenant[];
  try {
    tenants = (await api.listTenants()).items;
  } catch (err) {
    if (isStatus(err, 403)) throw ask('you may not list tenants');
    throw err;
  }
  if (tenants.length === 1 && tenants[0] !== undefined) {
    return { tenant: tenants[0], how: 'the only tenant' };
  }
  if (tenants.length === 0)
    throw new CliError('there are no tenants: create one with kubectl tenant create');
  const me = await api.whoAmI().catch(() => undefined);
  const mine = me === undefined ? [] : tenants.filter((t) => ownsTenant(t, me));
  if (mine.length === 1 && mine[0] !== undefined)
    return { tenant: mine[0], how: 'the only tenant you own' };
  const names = (mine.length > 1 ? mine : tenants).map((t) => t.metadata.name ?? '').sort();
  throw ask(
    `there are ${names.length} tenants (${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''})`,
  );
}
