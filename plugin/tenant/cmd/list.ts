import type { Tenant } from '../../../crds/index.js';
import { FINALIZER } from '../../../crds/constants.js';
import { isRecord } from '../../shared/objects.js';
import { rethrowExplained, type TenantContext } from '../context.js';
import { toJson, toYaml } from '../format.js';
import { byName, printTenants, type TenantFormat } from '../print.js';

const OWNER_HINT =
  'owners cannot list tenants: use kubectl tenant get NAME, or kubectl tenant ns list --tenant NAME';

async function allTenants(ctx: TenantContext): Promise<Tenant[]> {
  const api = await ctx.api();
  try {
    return byName((await api.listTenants(ctx.str('selector'))).items);
  } catch (err) {
    rethrowExplained(ctx, err, OWNER_HINT);
  }
}

/** `kubectl tenant list`. */
export async function listCommand(ctx: TenantContext): Promise<void> {
  const format = ctx.output<TenantFormat>('table');
  await printTenants(ctx, await allTenants(ctx), format, true);
}

/** `kubectl tenant get NAME`. */
export async function getCommand(ctx: TenantContext): Promise<void> {
  const format = ctx.output<TenantFormat>('table');
  await printTenants(ctx, [await ctx.tenant(ctx.arg('name'))], format, false);
}

/** Server-side metadata that must not go to Git (it would conflict or mean nothing elsewhere). */
const SERVER_FIELDS = [
  'uid',
  'resourceVersion',
  'managedFields',
  'creationTimestamp',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A tenant as it belongs in Git: no status, no server-set metadata, no last-applied annotation,
 * and without the controller's finalizer (the controller adds it again). Does not modify `t`.
 */
export function forExport(t: Tenant): Tenant {
  const copy = structuredClone(t) as Tenant & Record<string, unknown>;
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown>;
  for (const field of SERVER_FIELDS) delete meta[field];
  const annotations = meta['annotations'];
  if (isRecord(annotations)) {
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length === 0) delete meta['annotations'];
  }
  const finalizers = Array.isArray(meta['finalizers'])
    ? (meta['finalizers'] as unknown[]).filter((f) => f !== FINALIZER)
    : [];
  if (finalizers.length > 0) meta['finalizers'] = finalizers;
  else delete meta['finalizers'];
  return { apiVersion: copy.apiVersion, kind: copy.kind, metadata: copy.metadata, spec: copy.spec };
}

/** `kubectl tenant export`: every tenant, sorted, as a multi-document YAML stream. */
export async function exportCommand(ctx: TenantContext): Promise<void> {
  const format = ctx.output<'yaml' | 'json'>('yaml');
  const tenants = (await allTenants(ctx)).map(forExport);
  if (tenants.length === 0) return ctx.note('No tenants found.');
  await ctx.out(format === 'json' ? toJson(tenants, true) : await toYaml(tenants));
}
