/**
 * Owner permissions on the real plane, as client-certificate identities: an owner can get (and
 * watch) its own Tenant and no other, may create namespaces (RBAC-wise; admission decides the
 * rest), and can get and delete its own tenant namespaces but not another Tenant's — with no
 * cluster-wide list of namespaces or Tenants. A removed owner loses it all.
 */
import { expect } from 'chai';
import type { KubeClient } from '../../../controller/runtime/kube.js';
import { apiErrorCode } from '../../../controller/runtime/kube.js';
import { tenant, withOwner } from '../../builders/tenant.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { uniqueName } from '../../helpers/names.js';
import {
  TENANTS,
  clientFor,
  createTenant,
  createTenantNamespace,
  eventually,
  get,
  getTenant,
  installTenantCRD,
  patchTenantSpec,
  startTenantController,
} from './helpers.js';

/** The HTTP status of a request (200 or the error code). */
async function statusOf(
  c: KubeClient,
  method: 'GET' | 'DELETE' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<number> {
  const [p = '', q = ''] = path.split('?');
  const query = Object.fromEntries(new URLSearchParams(q));
  try {
    await c.request({
      method,
      path: p,
      query,
      ...(body !== undefined ? { body } : {}),
      ...(method === 'PATCH' ? { contentType: 'application/merge-patch+json' } : {}),
    });
    return 200;
  } catch (err) {
    return apiErrorCode(err) ?? 0;
  }
}

describe('Tenant controller: owner RBAC', () => {
  let controller: ControllerProcess | undefined;

  before(async () => {
    await installTenantCRD();
    controller = await startTenantController(uniqueName('tenantry-ctl'));
  });
  after(async () => {
    await controller?.stop();
  });

  it('lets an owner get its own Tenant and namespaces, label, create and delete namespaces, and nothing else', async () => {
    const [a, b] = [uniqueName('own-a'), uniqueName('own-b')];
    const alice = getPlane().makeUser(`${a}-alice`);
    const bob = getPlane().makeUser(`${b}-bob`);
    const ta = await createTenant(tenant(a, withOwner('User', alice.name)));
    const tb = await createTenant(tenant(b, withOwner('User', bob.name)));
    const [aDev, aOld, bDev] = [`${a}-dev`, `${a}-old`, `${b}-dev`];
    await createTenantNamespace(ta, aDev);
    await createTenantNamespace(ta, aOld);
    await createTenantNamespace(tb, bDev);
    for (const t of [a, b]) {
      await eventually(`${t} Ready`, async () =>
        (await getTenant(t))?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'
          ? true
          : undefined,
      );
    }
    const asAlice = clientFor(alice.kubeConfig());

    // Own Tenant by name (get, and list/watch restricted to that name); not another's, no list.
    await eventually('alice to get her Tenant', async () =>
      (await statusOf(asAlice, 'GET', `${TENANTS}/${a}`)) === 200 ? true : undefined,
    );
    expect(await statusOf(asAlice, 'GET', `${TENANTS}?fieldSelector=metadata.name=${a}`)).to.equal(
      200,
    );
    expect(await statusOf(asAlice, 'GET', `${TENANTS}/${b}`)).to.equal(403);
    expect(await statusOf(asAlice, 'GET', TENANTS)).to.equal(403);

    // Own namespaces: get, but no cluster-wide list; another Tenant's: nothing.
    await eventually('alice to get her namespace', async () =>
      (await statusOf(asAlice, 'GET', `/api/v1/namespaces/${aDev}`)) === 200 ? true : undefined,
    );
    expect(await statusOf(asAlice, 'GET', `/api/v1/namespaces/${bDev}`)).to.equal(403);
    expect(await statusOf(asAlice, 'GET', '/api/v1/namespaces')).to.equal(403);
    expect(await statusOf(asAlice, 'DELETE', `/api/v1/namespaces/${bDev}`)).to.equal(403);
    expect(
      await get(`/api/v1/namespaces/${bDev}`),
      'the other Tenant keeps its namespace',
    ).to.not.equal(undefined);

    // Label her own namespace (what `kubectl label namespace` sends); not another Tenant's.
    const label = { metadata: { labels: { team: 'payments' } } };
    expect(await statusOf(asAlice, 'PATCH', `/api/v1/namespaces/${aDev}`, label)).to.equal(200);
    expect((await get(`/api/v1/namespaces/${aDev}`))?.metadata?.labels?.['team']).to.equal(
      'payments',
    );
    expect(await statusOf(asAlice, 'PATCH', `/api/v1/namespaces/${bDev}`, label)).to.equal(403);

    // Create a namespace (dry run: RBAC only, admission decides the rest) and delete her own.
    expect(
      await statusOf(asAlice, 'POST', '/api/v1/namespaces?dryRun=All', {
        metadata: { name: `${a}-new` },
      }),
    ).to.equal(200);
    expect(await statusOf(asAlice, 'DELETE', `/api/v1/namespaces/${aOld}`)).to.equal(200);

    // Nor the other Tenant's services through the apiserver proxy.
    expect(
      await statusOf(asAlice, 'GET', `/api/v1/namespaces/${bDev}/services/x:80/proxy/`),
    ).to.equal(403);

    // A removed owner loses the Tenant, namespace creation and the namespaces.
    await patchTenantSpec(a, { owners: [{ kind: 'User', name: `${a}-carol` }] });
    await eventually('alice to lose access', async () =>
      (await statusOf(asAlice, 'GET', `${TENANTS}/${a}`)) === 403 &&
      (await statusOf(asAlice, 'GET', `/api/v1/namespaces/${aDev}`)) === 403 &&
      (await statusOf(asAlice, 'POST', '/api/v1/namespaces?dryRun=All', {
        metadata: { name: `${a}-x` },
      })) === 403
        ? true
        : undefined,
    );
  });
});
