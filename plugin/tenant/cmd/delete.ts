import type { Tenant } from '../../../crds/index.js';
import { CliError } from '../../shared/errors.js';
import { parseRequestTimeout } from '../../shared/kubeconfig.js';
import { isStatus } from '../api.js';
import { rethrowExplained, type TenantContext } from '../context.js';
import { tenantQuoted } from '../format.js';
import { confirm } from '../prompt.js';

/** What deleting a tenant does to its namespaces, in one sentence. */
export function consequences(tenant: Tenant): string {
  const names = tenant.status?.namespaces ?? [];
  const list =
    tenant.status?.namespaces === undefined
      ? 'namespaces'
      : names.length === 0
        ? 'no namespaces'
        : `${names.length} namespace${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
  const name = tenant.metadata.name ?? '';
  if ((tenant.spec.deletionPolicy ?? 'Retain') === 'Delete') {
    return `tenant "${name}" has deletionPolicy Delete: its ${list}${names.length ? ' and everything in them' : ''} will be DELETED`;
  }
  return `tenant "${name}" has deletionPolicy Retain: its ${list} will be kept and detached from the tenant (label and ownerReference removed)`;
}

/** `--timeout` for `--wait`, in ms. @default 5 minutes */
export function waitTimeout(ctx: TenantContext): number {
  const text = ctx.str('timeout');
  return text === undefined ? 5 * 60_000 : parseRequestTimeout(text);
}

/** Asks, or needs --yes, before a deletion that would delete namespaces. */
async function confirmDestructive(ctx: TenantContext, tenant: Tenant): Promise<void> {
  const name = tenant.metadata.name ?? '';
  if ((tenant.spec.deletionPolicy ?? 'Retain') !== 'Delete' || ctx.bool('yes') === true) return;
  const question = `Type the tenant name (${name}) to delete it and its namespaces: `;
  if (await confirm(ctx.io, question, name)) return;
  throw new CliError(
    ctx.io.stdin.isTTY === true
      ? 'aborted: nothing was deleted'
      : `refusing to delete tenant "${name}" and its namespaces without confirmation: pass --yes`,
  );
}

/**
 * `kubectl tenant delete NAME`: explains what happens to the namespaces, asks (or needs --yes)
 * when they would be deleted, deletes with a UID precondition, and waits like kubectl.
 */
export async function deleteCommand(ctx: TenantContext): Promise<void> {
  const name = ctx.arg('name');
  const dryRun = ctx.dryRun();
  const tenant = await ctx.tenant(name);
  if (tenant.spec.preventDeletion === true) {
    throw new CliError(
      `tenant "${name}" has spec.preventDeletion=true, so deletion is denied; clear it first: kubectl patch tenant ${name} --type=merge -p '{"spec":{"preventDeletion":false}}'`,
    );
  }
  await ctx.note(consequences(tenant));
  if (dryRun === 'none') await confirmDestructive(ctx, tenant);
  if (dryRun !== 'client') {
    const api = await ctx.api();
    try {
      await api.deleteTenant(name, tenant.metadata.uid, { dryRun: dryRun === 'server' });
    } catch (err) {
      rethrowExplained(ctx, err);
    }
  }
  await ctx.out(`${tenantQuoted(name)} deleted${ctx.dryRunSuffix()}\n`);
  if (dryRun === 'none' && ctx.bool('wait') !== false) {
    await waitGone(ctx, name, tenant.metadata.uid);
  }
}

async function waitGone(ctx: TenantContext, name: string, uid: string | undefined): Promise<void> {
  const api = await ctx.api();
  const deadline = Date.now() + waitTimeout(ctx);
  let last: Tenant | undefined;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      last = await api.getTenant(name);
      if (last.metadata.uid !== uid) return; // re-created: the one we deleted is gone
    } catch (err) {
      if (isStatus(err, 404)) return;
      rethrowExplained(ctx, err);
    }
    if (Date.now() >= deadline) {
      const finalizers = (last?.metadata.finalizers ?? []).join(', ') || 'none';
      throw new CliError(
        `timed out waiting for tenant "${name}" to be deleted (state ${last?.status?.state ?? 'unknown'}, finalizers: ${finalizers}): is the tenantry controller running? It carries out the deletionPolicy before the tenant goes away`,
      );
    }
    await ctx.sleep(delay);
  }
}
