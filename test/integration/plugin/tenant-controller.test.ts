/**
 * `kubectl tenant` with the real Tenant controller running: the admin creates a tenant and
 * adopts a namespace, the controller reconciles it (status, propagated children, owner RBAC), and
 * the owner then works with nothing but the RBAC the controller grants. Deletion waits for the
 * controller's finalizer to carry out the deletionPolicy.
 */
import { expect } from 'chai';
import { startController, type ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import { NAMESPACES, admin, cleanup, kt, ktOk, preparePlugin, readTenant } from './helpers.js';

interface Namespace {
  metadata: {
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
}

describe('kubectl tenant with the Tenant controller', function () {
  this.timeout(180_000);
  const tenant = uniqueName('ctl');
  const owner = uniqueName('ctl-owner');
  const dev = `${tenant}-dev`;
  const extra = `${tenant}-extra`;
  let controller: ControllerProcess | undefined;
  let adminConfig: string;
  let ownerConfig: string;

  before(async () => {
    await preparePlugin();
    adminConfig = getPlane().kubeconfigPath;
    ownerConfig = getPlane().makeUser(owner).kubeconfigPath;
    controller = await startController(getPlane().plane, {
      namespace: uniqueName('kt-controller'),
      args: ['--controllers=tenant'],
    });
    await controller.waitReady();
  });

  after(async () => {
    await controller?.stop();
    await cleanup([tenant], [dev, extra]);
  });

  it('admin: create, adopt a namespace, and see the controller report Ready', async () => {
    await ktOk(
      adminConfig,
      'create',
      tenant,
      `--owner=user:${owner}`,
      '--namespace-quota=3',
      '--quota=pods=10',
    );
    await admin().request({ method: 'POST', path: NAMESPACES, body: { metadata: { name: dev } } });
    await ktOk(adminConfig, 'ns', 'adopt', dev, '--tenant', tenant);
    await eventually(
      'the tenant to be Ready with its namespace',
      async () => {
        const t = await readTenant(tenant);
        const ready = t.status?.conditions?.find((c) => c.type === 'Ready')?.status;
        return ready === 'True' && t.status?.namespaces?.includes(dev) ? true : undefined;
      },
      60_000,
    );
    const row = (await ktOk(adminConfig, 'get', tenant)).split('\n')[1] ?? '';
    expect(row).to.match(
      new RegExp(`^${tenant}\\s+Active\\s+1/3\\s+user:${owner}\\s+True\\s+\\S+$`),
    );
  });

  it('owner: ns list and describe with only the RBAC the controller grants', async () => {
    // The controller's owner RBAC (RoleBindings in the namespace) may land just after Ready.
    const listed = await eventually('the owner to list the namespaces', async () => {
      const r = await kt(ownerConfig, 'ns', 'list', '--tenant', tenant);
      return r.code === 0 ? r.stdout : undefined;
    });
    expect(listed).to.match(new RegExp(`^${dev}\\s+Active\\s+yes\\s+\\S+$`, 'm'));
    const described = await eventually('propagated children to show', async () => {
      const r = await kt(ownerConfig, 'describe', tenant);
      return r.code === 0 &&
        r.stdout.includes('ResourceQuota tenantry-resourcequota-namespace  pods=10')
        ? r.stdout
        : undefined;
    });
    expect(described).to.match(/^Ready:\s+True/m);
    expect(described).to.match(new RegExp(`RoleBinding \\S+  ClusterRole admin → user:${owner}`));
    expect(described).to.not.contain('(cannot list');
    // Owners may not list tenants, so without --tenant the tenant comes from -n.
    expect(await ktOk(ownerConfig, 'ns', 'list', '-n', dev, '-o', 'name')).to.equal(
      `namespace/${dev}\n`,
    );
  });

  it('owner: ns create makes a labelled namespace (admission links it; warned without)', async () => {
    const r = await kt(ownerConfig, 'ns', 'create', extra, '--tenant', tenant);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`namespace/${extra} created in tenant ${tenant}\n`);
    const ns = await admin().request<Namespace>({ method: 'GET', path: `${NAMESPACES}/${extra}` });
    expect(ns.metadata.labels?.['tenantry.io/tenant']).to.equal(tenant);
    const linked = (ns.metadata.ownerReferences ?? []).some((o) => o.kind === 'Tenant');
    expect(r.stderr.includes('has no ownerReference'), r.stderr).to.equal(!linked);
  });

  it('admin: delete --yes waits until the finalizer has detached the namespaces (Retain)', async () => {
    const r = await kt(adminConfig, 'delete', tenant, '--yes', '--timeout=90s');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.contain(`deletionPolicy Retain: its 1 namespace (${dev}) will be kept`);
    // --wait returned only when the Tenant was gone, so the namespace is already detached.
    const ns = await admin().request<Namespace>({ method: 'GET', path: `${NAMESPACES}/${dev}` });
    expect(ns.metadata.labels?.['tenantry.io/tenant']).to.equal(undefined);
    expect((ns.metadata.ownerReferences ?? []).filter((o) => o.kind === 'Tenant')).to.deep.equal(
      [],
    );
  });
});
