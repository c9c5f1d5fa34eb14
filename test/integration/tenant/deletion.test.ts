/**
 * Deleting a Tenant on the real plane follows its deletionPolicy, whatever the propagation policy
 * of the delete and even if the controller is down at the time: Retain detaches the namespaces,
 * Delete deletes them; the garbage collector never cascades into them.
 */
import { expect } from 'chai';
import type { KubeObject } from '../../../controller/runtime/objects.js';
import { tenant, withDeletionPolicy, withNetworkPolicy } from '../../builders/tenant.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { uniqueName } from '../../helpers/names.js';
import {
  TENANTS,
  createTenant,
  createTenantNamespace,
  del,
  eventually,
  get,
  getTenant,
  installGcProtection,
  installTenantCRD,
  list,
  startTenantController,
} from './helpers.js';

type Propagation = 'Background' | 'Foreground';

async function converged(name: string, namespaces: readonly string[]): Promise<void> {
  await eventually('the Tenant to be Ready with its namespaces', async () => {
    const t = await getTenant(name);
    const ready = t?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    return ready && t?.status?.size === namespaces.length ? true : undefined;
  });
  for (const ns of namespaces) {
    await eventually(`the NetworkPolicy in ${ns}`, () =>
      get(
        `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/tenantry-networkpolicy-deny`,
      ),
    );
  }
}

async function gone(name: string): Promise<void> {
  await eventually('the Tenant to be gone', async () =>
    (await getTenant(name)) === undefined ? true : undefined,
  );
}

function expectDetached(ns: KubeObject | undefined, name: string): void {
  expect(ns, 'namespace kept').to.not.equal(undefined);
  expect(ns?.metadata?.deletionTimestamp, 'not being deleted').to.equal(undefined);
  expect(ns?.metadata?.labels?.['tenantry.io/tenant']).to.equal(undefined);
  expect((ns?.metadata?.ownerReferences ?? []).filter((r) => r.kind === 'Tenant')).to.deep.equal(
    [],
  );
  expect(ns?.metadata?.annotations?.['tenantry.io/detached-from']).to.equal(name);
}

describe('Tenant controller: deletion', () => {
  let controller: ControllerProcess | undefined;
  const controllerNs = uniqueName('tenantry-ctl');

  before(async () => {
    await installTenantCRD();
    await installGcProtection();
    controller = await startTenantController(controllerNs);
  });
  after(async () => {
    await controller?.stop();
  });

  async function setUp(
    policy: 'Retain' | 'Delete',
  ): Promise<{ name: string; namespaces: string[] }> {
    const name = uniqueName(policy.toLowerCase());
    const stored = await createTenant(
      tenant(name, withDeletionPolicy(policy), withNetworkPolicy('deny', { podSelector: {} })),
    );
    const namespaces = [`${name}-a`, `${name}-b`];
    for (const ns of namespaces) await createTenantNamespace(stored, ns);
    await converged(name, namespaces);
    return { name, namespaces };
  }

  for (const propagation of ['Background', 'Foreground'] as Propagation[]) {
    it(`Retain (${propagation} delete): keeps the namespaces and detaches them`, async () => {
      const { name, namespaces } = await setUp('Retain');
      await del(`${TENANTS}/${name}`, propagation);
      await gone(name);
      for (const ns of namespaces) {
        expectDetached(await get<KubeObject>(`/api/v1/namespaces/${ns}`), name);
        // The propagated objects went with the Tenant (they are its controlled children).
        await eventually(`the children in ${ns} to be collected`, async () =>
          (await list(`/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`)).length === 0
            ? true
            : undefined,
        );
      }
      const clusterRole = `/apis/rbac.authorization.k8s.io/v1/clusterroles/tenantry:tenant:${name}`;
      await eventually('the owner ClusterRole to be collected', async () =>
        (await get(clusterRole)) === undefined ? true : undefined,
      );
    });

    it(`Delete (${propagation} delete): deletes the namespaces explicitly`, async () => {
      const { name, namespaces } = await setUp('Delete');
      await del(`${TENANTS}/${name}`, propagation);
      await gone(name);
      for (const ns of namespaces) {
        const obj = await get<KubeObject>(`/api/v1/namespaces/${ns}`);
        expect(
          obj === undefined || obj.metadata?.deletionTimestamp !== undefined,
          `${ns} deleted`,
        ).to.equal(true);
      }
    });
  }

  it('holds the Tenant until the controller is back, then detaches (no cascade meanwhile)', async () => {
    const { name, namespaces } = await setUp('Retain');
    await controller?.stop();
    controller = undefined;
    await del(`${TENANTS}/${name}`, 'Background');
    await new Promise((r) => setTimeout(r, 3000));
    const held = await getTenant(name);
    expect(held?.metadata.deletionTimestamp, 'Tenant is terminating').to.not.equal(undefined);
    expect(held?.metadata.finalizers).to.include('tenantry.io/finalizer');
    for (const ns of namespaces) {
      const obj = await get<KubeObject>(`/api/v1/namespaces/${ns}`);
      expect(
        obj?.metadata?.deletionTimestamp,
        `${ns} untouched while the controller is down`,
      ).to.equal(undefined);
    }
    controller = await startTenantController(controllerNs);
    await gone(name);
    for (const ns of namespaces)
      expectDetached(await get<KubeObject>(`/api/v1/namespaces/${ns}`), name);
  });
});
