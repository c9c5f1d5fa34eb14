import type { Tenant } from '../../../crds/index.js';
import { rethrowExplained, type TenantContext } from '../context.js';
import { tenantRef, toJson, toYaml } from '../format.js';
import { buildTenant } from '../spec.js';

/** `kubectl tenant create NAME`: builds the Tenant from flags; prints it or sends it. */
export async function createCommand(ctx: TenantContext): Promise<void> {
  const tenant = buildTenant(ctx.arg('name'), {
    owners: ctx.list('owner'),
    namespaceQuota: ctx.str('namespace-quota'),
    forcePrefix: ctx.bool('force-prefix'),
    quota: ctx.list('quota'),
    tenantQuota: ctx.list('tenant-quota'),
    resourceQuotas: ctx.list('resource-quota'),
    scope: ctx.str('scope'),
    registries: ctx.list('registry'),
    storageClasses: ctx.list('storage-class'),
    ingressClasses: ctx.list('ingress-class'),
    ingressHostnames: ctx.list('ingress-hostname'),
    cordoned: ctx.bool('cordoned'),
    preventDeletion: ctx.bool('prevent-deletion'),
    deletionPolicy: ctx.str('deletion-policy'),
  });
  const format =
    ctx.str('output') === undefined ? undefined : ctx.output<'yaml' | 'json' | 'name'>('yaml');
  const dryRun = ctx.dryRun();
  if (dryRun === 'client') {
    // Contacts nothing: what is printed is what a GitOps tool will apply.
    return printCreated(ctx, tenant, format, ' (dry run)');
  }
  const api = await ctx.api();
  let created: Tenant;
  try {
    created = await api.createTenant(tenant, { dryRun: dryRun === 'server' });
  } catch (err) {
    rethrowExplained(ctx, err);
  }
  await printCreated(ctx, created, format, dryRun === 'server' ? ' (server dry run)' : '');
}

async function printCreated(
  ctx: TenantContext,
  tenant: Tenant,
  format: 'yaml' | 'json' | 'name' | undefined,
  suffix: string,
): Promise<void> {
  const name = tenant.metadata.name ?? '';
  if (format === undefined) return ctx.out(`${tenantRef(name)} created${suffix}\n`);
  if (format === 'name') return ctx.out(`${tenantRef(name)}\n`);
  return ctx.out(format === 'json' ? toJson([tenant], false) : await toYaml([tenant]));
}
