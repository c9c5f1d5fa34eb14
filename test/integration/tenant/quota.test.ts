/**
 * Tenant-scoped quota on the real plane, with the kube-controller-manager's quota controller: the
 * sum of usage over the Tenant's namespaces never exceeds the Tenant's hard limit, even when many
 * creates race in several namespaces at once (Capsule overshoots by up to (N−1)× the remaining
 * budget here: each namespace's quota is set to the whole remaining budget).
 */
import { expect } from 'chai';
import { parseQuantity } from '../../../controller/tenant/quantity.js';
import { tenant, withOwner, withQuota } from '../../builders/tenant.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { uniqueName } from '../../helpers/names.js';
import {
  admin,
  createTenant,
  createTenantNamespace,
  eventually,
  installTenantCRD,
  list,
  startTenantController,
} from './helpers.js';

const RESOURCE = 'count/configmaps';

interface RQ {
  metadata: { namespace: string; name: string };
  spec: { hard: Record<string, string> };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

function amount(list: Record<string, string> | undefined): number {
  const v = list?.[RESOURCE];
  return v === undefined ? 0 : Number(parseQuantity(v) / 1_000_000_000n);
}

async function quotas(t: string): Promise<RQ[]> {
  return list<RQ>(
    '/api/v1/resourcequotas',
    `tenantry.io/tenant=${t},tenantry.io/propagated-from=resourcequota`,
  );
}

/** Σ over namespaces of what each may hold: max(spec.hard, status.hard, used). */
function reserved(rqs: readonly RQ[]): number {
  return rqs.reduce(
    (sum, rq) =>
      sum + Math.max(amount(rq.spec.hard), amount(rq.status?.hard), amount(rq.status?.used)),
    0,
  );
}

async function configMapCount(namespaces: readonly string[]): Promise<number> {
  let n = 0;
  for (const ns of namespaces) n += (await list(`/api/v1/namespaces/${ns}/configmaps`)).length;
  return n;
}

/** Waits until every namespace has its quota, usage is counted and allocations cover the budget. */
async function settled(t: string, namespaces: readonly string[], hard: number): Promise<RQ[]> {
  return eventually(
    'allocations to settle',
    async () => {
      const rqs = await quotas(t);
      const counted = rqs.every((rq) => rq.status?.used?.[RESOURCE] !== undefined);
      const specs = rqs.reduce((s, rq) => s + amount(rq.spec.hard), 0);
      const used = rqs.reduce((s, rq) => s + amount(rq.status?.used), 0);
      const full = specs === Math.max(hard, used);
      const enforced = rqs.every((rq) => amount(rq.status?.hard) === amount(rq.spec.hard));
      return rqs.length === namespaces.length && counted && full && enforced ? rqs : undefined;
    },
    60_000,
  );
}

describe('Tenant controller: tenant-scoped quota', () => {
  let controller: ControllerProcess | undefined;

  before(async () => {
    await installTenantCRD();
    controller = await startTenantController(uniqueName('tenantry-ctl'));
  });
  after(async () => {
    await controller?.stop();
  });

  it('never lets 20 parallel creates across 4 namespaces exceed the tenant quota', async () => {
    const name = uniqueName('quota');
    // Every namespace holds kube-root-ca.crt already, so 4 of the 12 are taken.
    const hard = 12;
    const stored = await createTenant(
      tenant(
        name,
        withOwner('User', `${name}-owner`),
        withQuota('configmaps', { [RESOURCE]: hard }, 'Tenant'),
      ),
    );
    const namespaces = ['a', 'b', 'c', 'd'].map((s) => `${name}-${s}`);
    for (const ns of namespaces) await createTenantNamespace(stored, ns);
    await eventually('kube-root-ca.crt in every namespace', async () =>
      (await configMapCount(namespaces)) === namespaces.length ? true : undefined,
    );
    await settled(name, namespaces, hard);

    // Sample the reservations continuously while creates race.
    let maxReserved = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxReserved = Math.max(maxReserved, reserved(await quotas(name)));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    let created = 0;
    let denied = 0;
    for (let wave = 0; wave < 3; wave++) {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          admin().request({
            method: 'POST',
            path: `/api/v1/namespaces/${namespaces[i % namespaces.length]}/configmaps`,
            body: { metadata: { name: `w${wave}-cm-${i}` }, data: { i: String(i) } },
          }),
        ),
      );
      created += results.filter((r) => r.status === 'fulfilled').length;
      denied += results.filter((r) => r.status === 'rejected').length;
      const total = await configMapCount(namespaces);
      expect(total, `configmaps after wave ${wave}`).to.be.at.most(hard);
      // Let the controller rebalance what is left before the next wave.
      await settled(name, namespaces, hard);
    }
    sampling = false;
    await sampler;

    const total = await configMapCount(namespaces);
    expect(total).to.be.at.most(hard);
    expect(created, 'some creates succeed').to.be.greaterThan(0);
    expect(denied, 'the rest are denied').to.be.greaterThan(0);
    // Nothing leaks: the budget is fully usable across waves.
    expect(total, 'the whole budget is used in the end').to.equal(hard);
    expect(maxReserved, 'Σ max(spec.hard, status.hard, used) never exceeded hard').to.be.at.most(
      hard,
    );
    const rqs = await settled(name, namespaces, hard);
    expect(rqs.reduce((s, rq) => s + amount(rq.status?.used), 0)).to.be.at.most(hard);
  });

  it('rebalances the remaining budget when a namespace joins', async () => {
    const name = uniqueName('rebal');
    const hard = 10;
    const stored = await createTenant(
      tenant(name, withQuota('configmaps', { [RESOURCE]: hard }, 'Tenant')),
    );
    const namespaces = [`${name}-a`, `${name}-b`];
    /** Allocations by namespace, once each namespace's usage is its one kube-root-ca.crt. */
    const allocations = async (): Promise<Record<string, number>> => {
      await eventually(
        'kube-root-ca.crt counted in every namespace',
        async () => {
          const rqs = await settled(name, namespaces, hard);
          return rqs.every((rq) => amount(rq.status?.used) === 1) ? true : undefined;
        },
        60_000,
      );
      const rqs = await settled(name, namespaces, hard);
      return Object.fromEntries(rqs.map((rq) => [rq.metadata.namespace, amount(rq.spec.hard)]));
    };
    for (const ns of namespaces) await createTenantNamespace(stored, ns);
    // 2 used (kube-root-ca.crt), 8 left: 4 each.
    expect(await allocations()).to.deep.equal({ [`${name}-a`]: 5, [`${name}-b`]: 5 });

    namespaces.push(`${name}-c`);
    await createTenantNamespace(stored, `${name}-c`);
    // 3 used, 7 left: 3, 2, 2 (the remainder to the first by name).
    expect(await allocations()).to.deep.equal({
      [`${name}-a`]: 4,
      [`${name}-b`]: 3,
      [`${name}-c`]: 3,
    });
  });
});
