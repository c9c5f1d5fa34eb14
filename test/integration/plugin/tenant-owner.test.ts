/**
 * `kubectl tenant` as a tenant owner who holds only what an owner gets: `get` on their own
 * Tenant (by resourceName) and, in each of the tenant's namespaces, get/patch/delete on the namespace
 * and `admin`. No cluster-wide list of anything. Also impersonation with --as/--as-group.
 */
import { expect } from 'chai';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import {
  NAMESPACES,
  admin,
  cleanup,
  clusterGrant,
  createTenant,
  createTenantNamespace,
  ktFails,
  ktOk,
  namespaceGrant,
  preparePlugin,
  setStatusNamespaces,
} from './helpers.js';

describe('kubectl tenant as an owner without cluster-wide list rights', function () {
  this.timeout(120_000);
  const tenant = uniqueName('own');
  const other = uniqueName('other');
  const owner = uniqueName('owner');
  const nsA = `${tenant}-a`;
  const nsB = `${tenant}-b`;
  const roles: string[] = [];
  let kubeconfig: string;

  before(async () => {
    await preparePlugin();
    const t = await createTenant(tenant, { owners: [{ kind: 'User', name: owner }] });
    await createTenant(other, { owners: [{ kind: 'User', name: 'someone-else' }] });
    for (const ns of [nsA, nsB]) await createTenantNamespace(ns, t);
    await setStatusNamespaces(tenant, [nsA, nsB]);
    // What the Tenant controller grants an owner (the test stands in for it).
    const getTenant = `kt-get-${tenant}`;
    const selfNs = `kt-ns-${tenant}`;
    roles.push(getTenant, selfNs);
    await clusterGrant(
      getTenant,
      [
        {
          apiGroups: ['tenantry.io'],
          resources: ['tenants'],
          resourceNames: [tenant],
          verbs: ['get'],
        },
      ],
      owner,
    );
    await admin().request({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      body: {
        metadata: { name: selfNs },
        rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch', 'delete'] }],
      },
    });
    for (const ns of [nsA, nsB]) {
      await namespaceGrant(ns, selfNs, owner);
      await namespaceGrant(ns, 'admin', owner);
    }
    await admin().request({
      method: 'POST',
      path: `${NAMESPACES}/${nsA}/resourcequotas`,
      body: {
        metadata: {
          name: 'objects',
          labels: { 'tenantry.io/tenant': tenant, 'tenantry.io/propagated-from': 'resourcequota' },
        },
        spec: { hard: { pods: '5' } },
      },
    });
    kubeconfig = getPlane().makeUser(owner).kubeconfigPath;
  });

  after(async () => {
    await cleanup([tenant, other], [nsA, nsB]);
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    for (const role of roles) {
      await admin()
        .request({ method: 'DELETE', path: `${rbac}/clusterrolebindings/${role}` })
        .catch(() => undefined);
      await admin()
        .request({ method: 'DELETE', path: `${rbac}/clusterroles/${role}` })
        .catch(() => undefined);
    }
  });

  it('ns list finds the namespaces through the Tenant status, with --tenant or -n', async () => {
    const byFlag = await ktOk(kubeconfig, 'ns', 'list', '--tenant', tenant);
    expect(byFlag).to.match(/^NAME\s+STATUS\s+OWNED\s+AGE$/m);
    expect(byFlag).to.match(new RegExp(`^${nsA}\\s+Active\\s+yes\\s+\\S+$`, 'm'));
    expect(byFlag).to.match(new RegExp(`^${nsB}\\s+Active\\s+yes\\s+\\S+$`, 'm'));
    const byNamespace = await ktOk(kubeconfig, 'ns', 'list', '-n', nsB, '-o', 'name');
    expect(byNamespace).to.equal(`namespace/${nsA}\nnamespace/${nsB}\n`);
    expect(await ktFails(kubeconfig, 'ns', 'list')).to.equal(
      "error: cannot tell which tenant: you may not list tenants; pass --tenant NAME (or -n with one of the tenant's namespaces)",
    );
  });

  it('a denial names the missing permission', async () => {
    expect(await ktFails(kubeconfig, 'list')).to.equal(
      `error: permission denied: user "${owner}" cannot list tenants.tenantry.io at the cluster scope; ` +
        'missing RBAC rule verbs=[list] apiGroups=["tenantry.io"] resources=[tenants] (in a ClusterRole bound with a ClusterRoleBinding); ' +
        'owners cannot list tenants: use kubectl tenant get NAME, or kubectl tenant ns list --tenant NAME',
    );
    expect(await ktFails(kubeconfig, 'get', other)).to.contain(
      `permission denied: user "${owner}" cannot get tenants.tenantry.io "${other}" at the cluster scope; missing RBAC rule verbs=[get] apiGroups=["tenantry.io"] resources=[tenants] resourceNames=[${other}]`,
    );
    expect(await ktFails(kubeconfig, 'ns', 'adopt', 'default-x', '--tenant', tenant)).to.match(
      new RegExp(`permission denied: user "${owner}" cannot get namespaces "default-x"`),
    );
  });

  it('get and describe work with per-namespace rights', async () => {
    expect(await ktOk(kubeconfig, 'get', tenant)).to.match(
      new RegExp(`^${tenant}\\s+Active\\s+2/-\\s+user:${owner}\\s+-\\s+\\S+$`, 'm'),
    );
    const described = await ktOk(kubeconfig, 'describe', tenant);
    expect(described).to.contain(`├── ${nsA}  Active\n│   └── ResourceQuota objects  pods=5\n`);
    expect(described).to.contain(`└── ${nsB}  Active\n    └── (nothing propagated yet)\n`);
  });

  it('ns delete deletes a namespace of the tenant and waits until it is gone', async () => {
    expect(await ktOk(kubeconfig, 'ns', 'delete', nsB, '--dry-run=server')).to.equal(
      `namespace "${nsB}" deleted (server dry run)\n`,
    );
    expect(await ktOk(kubeconfig, 'ns', 'delete', nsB, '--timeout', '60s')).to.equal(
      `namespace "${nsB}" deleted\n`,
    );
    await eventually('namespace gone', () =>
      admin()
        .request({ method: 'GET', path: `${NAMESPACES}/${nsB}` })
        .then(
          () => undefined,
          (err: { code?: number }) => (err.code === 404 ? true : undefined),
        ),
    );
    expect(await ktFails(kubeconfig, 'ns', 'delete', 'kube-system')).to.match(
      /permission denied: user ".*" cannot get namespaces "kube-system"/,
    );
  });

  it('impersonation: --as and repeated --as-group reach the API server', async () => {
    const group = uniqueName('listers');
    const role = `kt-list-${group}`;
    roles.push(role);
    await admin().request({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      body: {
        metadata: { name: role },
        rules: [{ apiGroups: ['tenantry.io'], resources: ['tenants'], verbs: ['list'] }],
      },
    });
    await admin().request({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: {
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'Group', name: group, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    const adminConfig = getPlane().kubeconfigPath;
    expect(await ktFails(adminConfig, 'list', '--as', 'nobody', '--as-group', 'first')).to.contain(
      'user "nobody" cannot list tenants.tenantry.io',
    );
    await eventually('RBAC to propagate', async () => {
      const out = await ktOk(
        adminConfig,
        'list',
        '--as',
        'nobody',
        '--as-group',
        'first',
        '--as-group',
        group,
        '-o',
        'name',
      );
      return out.includes(`tenant.tenantry.io/${tenant}`) ? true : undefined;
    });
  });
});
