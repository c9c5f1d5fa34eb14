import type { Tenant } from '../../crds/index.js';
import type { TenantContext } from './context.js';
import { TENANT_HEADERS, renderTable, tenantRef, tenantRow, toJson, toYaml } from './format.js';

/** Output formats of the commands that print tenants. */
export type TenantFormat = 'table' | 'yaml' | 'json' | 'name';

/**
 * Prints tenants in a format: a table, `-o name` lines, or objects. `asList` prints a `v1 List`
 * for yaml/json (as `kubectl get` of a collection); otherwise the single object.
 */
export async function printTenants(
  ctx: TenantContext,
  tenants: readonly Tenant[],
  format: TenantFormat,
  asList: boolean,
): Promise<void> {
  switch (format) {
    case 'table':
      if (tenants.length === 0) return ctx.note('No tenants found.');
      return ctx.out(
        renderTable(
          TENANT_HEADERS,
          tenants.map((t) => tenantRow(t, ctx.now)),
        ),
      );
    case 'name':
      return ctx.out(tenants.map((t) => `${tenantRef(t.metadata.name ?? '')}\n`).join(''));
    case 'json':
      return ctx.out(toJson(tenants, asList));
    case 'yaml':
      return ctx.out(
        await toYaml(
          asList ? [{ apiVersion: 'v1', kind: 'List', items: tenants, metadata: {} }] : tenants,
        ),
      );
  }
}

/** Tenants sorted by name (the API server sorts too; sort anyway for stable output). */
export function byName<T extends { metadata: { name?: string } }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}
