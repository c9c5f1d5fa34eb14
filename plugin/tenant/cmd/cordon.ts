import { rethrowExplained, type TenantContext } from '../context.js';
import { tenantRef } from '../format.js';

/** `kubectl tenant cordon|uncordon NAME`: sets `spec.cordoned` (a merge patch, kubectl-tenant). */
export async function setCordoned(ctx: TenantContext, cordoned: boolean): Promise<void> {
  const name = ctx.arg('name');
  const tenant = await ctx.tenant(name);
  const verb = cordoned ? 'cordoned' : 'uncordoned';
  if ((tenant.spec.cordoned ?? false) === cordoned) {
    return ctx.out(`${tenantRef(name)} already ${verb}\n`);
  }
  const api = await ctx.api();
  try {
    await api.patchTenant(name, 'merge', {
      metadata: { resourceVersion: tenant.metadata.resourceVersion },
      spec: { cordoned },
    });
  } catch (err) {
    rethrowExplained(ctx, err);
  }
  await ctx.out(`${tenantRef(name)} ${verb}\n`);
}
