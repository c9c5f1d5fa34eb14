import type { Tenant, TenantOwner } from '../../../crds/index.js';
import { CliError } from '../../shared/errors.js';
import { rethrowExplained, type TenantContext } from '../context.js';
import { subjectText, tenantRef } from '../format.js';
import { DEFAULT_CLUSTER_ROLES, ownerOf, parseRoles, parseSubject, sameSubject } from '../spec.js';

// spec.owners is an atomic list (no list-map keys: `namespace` is optional), so server-side
// apply would take the whole list from whoever manages it (GitOps). A JSON patch that tests the
// resourceVersion changes exactly one item, and fails instead of racing a concurrent writer.
async function patchOwners(
  ctx: TenantContext,
  tenant: Tenant,
  ops: readonly object[],
): Promise<void> {
  const api = await ctx.api();
  const guard = {
    op: 'test',
    path: '/metadata/resourceVersion',
    value: tenant.metadata.resourceVersion,
  };
  try {
    await api.patchTenant(tenant.metadata.name ?? '', 'json', [guard, ...ops]);
  } catch (err) {
    rethrowExplained(ctx, err);
  }
}

/** `kubectl tenant owner add NAME SUBJECT [--cluster-role R]…`. */
export async function ownerAddCommand(ctx: TenantContext): Promise<void> {
  const name = ctx.arg('name');
  const subject = parseSubject(ctx.arg('subject'));
  const roles = ctx.list('cluster-role').flatMap((r) => parseRoles(r, '--cluster-role'));
  const tenant = await ctx.tenant(name);
  const owners = tenant.spec.owners;
  const index = owners.findIndex((o) => sameSubject(o, subject));
  const text = subjectText(subject);
  if (index < 0) {
    const owner = ownerOf(subject, roles.length ? [...new Set(roles)] : DEFAULT_CLUSTER_ROLES);
    await patchOwners(ctx, tenant, [{ op: 'add', path: '/spec/owners/-', value: owner }]);
    return ctx.out(`${tenantRef(name)}: owner ${text} added (${owner.clusterRoles?.join(', ')})\n`);
  }
  const current = owners[index] as TenantOwner;
  const wanted = [...new Set(roles)];
  if (wanted.length === 0 || sameSet(current.clusterRoles ?? DEFAULT_CLUSTER_ROLES, wanted)) {
    return ctx.out(`${tenantRef(name)}: ${text} is already an owner (unchanged)\n`);
  }
  await patchOwners(ctx, tenant, [
    { op: 'test', path: `/spec/owners/${index}`, value: current },
    { op: 'replace', path: `/spec/owners/${index}/clusterRoles`, value: wanted },
  ]);
  await ctx.out(`${tenantRef(name)}: owner ${text} now has ${wanted.join(', ')}\n`);
}

/** `kubectl tenant owner remove NAME SUBJECT`. */
export async function ownerRemoveCommand(ctx: TenantContext): Promise<void> {
  const name = ctx.arg('name');
  const subject = parseSubject(ctx.arg('subject'));
  const tenant = await ctx.tenant(name);
  const owners = tenant.spec.owners;
  const index = owners.findIndex((o) => sameSubject(o, subject));
  const text = subjectText(subject);
  if (index < 0) {
    throw new CliError(
      `${text} is not an owner of tenant "${name}" (owners: ${owners.map(subjectText).join(', ')})`,
    );
  }
  if (owners.length === 1) {
    throw new CliError(
      `${text} is the only owner of tenant "${name}": a tenant needs at least one; add another owner first`,
    );
  }
  await patchOwners(ctx, tenant, [
    { op: 'test', path: `/spec/owners/${index}`, value: owners[index] },
    { op: 'remove', path: `/spec/owners/${index}` },
  ]);
  await ctx.out(`${tenantRef(name)}: owner ${text} removed\n`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
