import { expect } from 'chai';
import { parse } from 'yaml';
import type { Tenant } from '../../../crds/index.js';
import { FakeCluster, runTenant } from './fake.js';

function cluster(): FakeCluster {
  const c = new FakeCluster();
  c.tenant(
    'acme',
    {
      owners: [
        { kind: 'User', name: 'alice', clusterRoles: ['admin'] },
        { kind: 'Group', name: 'devs', clusterRoles: ['admin', 'view'] },
      ],
      namespaceOptions: { quota: 5 },
    },
    {
      state: 'Active',
      size: 2,
      namespaces: ['acme-dev', 'acme-prod'],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Reconciled',
          message: '',
          lastTransitionTime: '2026-01-02T03:04:05Z',
        },
      ],
    },
  );
  c.tenant(
    'beta',
    { deletionPolicy: 'Delete' },
    { state: 'Cordoned', size: 1, namespaces: ['beta-x'] },
  );
  c.ownedNamespace('acme-dev', 'acme');
  c.ownedNamespace('acme-prod', 'acme');
  c.ownedNamespace('beta-x', 'beta');
  return c;
}

describe('kubectl tenant run(): commands against an in-memory API server', () => {
  describe('create', () => {
    it('--dry-run=client -o yaml prints the Tenant without contacting anything', async () => {
      const r = await runTenant([
        'create',
        'acme',
        '--owner',
        'user:alice',
        '--namespace-quota',
        '3',
        '--dry-run=client',
        '-o',
        'yaml',
      ]);
      expect(r.stderr).to.equal('');
      expect(r.code).to.equal(0);
      expect(r.stdout).to.equal(
        [
          'apiVersion: tenantry.io/v1alpha1',
          'kind: Tenant',
          'metadata:',
          '  name: acme',
          'spec:',
          '  cordoned: false',
          '  deletionPolicy: Retain',
          '  namespaceOptions:',
          '    forceTenantPrefix: false',
          '    quota: 3',
          '  owners:',
          '  - clusterRoles:',
          '    - admin',
          '    kind: User',
          '    name: alice',
          '  preventDeletion: false',
          '',
        ].join('\n'),
      );
    });

    it('sends the Tenant with field manager kubectl-tenant and prints like kubectl', async () => {
      const c = new FakeCluster();
      const r = await runTenant(['create', 'gamma', '--owner', 'group:ops', '--cordoned'], {
        cluster: c,
      });
      expect(r.stdout).to.equal('tenant.tenantry.io/gamma created\n');
      const post = c.requests.find((q) => q.method === 'POST');
      expect(post?.query).to.deep.include({ fieldManager: 'kubectl-tenant' });
      expect((c.get('tenants', 'gamma') as unknown as Tenant).spec.cordoned).to.equal(true);
      const again = await runTenant(['create', 'gamma', '--owner', 'group:ops'], { cluster: c });
      expect(again.code).to.equal(1);
      expect(again.stderr).to.equal('error: tenant "gamma" already exists\n');
    });

    it('--dry-run=server asks the API server with dryRun=All and stores nothing', async () => {
      const c = new FakeCluster();
      const r = await runTenant(['create', 'gamma', '--owner', 'user:u', '--dry-run=server'], {
        cluster: c,
      });
      expect(r.stdout).to.equal('tenant.tenantry.io/gamma created (server dry run)\n');
      expect(c.get('tenants', 'gamma')).to.equal(undefined);
    });
  });

  describe('list, get, export', () => {
    it('list prints the table', async () => {
      const r = await runTenant(['list'], { cluster: cluster() });
      expect(r.stdout).to.equal(
        [
          'NAME   STATE      NAMESPACES/QUOTA   OWNERS                  READY   AGE',
          'acme   Active     2/5                user:alice,group:devs   True    5m',
          'beta   Cordoned   1/-                user:alice              -       5m',
          '',
        ].join('\n'),
      );
    });

    it('get -o name, -o json, -o yaml; list -o json is a v1 List', async () => {
      const c = cluster();
      expect((await runTenant(['get', 'acme', '-o', 'name'], { cluster: c })).stdout).to.equal(
        'tenant.tenantry.io/acme\n',
      );
      const json = JSON.parse(
        (await runTenant(['get', 'acme', '-o', 'json'], { cluster: c })).stdout,
      ) as Tenant;
      expect(json.metadata.uid).to.equal('uid-acme');
      const yaml = parse(
        (await runTenant(['get', 'acme', '-o', 'yaml'], { cluster: c })).stdout,
      ) as Tenant;
      expect(yaml.spec).to.deep.equal(json.spec);
      const list = JSON.parse((await runTenant(['list', '-o', 'json'], { cluster: c })).stdout) as {
        kind: string;
        items: Tenant[];
      };
      expect(list.kind).to.equal('List');
      expect(list.items.map((t) => t.metadata.name)).to.deep.equal(['acme', 'beta']);
      const bad = await runTenant(['get', 'acme', '-o', 'wide'], { cluster: c });
      expect(bad.stderr).to.equal(
        'error: unsupported output format "wide": use table, yaml, json, name\n',
      );
    });

    it('an unknown tenant suggests close names when the caller may list', async () => {
      const c = cluster();
      const r = await runTenant(['get', 'acm'], { cluster: c });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal('error: tenant "acm" not found; did you mean "acme"?\n');
      c.deny('list', 'tenants');
      const owner = await runTenant(['get', 'acm'], { cluster: c });
      expect(owner.stderr).to.equal('error: tenant "acm" not found\n');
    });

    it('export strips server fields, status and the controller finalizer', async () => {
      const c = cluster();
      const t = c.get('tenants', 'acme');
      Object.assign(t?.metadata ?? {}, {
        generation: 3,
        managedFields: [{ manager: 'x' }],
        finalizers: ['tenantry.io/finalizer'],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        labels: { team: 'a' },
      });
      const r = await runTenant(['export'], { cluster: c });
      expect(r.stdout).to.match(
        /^apiVersion: tenantry.io\/v1alpha1\nkind: Tenant\nmetadata:\n {2}labels:\n {4}team: a\n {2}name: acme\nspec:/,
      );
      expect(r.stdout).to.contain(
        '\n---\napiVersion: tenantry.io/v1alpha1\nkind: Tenant\nmetadata:\n  name: beta\n',
      );
      for (const field of [
        'status',
        'uid',
        'resourceVersion',
        'creationTimestamp',
        'generation',
        'managedFields',
        'finalizers',
        'last-applied',
      ]) {
        expect(r.stdout).to.not.contain(field);
      }
    });
  });

  describe('errors in plain words', () => {
    it('an RBAC denial names user, verb, resource, scope and the missing rule', async () => {
      const c = cluster();
      c.user = 'bob';
      c.deny('list', 'tenants');
      const r = await runTenant(['list'], { cluster: c });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        'error: permission denied: user "bob" cannot list tenants.tenantry.io at the cluster scope; ' +
          'missing RBAC rule verbs=[list] apiGroups=["tenantry.io"] resources=[tenants] (in a ClusterRole bound with a ClusterRoleBinding); ' +
          'owners cannot list tenants: use kubectl tenant get NAME, or kubectl tenant ns list --tenant NAME\n',
      );
      c.deny('patch', 'tenants', 'acme');
      const patch = await runTenant(['cordon', 'acme'], { cluster: c });
      expect(patch.stderr).to.contain(
        'user "bob" cannot patch tenants.tenantry.io "acme" at the cluster scope; missing RBAC rule verbs=[patch] apiGroups=["tenantry.io"] resources=[tenants] resourceNames=[acme]',
      );
    });

    it('a connection failure is one line', async () => {
      const c = cluster();
      c.unreachable = true;
      const r = await runTenant(['list'], { cluster: c });
      expect(r.stderr).to.match(
        /^error: cannot reach the API server https:\/\/fake.example:6443 \(context "fake" of kubeconfig \/fake\/config\): connection refused\n$/,
      );
    });
  });

  describe('owners and cordoning', () => {
    it('owner add appends with a JSON patch guarded by resourceVersion; remove takes one out', async () => {
      const c = cluster();
      const add = await runTenant(['owner', 'add', 'acme', 'sa:ci/bot', '--cluster-role', 'edit'], {
        cluster: c,
      });
      expect(add.stdout).to.equal('tenant.tenantry.io/acme: owner sa:ci/bot added (edit)\n');
      const patch = c.requests.find((q) => q.method === 'PATCH');
      expect(patch?.contentType).to.equal('application/json-patch+json');
      expect(patch?.query).to.deep.include({ fieldManager: 'kubectl-tenant' });
      expect(patch?.parsedBody).to.deep.equal([
        { op: 'test', path: '/metadata/resourceVersion', value: '1' },
        {
          op: 'add',
          path: '/spec/owners/-',
          value: { kind: 'ServiceAccount', name: 'bot', namespace: 'ci', clusterRoles: ['edit'] },
        },
      ]);
      const remove = await runTenant(['owner', 'remove', 'acme', 'group:devs'], { cluster: c });
      expect(remove.stdout).to.equal('tenant.tenantry.io/acme: owner group:devs removed\n');
      const owners = (c.get('tenants', 'acme') as unknown as Tenant).spec.owners.map((o) => o.name);
      expect(owners).to.deep.equal(['alice', 'bot']);
      const last = await runTenant(['owner', 'remove', 'beta', 'user:alice'], { cluster: c });
      expect(last.stderr).to.contain('user:alice is the only owner of tenant "beta"');
    });

    it('cordon patches spec.cordoned once; a second cordon changes nothing', async () => {
      const c = cluster();
      expect((await runTenant(['cordon', 'acme'], { cluster: c })).stdout).to.equal(
        'tenant.tenantry.io/acme cordoned\n',
      );
      expect((c.get('tenants', 'acme') as unknown as Tenant).spec.cordoned).to.equal(true);
      const patches = c.requests.filter((q) => q.method === 'PATCH').length;
      expect((await runTenant(['cordon', 'acme'], { cluster: c })).stdout).to.equal(
        'tenant.tenantry.io/acme already cordoned\n',
      );
      expect(c.requests.filter((q) => q.method === 'PATCH').length).to.equal(patches);
    });
  });

  describe('delete', () => {
    it('needs --yes without a terminal when namespaces would be deleted', async () => {
      const c = cluster();
      const r = await runTenant(['delete', 'beta'], { cluster: c });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        'tenant "beta" has deletionPolicy Delete: its 1 namespace (beta-x) and everything in them will be DELETED\n' +
          'error: refusing to delete tenant "beta" and its namespaces without confirmation: pass --yes\n',
      );
      expect(c.get('tenants', 'beta')).to.not.equal(undefined);
    });

    it('asks on a terminal and deletes only after the tenant name is typed', async () => {
      const c = cluster();
      const wrong = await runTenant(['delete', 'beta'], { cluster: c, tty: true, stdin: 'yes\n' });
      expect(wrong.stderr).to.contain('error: aborted: nothing was deleted');
      const right = await runTenant(['delete', 'beta'], { cluster: c, tty: true, stdin: 'beta\n' });
      expect(right.stdout).to.equal('tenant.tenantry.io "beta" deleted\n');
      const del = c.requests.find((q) => q.method === 'DELETE');
      expect(del?.parsedBody).to.deep.include({ preconditions: { uid: 'uid-beta' } });
      expect(c.get('tenants', 'beta')).to.equal(undefined);
    });

    it('Retain explains that namespaces are kept; --dry-run sends nothing destructive', async () => {
      const c = cluster();
      const dry = await runTenant(['delete', 'acme', '--dry-run=client'], { cluster: c });
      expect(dry.stderr).to.contain(
        'its 2 namespaces (acme-dev, acme-prod) will be kept and detached',
      );
      expect(dry.stdout).to.equal('tenant.tenantry.io "acme" deleted (dry run)\n');
      const server = await runTenant(['delete', 'acme', '--dry-run=server'], { cluster: c });
      expect(server.stdout).to.equal('tenant.tenantry.io "acme" deleted (server dry run)\n');
      expect(c.requests.find((q) => q.method === 'DELETE')?.parsedBody).to.deep.include({
        dryRun: ['All'],
      });
      expect(c.get('tenants', 'acme')).to.not.equal(undefined);
    });
  });

  describe('ns', () => {
    it('ns list as an owner: list is forbidden, so it reads status and gets each namespace', async () => {
      const c = cluster();
      c.deny('list', 'namespaces');
      c.deny('list', 'tenants');
      const r = await runTenant(['ns', 'list', '--tenant', 'acme'], { cluster: c });
      expect(r.stdout).to.equal(
        [
          'NAME        STATUS   OWNED   AGE',
          'acme-dev    Active   yes     5m',
          'acme-prod   Active   yes     5m',
          '',
        ].join('\n'),
      );
      const byNs = await runTenant(['ns', 'list', '-n', 'acme-prod', '-o', 'name'], { cluster: c });
      expect(byNs.stdout).to.equal('namespace/acme-dev\nnamespace/acme-prod\n');
      const none = await runTenant(['ns', 'list'], { cluster: c });
      expect(none.stderr).to.equal(
        "error: cannot tell which tenant: you may not list tenants; pass --tenant NAME (or -n with one of the tenant's namespaces)\n",
      );
    });

    it('ns list without --tenant picks the only tenant the caller owns', async () => {
      const c = cluster();
      c.user = 'carol';
      c.tenant('gamma', { owners: [{ kind: 'Group', name: 'carols', clusterRoles: ['admin'] }] });
      c.groups = ['carols'];
      const r = await runTenant(['ns', 'list'], { cluster: c });
      expect(r.stderr).to.equal('Tenant gamma has no namespaces.\n');
    });

    it('ns create labels the namespace and warns when admission did not link it', async () => {
      const c = cluster();
      const r = await runTenant(['ns', 'create', 'acme-test', '--tenant', 'acme'], { cluster: c });
      expect(r.stdout).to.equal('namespace/acme-test created in tenant acme\n');
      expect(r.stderr).to.contain('has no ownerReference to tenant acme yet');
      expect(c.get('namespaces', 'acme-test')?.metadata['labels']).to.deep.equal({
        'tenantry.io/tenant': 'acme',
      });
    });

    it('ns create checks prefix, quota and cordoning before asking', async () => {
      const c = new FakeCluster();
      c.tenant(
        'p',
        { namespaceOptions: { forceTenantPrefix: true, quota: 1 } },
        { size: 0, namespaces: [] },
      );
      expect(
        (await runTenant(['ns', 'create', 'dev', '--tenant', 'p'], { cluster: c })).stderr,
      ).to.equal('error: tenant "p" requires namespace names starting with "p-": try p-dev\n');
      c.tenant('q', { namespaceOptions: { quota: 1 } }, { size: 1, namespaces: ['q-1'] });
      expect(
        (await runTenant(['ns', 'create', 'q-2', '--tenant', 'q'], { cluster: c })).stderr,
      ).to.equal('error: tenant "q" already has 1 of 1 namespaces (spec.namespaceOptions.quota)\n');
      c.tenant('r', { cordoned: true });
      expect(
        (await runTenant(['ns', 'create', 'r-1', '--tenant', 'r'], { cluster: c })).stderr,
      ).to.contain('tenant "r" is cordoned');
    });

    it('ns delete refuses a namespace that is labelled but not owned', async () => {
      const c = cluster();
      c.add('namespaces', {
        metadata: { name: 'fake-acme', labels: { 'tenantry.io/tenant': 'acme' } },
      });
      const r = await runTenant(['ns', 'delete', 'fake-acme'], { cluster: c });
      expect(r.stderr).to.contain('has no matching ownerReference');
      const ok = await runTenant(['ns', 'delete', 'acme-dev', '--wait=false'], { cluster: c });
      expect(ok.stdout).to.equal('namespace "acme-dev" deleted\n');
      expect(c.get('namespaces', 'acme-dev')).to.equal(undefined);
    });

    it('ns move rewrites label and ownerReference with a guarded merge patch', async () => {
      const c = cluster();
      const r = await runTenant(['ns', 'move', 'acme-dev', '--to', 'beta'], { cluster: c });
      expect(r.stdout).to.equal('namespace/acme-dev moved from tenant acme to tenant beta\n');
      const ns = c.get('namespaces', 'acme-dev');
      expect(ns?.metadata['labels']).to.deep.equal({ 'tenantry.io/tenant': 'beta' });
      expect(ns?.metadata['ownerReferences']).to.deep.equal([
        { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', name: 'beta', uid: 'uid-beta' },
      ]);
      expect(ns?.metadata['uid']).to.equal('uid-acme-dev');
      const patch = c.requests.find((q) => q.method === 'PATCH');
      expect(patch?.parsedBody).to.have.nested.property('metadata.resourceVersion');
    });
  });

  describe('describe', () => {
    it('renders settings, the namespace tree with inherited objects, and conditions', async () => {
      const c = cluster();
      c.add(
        'resourcequotas',
        {
          metadata: {
            name: 'compute',
            labels: {
              'tenantry.io/tenant': 'acme',
              'tenantry.io/propagated-from': 'resourcequota',
            },
          },
          spec: { hard: { pods: '10' } },
        },
        'acme-dev',
      );
      c.add(
        'rolebindings',
        {
          metadata: {
            name: 'owner-alice',
            labels: { 'tenantry.io/tenant': 'acme', 'tenantry.io/propagated-from': 'rolebinding' },
          },
          roleRef: { kind: 'ClusterRole', name: 'admin' },
          subjects: [{ kind: 'User', name: 'alice' }],
        },
        'acme-dev',
      );
      const r = await runTenant(['describe', 'acme'], { cluster: c });
      expect(r.stdout).to.equal(
        [
          'Name:           acme',
          'State:          Active',
          'Ready:          True (Reconciled)',
          'Owners:         user:alice [admin], group:devs [admin,view]',
          'Namespaces:     2 of 5',
          'Cordoned:       no',
          'Deletion:       Retain (namespaces are kept with the tenant)',
          'Age:            5m',
          '',
          'Namespaces and what they inherit:',
          'acme',
          '├── acme-dev  Active',
          '│   ├── ResourceQuota compute  pods=10',
          '│   └── RoleBinding owner-alice  ClusterRole admin → user:alice',
          '└── acme-prod  Active',
          '    └── (nothing propagated yet)',
          '',
          'Conditions:',
          '  TYPE    STATUS   REASON       AGE   MESSAGE',
          '  Ready   True     Reconciled   5m',
          '',
        ].join('\n'),
      );
    });

    it('falls back to per-namespace lists for owners', async () => {
      const c = cluster();
      c.add(
        'limitranges',
        {
          metadata: {
            name: 'defaults',
            labels: { 'tenantry.io/tenant': 'acme', 'tenantry.io/propagated-from': 'limitrange' },
          },
          spec: { limits: [{ type: 'Container' }] },
        },
        'acme-prod',
      );
      for (const resource of [
        'namespaces',
        'resourcequotas',
        'limitranges',
        'networkpolicies',
        'rolebindings',
      ]) {
        c.deny('list', resource, undefined, 'cluster');
      }
      c.deny('list', 'networkpolicies', undefined, 'acme-dev');
      const r = await runTenant(['describe', 'acme'], { cluster: c });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain(
        '├── acme-dev  Active\n│   └── (cannot list NetworkPolicy)\n└── acme-prod  Active\n    └── LimitRange defaults  Container\n',
      );
      const namespaced = c.requests.filter((q) =>
        q.path.startsWith('/api/v1/namespaces/acme-prod/'),
      );
      expect(namespaced.map((q) => q.path)).to.include('/api/v1/namespaces/acme-prod/limitranges');
    });
  });
});
