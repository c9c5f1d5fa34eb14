import { Value } from '@sinclair/typebox/value';
import { expect } from 'chai';
import {
  DNS1123_LABEL_PATTERN,
  QUANTITY_PATTERN,
  TenantSchema,
  tenantErrors,
} from '../../../crds/index.js';
import {
  DNS_LABEL,
  QUANTITY,
  buildTenant,
  parseOwner,
  parseResourceQuota,
  parseSubject,
  type CreateOptions,
} from '../../../plugin/tenant/spec.js';

const none: CreateOptions = {
  owners: ['user:alice'],
  quota: [],
  tenantQuota: [],
  resourceQuotas: [],
  registries: [],
  storageClasses: [],
  ingressClasses: [],
  ingressHostnames: [],
};

function fails(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('kubectl tenant create: building the Tenant', () => {
  it('uses the same patterns as the CRD', () => {
    expect(DNS_LABEL.source).to.equal(DNS1123_LABEL_PATTERN);
    expect(QUANTITY.source).to.equal(QUANTITY_PATTERN);
  });

  const full: CreateOptions = {
    owners: [
      'user:alice',
      'group:devs=admin,view',
      'sa:ci/deployer',
      'system:serviceaccount:ops:bot',
    ],
    namespaceQuota: '5',
    forcePrefix: true,
    quota: ['pods=20', 'count/configmaps=10'],
    tenantQuota: ['requests.cpu=8', 'requests.memory=16Gi'],
    resourceQuotas: [
      'name=compute,hard=limits.cpu:4,limits.memory:8Gi,scope=Tenant',
      'name=objects,hard=services:5',
    ],
    scope: 'Tenant',
    registries: ['ghcr.io/acme'],
    storageClasses: ['standard'],
    ingressClasses: ['nginx'],
    ingressHostnames: ['*.apps.example.com'],
    cordoned: true,
    preventDeletion: true,
    deletionPolicy: 'delete',
  };

  for (const [what, options] of [
    ['every flag', full],
    ['only an owner', none],
  ] as const) {
    it(`${what}: valid against the CRD schema, with every default written out`, () => {
      const tenant = buildTenant('acme', options);
      expect(tenantErrors(tenant)).to.deep.equal([]);
      // What the API server would default is already there: Git holds what is stored.
      const defaulted = Value.Default(TenantSchema, structuredClone(tenant));
      expect(defaulted).to.deep.equal(tenant);
    });
  }

  it('maps every flag to its field', () => {
    const t = buildTenant('acme', full);
    expect(t.spec.owners).to.deep.equal([
      { kind: 'User', name: 'alice', clusterRoles: ['admin'] },
      { kind: 'Group', name: 'devs', clusterRoles: ['admin', 'view'] },
      { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci', clusterRoles: ['admin'] },
      { kind: 'ServiceAccount', name: 'bot', namespace: 'ops', clusterRoles: ['admin'] },
    ]);
    expect(t.spec.namespaceOptions).to.deep.equal({ quota: 5, forceTenantPrefix: true });
    expect(t.spec.resourceQuotas).to.deep.equal([
      { name: 'namespace', scope: 'Namespace', hard: { pods: '20', 'count/configmaps': '10' } },
      { name: 'tenant', scope: 'Tenant', hard: { 'requests.cpu': '8', 'requests.memory': '16Gi' } },
      { name: 'compute', scope: 'Tenant', hard: { 'limits.cpu': '4', 'limits.memory': '8Gi' } },
      { name: 'objects', scope: 'Tenant', hard: { services: '5' } },
    ]);
    expect(t.spec.containerRegistries).to.deep.equal({ allowed: ['ghcr.io/acme'] });
    expect(t.spec.storageClasses).to.deep.equal({ allowed: ['standard'] });
    expect(t.spec.ingressOptions).to.deep.equal({
      allowedClasses: ['nginx'],
      allowedHostnames: ['*.apps.example.com'],
    });
    expect([t.spec.cordoned, t.spec.preventDeletion, t.spec.deletionPolicy]).to.deep.equal([
      true,
      true,
      'Delete',
    ]);
    expect(t).to.not.have.property('status');
    expect(t.metadata).to.deep.equal({ name: 'acme' });
  });

  it('parses subjects in every accepted form', () => {
    expect(parseSubject('User:alice@example.com')).to.deep.equal({
      kind: 'User',
      name: 'alice@example.com',
    });
    expect(parseSubject('group:system:masters')).to.deep.equal({
      kind: 'Group',
      name: 'system:masters',
    });
    expect(parseSubject('sa:ns:name')).to.deep.equal({
      kind: 'ServiceAccount',
      namespace: 'ns',
      name: 'name',
    });
    expect(parseSubject('serviceaccount:ns/name')).to.deep.equal({
      kind: 'ServiceAccount',
      namespace: 'ns',
      name: 'name',
    });
    expect(parseOwner('group:g=edit,edit,view').clusterRoles).to.deep.equal(['edit', 'view']);
    expect(fails(() => parseSubject('alice'))).to.equal(
      'invalid subject "alice": use user:NAME, group:NAME or sa:NAMESPACE/NAME',
    );
    expect(fails(() => parseSubject('sa:justname'))).to.equal(
      'invalid service account "sa:justname": use sa:NAMESPACE/NAME',
    );
    expect(fails(() => parseOwner('user:a=admin,,view'))).to.equal(
      'empty ClusterRole name in "user:a=admin,,view"',
    );
  });

  it('rejects bad values with the flag named', () => {
    const bad = (o: Partial<CreateOptions>): string =>
      fails(() => buildTenant('acme', { ...none, ...o }));
    expect(fails(() => buildTenant('Acme', none))).to.match(/^invalid tenant name "Acme"/);
    expect(fails(() => buildTenant('a'.repeat(64), none))).to.match(/^invalid tenant name/);
    expect(bad({ owners: [] })).to.match(/needs at least one owner/);
    expect(bad({ owners: ['user:a', 'user:a=view'] })).to.equal(
      '--owner user:a=view is given twice',
    );
    expect(bad({ namespaceQuota: '-1' })).to.match(/^invalid --namespace-quota "-1"/);
    expect(bad({ quota: ['pods'] })).to.equal(
      'invalid --quota "pods": use RESOURCE=QUANTITY, e.g. requests.cpu=4',
    );
    expect(bad({ quota: ['pods=1', 'pods=2'] })).to.equal('--quota sets pods twice');
    expect(bad({ tenantQuota: ['cpu=4 cores'] })).to.match(
      /^invalid quantity "4 cores" for cpu in --tenant-quota/,
    );
    expect(bad({ quota: ['pods=1'], resourceQuotas: ['name=namespace,hard=a:1'] })).to.match(
      /^two resource quotas are named "namespace"/,
    );
    expect(bad({ deletionPolicy: 'Orphan' })).to.equal(
      'invalid --deletion-policy "Orphan": use Retain or Delete',
    );
    expect(bad({ scope: 'cluster', resourceQuotas: ['name=x,hard=a:1'] })).to.equal(
      'invalid quota scope "cluster": use Tenant or Namespace',
    );
  });

  it('parses --resource-quota with commas in both places', () => {
    expect(parseResourceQuota('hard=pods:1,services:2,name=x', 'Namespace')).to.deep.equal({
      name: 'x',
      scope: 'Namespace',
      hard: { pods: '1', services: '2' },
    });
    expect(fails(() => parseResourceQuota('name=x', 'Namespace'))).to.match(
      /needs hard=RESOURCE:QUANTITY/,
    );
    expect(fails(() => parseResourceQuota('hard=a:1', 'Namespace'))).to.match(/needs name=NAME/);
    expect(fails(() => parseResourceQuota('name=x,colour=red', 'Namespace'))).to.match(
      /^invalid --resource-quota/,
    );
  });
});
