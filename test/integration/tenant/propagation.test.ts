/**
 * The Tenant controller against the real local plane: every tenant namespace gets every object,
 * spec changes propagate, what leaves the spec leaves the namespaces, drift is repaired, objects
 * tenantry does not control are left alone, and a restart writes nothing.
 */
import { expect } from 'chai';
import type { KubeObject } from '../../../controller/runtime/objects.js';
import {
  sameTenantOnly,
  tenant,
  withLimitRange,
  withMetadata,
  withNetworkPolicy,
  withOwner,
  withQuota,
  withRoleBinding,
} from '../../builders/tenant.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { uniqueName } from '../../helpers/names.js';
import {
  admin,
  clientFor,
  controllerRequests,
  createTenant,
  createTenantNamespace,
  del,
  describeRequests,
  eventually,
  get,
  getTenant,
  installTenantCRD,
  list,
  patchTenantSpec,
  startTenantController,
} from './helpers.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const NETPOL = '/apis/networking.k8s.io/v1';
const nsPath = (ns: string, plural: string, api = '/api/v1'): string =>
  `${api}/namespaces/${ns}/${plural}`;

function names(objs: KubeObject[]): string[] {
  return objs.map((o) => o.metadata?.name ?? '').sort();
}

async function childrenOf(ns: string, t: string): Promise<Record<string, string[]>> {
  const sel = `tenantry.io/tenant=${t}`;
  return {
    resourcequotas: names(await list(nsPath(ns, 'resourcequotas'), sel)),
    limitranges: names(await list(nsPath(ns, 'limitranges'), sel)),
    networkpolicies: names(await list(nsPath(ns, 'networkpolicies', NETPOL), sel)),
    rolebindings: names(await list(nsPath(ns, 'rolebindings', RBAC), sel)),
  };
}

describe('Tenant controller: propagation', () => {
  let controller: ControllerProcess | undefined;
  const controllerNs = uniqueName('tenantry-ctl');

  before(async () => {
    await installTenantCRD();
    controller = await startTenantController(controllerNs);
  });
  after(async () => {
    await controller?.stop();
  });

  it('gives a tenant with 2 namespaces every object, propagates spec changes and prunes what left', async () => {
    const name = uniqueName('acme');
    const t = tenant(
      name,
      withOwner('User', `${name}-alice`),
      withOwner('Group', `${name}-admins`, ['admin', 'view']),
      withQuota('objects', { pods: 10, services: '5', 'requests.cpu': '0.5' }),
      withLimitRange('defaults', [
        { type: 'Container', max: { cpu: '2' }, defaultRequest: { cpu: '100m' } },
      ]),
      withNetworkPolicy('same-tenant-only', sameTenantOnly(name)),
      withRoleBinding('auditors', 'view', [{ kind: 'Group', name: 'auditors' }]),
      withMetadata(
        { 'example.com/cost-center': 'cc-42' },
        { 'example.com/contact': 'ops@example.com' },
      ),
    );
    const stored = await createTenant(t);
    const [ns1, ns2] = [`${name}-dev`, `${name}-prod`];
    await createTenantNamespace(stored, ns1);
    await createTenantNamespace(stored, ns2);

    const expected = {
      resourcequotas: ['tenantry-resourcequota-objects'],
      limitranges: ['tenantry-limitrange-defaults'],
      networkpolicies: ['tenantry-networkpolicy-same-tenant-only'],
      rolebindings: [
        'tenantry-namespace-owner',
        `tenantry-owner-group-${name}-admins-admin`,
        `tenantry-owner-group-${name}-admins-view`,
        `tenantry-owner-user-${name}-alice-admin`,
        'tenantry-rolebinding-auditors',
      ].sort(),
    };
    for (const ns of [ns1, ns2]) {
      await eventually(`every child in ${ns}`, async () => {
        const got = await childrenOf(ns, name);
        return JSON.stringify(got) === JSON.stringify(expected) ? got : undefined;
      });
    }
    const rb = await get<KubeObject>(
      `${nsPath(ns1, 'rolebindings', RBAC)}/tenantry-owner-user-${name}-alice-admin`,
    );
    expect(rb?.metadata?.labels).to.include({
      'tenantry.io/tenant': name,
      'tenantry.io/propagated-from': 'rolebinding',
      'app.kubernetes.io/managed-by': 'tenantry',
    });
    expect(rb?.metadata?.ownerReferences).to.deep.include({
      apiVersion: 'tenantry.io/v1alpha1',
      kind: 'Tenant',
      name,
      uid: stored.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    });
    const ns = await get<KubeObject>(`/api/v1/namespaces/${ns1}`);
    expect(ns?.metadata?.labels).to.include({ 'example.com/cost-center': 'cc-42' });
    expect(ns?.metadata?.annotations).to.include({ 'example.com/contact': 'ops@example.com' });

    const ready = await eventually('Ready=True with both namespaces', async () => {
      const cur = await getTenant(name);
      const c = cur?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'True' && cur?.status?.size === 2 ? cur : undefined;
    });
    expect(ready.status).to.deep.include({
      state: 'Active',
      size: 2,
      namespaces: [ns1, ns2].sort(),
    });
    expect(ready.status?.observedGeneration).to.equal(ready.metadata.generation);
    expect(ready.metadata.finalizers).to.include('tenantry.io/finalizer');
    expect(ready.status?.owners).to.deep.equal([
      { kind: 'User', name: `${name}-alice`, clusterRoles: ['admin'] },
      { kind: 'Group', name: `${name}-admins`, clusterRoles: ['admin', 'view'] },
    ]);
    expect(await get(`${RBAC}/clusterroles/tenantry:tenant:${name}`)).to.not.equal(undefined);
    expect(await get(`${RBAC}/clusterrolebindings/tenantry:tenant:${name}`)).to.not.equal(
      undefined,
    );

    // Spec change: the policy denies all ingress now (its ingress list removed), a LimitRange
    // item is added, the auditors binding and the group's view role go, the metadata changes.
    await patchTenantSpec(name, {
      owners: [
        { kind: 'User', name: `${name}-alice` },
        { kind: 'Group', name: `${name}-admins`, clusterRoles: ['admin'] },
      ],
      networkPolicies: [
        { name: 'same-tenant-only', spec: { podSelector: {}, policyTypes: ['Ingress'] } },
      ],
      limitRanges: [
        {
          name: 'defaults',
          limits: [{ type: 'Container', max: { cpu: '2' }, defaultRequest: { cpu: '100m' } }],
        },
        { name: 'pvc', limits: [{ type: 'PersistentVolumeClaim', max: { storage: '10Gi' } }] },
      ],
      additionalRoleBindings: null,
      namespaceOptions: {
        additionalMetadata: { labels: { 'example.com/cost-center': 'cc-43' }, annotations: null },
      },
    });
    for (const n of [ns1, ns2]) {
      await eventually(`the spec change in ${n}`, async () => {
        const got = await childrenOf(n, name);
        const np = await get<{ spec: { ingress?: unknown } }>(
          `${nsPath(n, 'networkpolicies', NETPOL)}/tenantry-networkpolicy-same-tenant-only`,
        );
        const nsObj = await get<KubeObject>(`/api/v1/namespaces/${n}`);
        return got.limitranges!.length === 2 &&
          !got.rolebindings!.includes('tenantry-rolebinding-auditors') &&
          !got.rolebindings!.includes(`tenantry-owner-group-${name}-admins-view`) &&
          np?.spec.ingress === undefined &&
          nsObj?.metadata?.labels?.['example.com/cost-center'] === 'cc-43' &&
          nsObj.metadata.annotations?.['example.com/contact'] === undefined
          ? true
          : undefined;
      });
    }

    // Cordoning labels every namespace (admission's cordon policy keys on it); uncordoning
    // removes the label again.
    await patchTenantSpec(name, { cordoned: true });
    const cordonedLabel = async (value: string | undefined): Promise<true | undefined> => {
      for (const n of [ns1, ns2]) {
        const nsObj = await get<KubeObject>(`/api/v1/namespaces/${n}`);
        if (nsObj?.metadata?.labels?.['tenantry.io/cordoned'] !== value) return undefined;
      }
      return true;
    };
    await eventually('the cordon label', () => cordonedLabel('true'));
    await eventually('state Cordoned', async () =>
      (await getTenant(name))?.status?.state === 'Cordoned' ? true : undefined,
    );
    await patchTenantSpec(name, { cordoned: false });
    await eventually('the cordon label to go', () => cordonedLabel(undefined));

    // A forced label an admin removes comes back.
    await admin().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns1}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'example.com/cost-center': null } } },
    });
    await eventually('the forced label to be restored', async () =>
      (await get<KubeObject>(`/api/v1/namespaces/${ns1}`))?.metadata?.labels?.[
        'example.com/cost-center'
      ] === 'cc-43'
        ? true
        : undefined,
    );
  });

  it('restores a propagated NetworkPolicy an owner deletes, and a RoleBinding an admin edits', async () => {
    const name = uniqueName('drift');
    const owner = getPlane().makeUser(`${name}-owner`);
    const stored = await createTenant(
      tenant(
        name,
        withOwner('User', owner.name),
        withNetworkPolicy('deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      ),
    );
    const ns = `${name}-app`;
    await createTenantNamespace(stored, ns);
    const npPath = `${nsPath(ns, 'networkpolicies', NETPOL)}/tenantry-networkpolicy-deny`;
    const before = await eventually('the NetworkPolicy', () => get<KubeObject>(npPath));
    // The owner's admin role allows the delete (admission's policy will deny it; until then the
    // controller must put it back).
    await clientFor(owner.kubeConfig()).request({ method: 'DELETE', path: npPath });
    const restored = await eventually(
      'the NetworkPolicy to be restored',
      async () => {
        const np = await get<KubeObject>(npPath);
        return np !== undefined && np.metadata?.uid !== before.metadata?.uid ? np : undefined;
      },
      15_000,
    );
    expect(restored.metadata?.labels).to.include({ 'tenantry.io/tenant': name });

    const rbPath = `${nsPath(ns, 'rolebindings', RBAC)}/tenantry-owner-user-${owner.name}-admin`;
    const rb = await eventually('the owner RoleBinding', () => get<KubeObject>(rbPath));
    await admin().request({
      method: 'PUT',
      path: rbPath,
      body: {
        ...rb,
        subjects: [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    await eventually(
      'the RoleBinding subjects to be restored',
      async () => {
        const cur = await get<{ subjects: { name: string }[] }>(rbPath);
        return cur?.subjects.length === 1 && cur.subjects[0]?.name === owner.name
          ? true
          : undefined;
      },
      15_000,
    );
  });

  it('leaves an object it does not control alone and says so in Ready and a Warning event', async () => {
    const name = uniqueName('clash');
    const stored = await createTenant(tenant(name, withNetworkPolicy('web', { podSelector: {} })));
    const ns = `${name}-app`;
    await admin().request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: ns } },
    });
    const foreign = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'tenantry-networkpolicy-web' },
      spec: { podSelector: { matchLabels: { app: 'mine' } } },
    };
    await admin().request({
      method: 'POST',
      path: nsPath(ns, 'networkpolicies', NETPOL),
      body: foreign,
    });
    // The namespace joins the Tenant afterwards (as admission would tag it).
    await admin().request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}`,
      contentType: 'application/merge-patch+json',
      body: {
        metadata: {
          labels: { 'tenantry.io/tenant': name },
          ownerReferences: [
            { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', name, uid: stored.metadata.uid },
          ],
        },
      },
    });
    const cond = await eventually('Ready=False ChildConflict', async () => {
      const c = (await getTenant(name))?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.reason === 'ChildConflict' ? c : undefined;
    });
    expect(cond.status).to.equal('False');
    expect(cond.message).to.contain(`NetworkPolicy ${ns}/tenantry-networkpolicy-web`);
    const np = await get<{ spec: unknown; metadata: KubeObject['metadata'] }>(
      `${nsPath(ns, 'networkpolicies', NETPOL)}/tenantry-networkpolicy-web`,
    );
    expect(np?.spec).to.deep.include({ podSelector: { matchLabels: { app: 'mine' } } });
    expect(np?.metadata?.labels).to.equal(undefined);
    const events = await list<{ reason: string; type: string; involvedObject: { name: string } }>(
      '/api/v1/namespaces/default/events',
    );
    expect(
      events.some(
        (e) =>
          e.involvedObject.name === name && e.reason === 'ChildConflict' && e.type === 'Warning',
      ),
    ).to.equal(true);
    await del(`/api/v1/namespaces/${ns}`);
    await eventually('the Tenant to lose the namespace', async () =>
      (await getTenant(name))?.status?.size === 0 ? true : undefined,
    );
  });

  it('makes no writes after a restart against a converged cluster', async () => {
    const name = uniqueName('steady');
    const stored = await createTenant(
      tenant(
        name,
        withOwner('User', `${name}-alice`),
        withOwner('ServiceAccount', `${name}-ci/deployer`),
        withQuota('objects', { pods: 10, 'requests.memory': '1.5Gi' }),
        withQuota('shared', { 'count/configmaps': 40 }, 'Tenant'),
        withLimitRange('defaults', [
          { type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '10m' } },
        ]),
        withNetworkPolicy('web', {
          podSelector: { matchLabels: { app: 'web' } },
          ingress: [{ ports: [{ port: 8080 }] }],
          egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
        }),
        withRoleBinding('ci', 'edit', [
          { kind: 'ServiceAccount', name: 'builder', namespace: `${name}-ci` },
        ]),
        withMetadata({ 'example.com/team': 'a' }),
      ),
    );
    for (const s of ['a', 'b']) await createTenantNamespace(stored, `${name}-${s}`);
    await eventually('the Tenant to converge', async () => {
      const cur = await getTenant(name);
      const c = cur?.status?.conditions?.find((x) => x.type === 'Ready');
      const rq = await get<{ status?: { used?: Record<string, string> } }>(
        `${nsPath(`${name}-b`, 'resourcequotas')}/tenantry-resourcequota-shared`,
      );
      return c?.status === 'True' &&
        cur?.status?.size === 2 &&
        rq?.status?.used?.['count/configmaps'] !== undefined
        ? true
        : undefined;
    });
    // Let the tail of the convergence (quota allocations, status) settle.
    await new Promise((r) => setTimeout(r, 3000));
    const idleFrom = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 4000));
    expect(describeRequests(controllerRequests(idleFrom, true)), 'writes while idle').to.deep.equal(
      [],
    );

    await controller?.stop();
    const restartedAt = new Date().toISOString();
    controller = await startTenantController(controllerNs);
    await new Promise((r) => setTimeout(r, 5000));
    const all = controllerRequests(restartedAt);
    expect(
      describeRequests(all.filter((e) => !['get', 'list', 'watch'].includes(e.verb))),
      'writes',
    ).to.deep.equal([]);
    // Reads are the informers' LISTs and WATCHes (and discovery), nothing per object.
    expect(
      all
        .filter((e) => e.verb === 'get' && e.objectRef?.name !== undefined)
        .map((e) => e.requestURI),
    ).to.deep.equal([]);
    // …and the restarted controller is in charge: a deleted child comes back.
    const lr = `${nsPath(`${name}-a`, 'limitranges')}/tenantry-limitrange-defaults`;
    await del(lr);
    await eventually('the restarted controller to restore the LimitRange', () => get(lr), 15_000);
  });
});
