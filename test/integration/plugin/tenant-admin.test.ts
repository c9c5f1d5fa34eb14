/**
 * `kubectl tenant` as a cluster admin, through kubectl and the real executable: create (and the
 * Git round trip of --dry-run=client), list/get/export, cordon, owners, describe, delete, adopt
 * and move, errors and completion. No controller: status is written by the test where needed.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { Tenant } from '../../../crds/index.js';
import { getPlane } from '../../harness/shared.js';
import { uniqueName } from '../../helpers/names.js';
import {
  NAMESPACES,
  TENANTS,
  admin,
  cleanup,
  createTenant,
  createTenantNamespace,
  exec,
  kt,
  ktFails,
  ktOk,
  preparePlugin,
  readTenant,
  setStatusNamespaces,
} from './helpers.js';

interface Namespace {
  metadata: {
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
}

describe('kubectl tenant as an admin (real executable through kubectl)', function () {
  this.timeout(120_000);
  const tenants: string[] = [];
  const namespaces: string[] = [];
  let kubeconfig: string;

  const tenantName = (prefix: string): string => {
    const name = uniqueName(prefix);
    tenants.push(name);
    return name;
  };

  before(async () => {
    await preparePlugin();
    kubeconfig = getPlane().kubeconfigPath;
  });

  after(async () => {
    await cleanup(tenants, namespaces);
  });

  it('create --dry-run=client -o yaml contacts nothing and round-trips through kubectl apply --server-side', async () => {
    const name = tenantName('git');
    const args = [
      'create',
      name,
      '--owner=user:alice',
      '--owner=group:devs=admin,view',
      '--owner=sa:ci/deployer',
      '--namespace-quota=5',
      '--force-prefix',
      '--quota=count/configmaps=10',
      '--tenant-quota=requests.cpu=8',
      '--resource-quota=name=compute,hard=limits.cpu:4,limits.memory:8Gi,scope=Tenant',
      '--registry=ghcr.io/acme',
      '--deletion-policy=Delete',
      '--dry-run=client',
      '-o',
      'yaml',
    ];
    // A kubeconfig that does not exist: the dry run must not need one.
    const offline = await exec('kubectl', ['tenant', ...args], '/nonexistent/kubeconfig');
    expect(offline.code, offline.stderr).to.equal(0);
    const printed = parse(offline.stdout) as Tenant & Record<string, unknown>;
    expect(printed).to.not.have.property('status');
    expect(printed.metadata).to.deep.equal({ name });
    expect(printed.spec.owners).to.have.length(3);

    const piped = await exec(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `kubectl tenant ${args.join(' ')} | kubectl apply --server-side -f -`,
      ],
      kubeconfig,
    );
    expect(piped.code, piped.stderr).to.equal(0);
    expect(piped.stdout).to.contain(`tenant.tenantry.io/${name} serverside-applied`);

    const got = parse(await ktOk(kubeconfig, 'get', name, '-o', 'yaml')) as Tenant;
    expect(got.spec).to.deep.equal(printed.spec);
  });

  it('create, list, get -o json|name, and export for Git', async () => {
    const a = tenantName('lst-a');
    const b = tenantName('lst-b');
    expect(await ktOk(kubeconfig, 'create', b, '--owner', 'user:bob')).to.equal(
      `tenant.tenantry.io/${b} created\n`,
    );
    await ktOk(
      kubeconfig,
      'create',
      a,
      '--owner',
      'user:ann',
      '--owner',
      'group:g1',
      '--namespace-quota',
      '3',
    );
    const stored = await readTenant(a);
    const managers = (stored.metadata as { managedFields?: { manager: string }[] }).managedFields;
    expect(managers?.map((m) => m.manager)).to.include('kubectl-tenant');

    const table = await ktOk(kubeconfig, 'list');
    expect(table.split('\n')[0]).to.match(
      /^NAME\s+STATE\s+NAMESPACES\/QUOTA\s+OWNERS\s+READY\s+AGE$/,
    );
    const row = table.split('\n').find((l) => l.startsWith(`${a} `));
    expect(row).to.match(new RegExp(`^${a}\\s+\\S+\\s+0/3\\s+user:ann,group:g1\\s+\\S+\\s+\\d+s$`));

    expect(await ktOk(kubeconfig, 'get', a, '-o', 'name')).to.equal(`tenant.tenantry.io/${a}\n`);
    const json = JSON.parse(await ktOk(kubeconfig, 'get', a, '-o', 'json')) as Tenant;
    expect(json.metadata.uid).to.equal(stored.metadata.uid);
    const names = (await ktOk(kubeconfig, 'list', '-o', 'name')).trim().split('\n');
    expect(names).to.include.members([`tenant.tenantry.io/${a}`, `tenant.tenantry.io/${b}`]);

    const exported = await ktOk(kubeconfig, 'export');
    const docs = parseAllDocuments(exported).map(
      (d) => d.toJS() as Tenant & Record<string, unknown>,
    );
    const exportedNames = docs.map((d) => d.metadata.name ?? '');
    expect(exportedNames).to.deep.equal([...exportedNames].sort());
    const mine = docs.find((d) => d.metadata.name === a);
    expect(mine?.spec).to.deep.equal(stored.spec);
    for (const doc of docs) {
      expect(doc).to.not.have.property('status');
      expect(Object.keys(doc.metadata)).to.not.include.members([
        'uid',
        'resourceVersion',
        'managedFields',
        'creationTimestamp',
        'generation',
      ]);
    }
    // What export prints applies again as is.
    const reapplied = await exec(
      'kubectl',
      ['apply', '--server-side', '--dry-run=server', '-f', '-'],
      kubeconfig,
      exported,
    );
    expect(reapplied.code, reapplied.stderr).to.equal(0);
  });

  it('cordon/uncordon and owner add/remove change only their field', async () => {
    const name = tenantName('own');
    await createTenant(name, { owners: [{ kind: 'User', name: 'first' }] });
    expect(await ktOk(kubeconfig, 'cordon', name)).to.equal(
      `tenant.tenantry.io/${name} cordoned\n`,
    );
    expect((await readTenant(name)).spec.cordoned).to.equal(true);
    expect(await ktOk(kubeconfig, 'cordon', name)).to.contain('already cordoned');
    await ktOk(kubeconfig, 'uncordon', name);
    expect((await readTenant(name)).spec.cordoned).to.equal(false);

    await ktOk(kubeconfig, 'owner', 'add', name, 'group:ops', '--cluster-role', 'view');
    await ktOk(kubeconfig, 'owner', 'add', name, 'sa:ci/bot');
    expect(
      await ktOk(kubeconfig, 'owner', 'add', name, 'group:ops', '--cluster-role', 'view'),
    ).to.contain('already an owner');
    let owners = (await readTenant(name)).spec.owners;
    expect(owners).to.deep.equal([
      { kind: 'User', name: 'first', clusterRoles: ['admin'] },
      { kind: 'Group', name: 'ops', clusterRoles: ['view'] },
      { kind: 'ServiceAccount', name: 'bot', namespace: 'ci', clusterRoles: ['admin'] },
    ]);
    await ktOk(kubeconfig, 'owner', 'remove', name, 'user:first');
    owners = (await readTenant(name)).spec.owners;
    expect(owners.map((o) => o.name)).to.deep.equal(['ops', 'bot']);
    expect(await ktFails(kubeconfig, 'owner', 'remove', name, 'user:nobody')).to.match(
      /user:nobody is not an owner of tenant .*\(owners: group:ops, sa:ci\/bot\)/,
    );
  });

  it('describe shows the tree of namespaces, what each inherits, and the conditions', async () => {
    const name = tenantName('dsc');
    const tenant = await createTenant(name, {
      owners: [{ kind: 'User', name: 'dora' }],
      namespaceOptions: { quota: 4 },
    });
    const owned = `${name}-dev`;
    const labelOnly = `${name}-stray`;
    namespaces.push(owned, labelOnly);
    await createTenantNamespace(owned, tenant);
    await admin().request({
      method: 'POST',
      path: NAMESPACES,
      body: { metadata: { name: labelOnly, labels: { 'tenantry.io/tenant': name } } },
    });
    // A child as the controller propagates it.
    await admin().request({
      method: 'POST',
      path: `${NAMESPACES}/${owned}/resourcequotas`,
      body: {
        metadata: {
          name: 'compute',
          labels: { 'tenantry.io/tenant': name, 'tenantry.io/propagated-from': 'resourcequota' },
        },
        spec: { hard: { pods: '10' } },
      },
    });
    await admin().request({
      method: 'PATCH',
      path: `${TENANTS}/${name}/status`,
      body: {
        status: {
          state: 'Active',
          size: 1,
          namespaces: [owned],
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Reconciled',
              message: 'all good',
              lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            },
          ],
        },
      },
      contentType: 'application/merge-patch+json',
    });
    const out = await ktOk(kubeconfig, 'describe', name);
    expect(out).to.match(/^Name:\s+\S+$/m);
    expect(out).to.match(/^Namespaces:\s+1 of 4$/m);
    expect(out).to.contain(`├── ${owned}  Active\n│   └── ResourceQuota compute  pods=10\n`);
    expect(out).to.contain(
      `└── ${labelOnly}  Active  (labelled, but no ownerReference to the tenant: not a member)`,
    );
    expect(out).to.match(/^ {2}Ready\s+True\s+Reconciled\s+\d+s\s+all good$/m);
  });

  it('an unknown tenant gets close names; a bad flag value is named', async () => {
    const name = tenantName('suggest');
    await createTenant(name, { owners: [{ kind: 'User', name: 'x' }] });
    const typo = name.slice(0, -1);
    expect(await ktFails(kubeconfig, 'get', typo)).to.equal(
      `error: tenant "${typo}" not found; did you mean "${name}"?`,
    );
    expect(await ktFails(kubeconfig, 'create', 'x', '--owner', 'robot:r2')).to.match(
      /invalid subject "robot:r2": use user:NAME, group:NAME or sa:NAMESPACE\/NAME/,
    );
  });

  it('delete explains what happens to the namespaces and needs --yes when they would be deleted', async () => {
    const keep = tenantName('del-keep');
    await createTenant(keep, { owners: [{ kind: 'User', name: 'x' }] });
    const retained = await kt(kubeconfig, 'delete', keep);
    expect(retained.code, retained.stderr).to.equal(0);
    expect(retained.stderr).to.contain('deletionPolicy Retain');
    expect(retained.stdout).to.equal(`tenant.tenantry.io "${keep}" deleted\n`);

    const drop = tenantName('del-drop');
    const tenant = await createTenant(drop, {
      owners: [{ kind: 'User', name: 'x' }],
      deletionPolicy: 'Delete',
    });
    const ns = `${drop}-a`;
    namespaces.push(ns);
    await createTenantNamespace(ns, tenant);
    await setStatusNamespaces(drop, [ns]);
    expect(await ktFails(kubeconfig, 'delete', drop)).to.equal(
      `error: refusing to delete tenant "${drop}" and its namespaces without confirmation: pass --yes`,
    );
    const refused = await kt(kubeconfig, 'delete', drop);
    expect(refused.stderr).to.contain(
      `its 1 namespace (${ns}) and everything in them will be DELETED`,
    );
    expect((await readTenant(drop)).metadata.uid).to.equal(tenant.metadata.uid);
    await ktOk(kubeconfig, 'delete', drop, '--dry-run=server', '--yes');
    expect((await readTenant(drop)).metadata.uid).to.equal(tenant.metadata.uid);
    await ktOk(kubeconfig, 'delete', drop, '--yes');
    const gone = await admin()
      .request({ method: 'GET', path: `${TENANTS}/${drop}` })
      .then(
        () => false,
        (err: { code?: number }) => err.code === 404,
      );
    expect(gone).to.equal(true);

    const held = tenantName('del-held');
    await createTenant(held, { owners: [{ kind: 'User', name: 'x' }], preventDeletion: true });
    expect(await ktFails(kubeconfig, 'delete', held, '--yes')).to.contain(
      'spec.preventDeletion=true',
    );
  });

  it('ns adopt and ns move relink a namespace in place (label + ownerReference, same UID)', async () => {
    const from = tenantName('adopt');
    const to = tenantName('move');
    const t1 = await createTenant(from, { owners: [{ kind: 'User', name: 'x' }] });
    const t2 = await createTenant(to, { owners: [{ kind: 'User', name: 'y' }] });
    const ns = uniqueName('legacy');
    namespaces.push(ns);
    const created = await admin().request<Namespace>({
      method: 'POST',
      path: NAMESPACES,
      body: { metadata: { name: ns } },
    });
    expect(await ktOk(kubeconfig, 'ns', 'adopt', ns, '--tenant', from)).to.equal(
      `namespace/${ns} adopted by tenant ${from}\n`,
    );
    let now = await admin().request<Namespace>({ method: 'GET', path: `${NAMESPACES}/${ns}` });
    expect(now.metadata.uid).to.equal(created.metadata.uid);
    expect(now.metadata.labels?.['tenantry.io/tenant']).to.equal(from);
    expect(now.metadata.ownerReferences).to.deep.equal([
      { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', name: from, uid: t1.metadata.uid },
    ]);
    expect(await ktFails(kubeconfig, 'ns', 'adopt', ns, '--tenant', to)).to.contain(
      `belongs to tenant "${from}": to move it, run kubectl tenant ns move ${ns} --to ${to}`,
    );
    await ktOk(kubeconfig, 'ns', 'move', ns, '--to', to);
    now = await admin().request<Namespace>({ method: 'GET', path: `${NAMESPACES}/${ns}` });
    expect(now.metadata.uid).to.equal(created.metadata.uid);
    expect(now.metadata.labels?.['tenantry.io/tenant']).to.equal(to);
    expect(now.metadata.ownerReferences).to.deep.equal([
      { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', name: to, uid: t2.metadata.uid },
    ]);
    const listed = await ktOk(kubeconfig, 'ns', 'list', '--tenant', to);
    expect(listed).to.match(new RegExp(`^${ns}\\s+Active\\s+yes\\s+\\d+s$`, 'm'));
    expect(await ktFails(kubeconfig, 'ns', 'adopt', 'kube-system', '--tenant', to)).to.contain(
      'system namespace',
    );
  });

  it('names the kubeconfig, context and server when the cluster is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-offline-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: someone, user: {token: abc}}]',
        'contexts: [{name: offline, context: {cluster: nowhere, user: someone}}]',
        'current-context: offline',
      ].join('\n'),
    );
    expect(await ktFails(file, 'list')).to.equal(
      `error: cannot reach the API server https://127.0.0.1:1 (context "offline" of kubeconfig ${file}): connection refused (is the API server running?)`,
    );
    expect(await ktFails(file, 'list', '--context', 'other')).to.equal(
      `error: context "other" not found in kubeconfig ${file}`,
    );
  });

  it('completes commands and tenant names through kubectl __complete', async () => {
    const name = tenantName('cmp');
    await createTenant(name, { owners: [{ kind: 'User', name: 'x' }] });
    const top = await exec('kubectl', ['__complete', 'tenant', ''], kubeconfig);
    expect(top.code, top.stderr).to.equal(0);
    expect(top.stdout).to.match(/^create\tCreate a tenant$/m);
    expect(top.stdout).to.match(/^:4$/m);
    const names = await exec(
      'kubectl',
      ['__complete', 'tenant', 'describe', name.slice(0, 5)],
      kubeconfig,
    );
    expect(names.stdout).to.match(new RegExp(`^${name}(\\t.*)?$`, 'm'));
    const ns = await exec('kubectl', ['__complete', 'tenant', 'ns', ''], kubeconfig);
    expect(ns.stdout).to.match(/^adopt\t/m);
  });
});
