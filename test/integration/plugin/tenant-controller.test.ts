/**
 * `kubectl tenant` with the real controller running (tenant and admission modules): the admin
 * creates a tenant and adopts a namespace, the controller reconciles it (status, propagated
 * children, owner RBAC), and the owner then works with nothing but the RBAC the controller grants
 * and the admission webhook's tenant assignment. Deletion waits for the controller's finalizer.
 */
import { expect } from 'chai';
import { KubeClient } from '../../../controller/runtime/kube.js';
import { startController, type ControllerProcess } from '../../harness/controller.js';
import { freePort } from '../../harness/controlplane.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import { removeAdmissionConfig } from '../admission/helpers.js';
import { NAMESPACES, admin, cleanup, kt, ktOk, preparePlugin, readTenant } from './helpers.js';

interface Namespace {
  metadata: {
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
}

describe('kubectl tenant with the controller (tenant and admission modules)', function () {
  this.timeout(180_000);
  const tenant = uniqueName('ctl');
  const owner = uniqueName('ctl-owner');
  const dev = `${tenant}-dev`;
  const extra = `${tenant}-extra`;
  let controller: ControllerProcess | undefined;
  let adminConfig: string;
  let ownerConfig: string;
  let ownerClient: KubeClient;

  before(async () => {
    await preparePlugin();
    adminConfig = getPlane().kubeconfigPath;
    const identity = getPlane().makeUser(owner);
    ownerConfig = identity.kubeconfigPath;
    ownerClient = new KubeClient(identity.kubeConfig());
    const port = await freePort();
    controller = await startController(getPlane().plane, {
      namespace: uniqueName('kt-controller'),
      args: [
        '--controllers=tenant,admission',
        `--webhook-addr=127.0.0.1:${port}`,
        `--webhook-url=https://127.0.0.1:${port}`,
      ],
    });
    await controller.waitReady();
  });

  after(async () => {
    await controller?.stop();
    await removeAdmissionConfig();
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

  it("owner: ns create, and admission makes the namespace the tenant's; ns delete", async () => {
    // The API server picks up webhook configurations asynchronously.
    await eventually(
      'the mutating webhook to assign dry-run namespaces',
      async () => {
        const probe = await ownerClient.request<Namespace>({
          method: 'POST',
          path: NAMESPACES,
          query: { dryRun: 'All' },
          body: { metadata: { name: `${tenant}-probe`, labels: { 'tenantry.io/tenant': tenant } } },
        });
        return probe.metadata.ownerReferences?.some((r) => r.kind === 'Tenant') ? true : undefined;
      },
      60_000,
    );
    const r = await kt(ownerConfig, 'ns', 'create', extra, '--tenant', tenant);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`namespace/${extra} created in tenant ${tenant}\n`);
    expect(r.stderr, 'admission linked it: no warning').to.equal('');
    const listed = await eventually(
      'the new namespace in ns list',
      async () => {
        const out = await ktOk(ownerConfig, 'ns', 'list', '--tenant', tenant);
        return out.includes(extra) ? out : undefined;
      },
      60_000,
    );
    expect(listed).to.match(new RegExp(`^${extra}\\s+Active\\s+yes\\s+\\S+$`, 'm'));
    // The owner's get/delete RoleBinding in the new namespace comes from the controller.
    await eventually(
      'the owner to delete the new namespace',
      async () => {
        const d = await kt(ownerConfig, 'ns', 'delete', extra, '--timeout=60s');
        return d.code === 0 ? d.stdout : undefined;
      },
      90_000,
    );
  });

  it('admin: delete --yes waits until the finalizer has detached the namespaces (Retain)', async () => {
    // The previous test deleted a namespace; wait until the status no longer lists it.
    await eventually(
      'the Tenant status to list only the dev namespace',
      async () => {
        const g = await kt(adminConfig, 'get', tenant, '-o', 'json');
        const t = JSON.parse(g.stdout) as { status?: { namespaces?: string[] } };
        return JSON.stringify(t.status?.namespaces) === JSON.stringify([dev]) ? true : undefined;
      },
      90_000,
    );
    const r = await kt(adminConfig, 'delete', tenant, '--yes', '--timeout=90s');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(
      new RegExp(`deletionPolicy Retain: its 1 namespace \\(${dev}\\) will be kept`),
    );
    // --wait returned only when the Tenant was gone, so the namespace is already detached.
    const ns = await admin().request<Namespace>({ method: 'GET', path: `${NAMESPACES}/${dev}` });
    expect(ns.metadata.labels?.['tenantry.io/tenant']).to.equal(undefined);
    expect((ns.metadata.ownerReferences ?? []).filter((o) => o.kind === 'Tenant')).to.deep.equal(
      [],
    );
  });
});
