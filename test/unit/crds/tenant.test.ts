import { expect } from 'chai';
import {
  formatErrors,
  isTenant,
  tenantCRD,
  tenantErrors,
  TenantSchema,
} from '../../../crds/index.js';
import type { JSONSchemaProps, Tenant } from '../../../crds/index.js';
import { completeTenant, minimalTenant } from './fixtures.js';

/** Marks a field to delete in {@link tenantWith}. */
const DELETE = Symbol('delete');

/**
 * A fresh complete Tenant with the field at JSON pointer `pointer` (e.g. `/spec/owners/0/kind`)
 * set to `value`, or deleted.
 */
function tenantWith(pointer: string, value: unknown): unknown {
  const tenant: unknown = structuredClone(completeTenant());
  const segments = pointer.split('/').slice(1);
  const last = segments.pop()!;
  let parent = tenant as Record<string, unknown>;
  for (const segment of segments) parent = parent[segment] as Record<string, unknown>;
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
  return tenant;
}

function schemaAt(path: string): JSONSchemaProps {
  let node = tenantCRD.spec.versions[0]!.schema.openAPIV3Schema;
  for (const segment of path.split('.')) {
    const next = segment === '[]' ? node.items : node.properties?.[segment];
    if (next === undefined) throw new Error(`no schema at ${path}`);
    node = next;
  }
  return node;
}

describe('Tenant v1alpha1', () => {
  describe('valid Tenants', () => {
    it('accepts the smallest Tenant: one owner', () => {
      expect(tenantErrors(minimalTenant())).to.deep.equal([]);
      expect(isTenant(minimalTenant())).to.equal(true);
    });

    it('accepts the complete example of docs/spec/v1alpha1/tenant.md', () => {
      expect(formatErrors(tenantErrors(completeTenant()))).to.equal('');
    });

    it('accepts integer and string quantities', () => {
      const hard = { pods: 10, 'requests.cpu': '500m', memory: '1.5Gi' };
      const tenant = tenantWith('/spec/resourceQuotas/0/hard', hard);
      expect(tenantErrors(tenant)).to.deep.equal([]);
    });
  });

  describe('invalid Tenants fail, naming the field', () => {
    const cases: [string, string, unknown, string][] = [
      ['no spec', '/spec', DELETE, '/spec: Expected required property'],
      ['no owners', '/spec/owners', DELETE, '/spec/owners: Expected required property'],
      ['an empty owner list', '/spec/owners', [], '/spec/owners: Expected array length'],
      [
        'an unknown owner kind',
        '/spec/owners/0/kind',
        'Robot',
        '/spec/owners/0/kind: must be one of "User", "Group", "ServiceAccount"',
      ],
      [
        'an empty owner name',
        '/spec/owners/0/name',
        '',
        '/spec/owners/0/name: Expected string length greater or equal to 1',
      ],
      [
        'a negative namespace quota',
        '/spec/namespaceOptions/quota',
        -1,
        '/spec/namespaceOptions/quota: Expected integer to be greater or equal to 0',
      ],
      [
        'a fractional namespace quota',
        '/spec/namespaceOptions/quota',
        1.5,
        '/spec/namespaceOptions/quota: Expected integer',
      ],
      [
        'a quota item name that is not a DNS label',
        '/spec/resourceQuotas/0/name',
        'Compute_Quota',
        '/spec/resourceQuotas/0/name: Expected string to match',
      ],
      [
        'an unknown quota scope',
        '/spec/resourceQuotas/0/scope',
        'Cluster',
        '/spec/resourceQuotas/0/scope: must be one of "Namespace", "Tenant"',
      ],
      [
        'a malformed quantity',
        '/spec/resourceQuotas/0/hard/requests.cpu',
        'lots',
        '/spec/resourceQuotas/0/hard/requests.cpu: must be an integer or a quantity string',
      ],
      [
        'a quota without hard limits',
        '/spec/resourceQuotas/1/hard',
        DELETE,
        '/spec/resourceQuotas/1/hard: Expected required property',
      ],
      [
        'a LimitRange item without type',
        '/spec/limitRanges/0/limits/0/type',
        DELETE,
        '/spec/limitRanges/0/limits/0/type: Expected required property',
      ],
      [
        'a NetworkPolicy item without spec',
        '/spec/networkPolicies/0/spec',
        DELETE,
        '/spec/networkPolicies/0/spec: Expected required property',
      ],
      [
        'a role binding without subjects',
        '/spec/additionalRoleBindings/0/subjects',
        [],
        '/spec/additionalRoleBindings/0/subjects: Expected array length',
      ],
      [
        'a hostname pattern with a wildcard in the middle',
        '/spec/ingressOptions/allowedHostnames/0',
        'app.*.example.com',
        '/spec/ingressOptions/allowedHostnames/0: Expected string to match',
      ],
      [
        'a registry with a scheme',
        '/spec/containerRegistries/allowed/0',
        'https://ghcr.io',
        '/spec/containerRegistries/allowed/0: Expected string to match',
      ],
      [
        'a non-boolean service option',
        '/spec/serviceOptions/allowNodePort',
        'no',
        '/spec/serviceOptions/allowNodePort: Expected boolean',
      ],
      [
        'an unknown deletion policy',
        '/spec/deletionPolicy',
        'Orphan',
        '/spec/deletionPolicy: must be one of "Retain", "Delete"',
      ],
      [
        'an unknown state',
        '/status/state',
        'Ready',
        '/status/state: must be one of "Active", "Cordoned", "Terminating"',
      ],
      [
        'a condition status other than True/False/Unknown',
        '/status/conditions/0/status',
        'true',
        '/status/conditions/0/status: must be one of "True", "False", "Unknown"',
      ],
      [
        'a condition without reason',
        '/status/conditions/0/reason',
        DELETE,
        '/status/conditions/0/reason: Expected required property',
      ],
      [
        'a malformed lastTransitionTime',
        '/status/conditions/0/lastTransitionTime',
        'yesterday',
        "/status/conditions/0/lastTransitionTime: Expected string to match 'date-time' format",
      ],
      [
        'a name longer than 63 characters',
        '/metadata/name',
        'a'.repeat(64),
        '/metadata/name: Expected string length less or equal to 63',
      ],
    ];
    for (const [name, pointer, value, message] of cases) {
      it(`rejects ${name}`, () => {
        const tenant = tenantWith(pointer, value);
        expect(formatErrors(tenantErrors(tenant))).to.include(message);
        expect(isTenant(tenant)).to.equal(false);
      });
    }
  });

  describe('the CRD', () => {
    it('is tenants.tenantry.io: cluster-scoped, v1alpha1 served and stored, status subresource', () => {
      expect(tenantCRD.metadata.name).to.equal('tenants.tenantry.io');
      expect(tenantCRD.spec.group).to.equal('tenantry.io');
      expect(tenantCRD.spec.scope).to.equal('Cluster');
      expect(tenantCRD.spec.names).to.deep.equal({
        kind: 'Tenant',
        listKind: 'TenantList',
        plural: 'tenants',
        singular: 'tenant',
        shortNames: ['tnt'],
        categories: ['tenantry'],
      });
      const [version, ...others] = tenantCRD.spec.versions;
      expect(others).to.have.length(0);
      expect(version).to.include({ name: 'v1alpha1', served: true, storage: true });
      expect(version!.subresources).to.deep.equal({ status: {} });
    });

    it('prints State, Namespaces, Quota, Ready and Age', () => {
      const columns = tenantCRD.spec.versions[0]!.additionalPrinterColumns!;
      expect(columns.map((c) => [c.name, c.jsonPath])).to.deep.equal([
        ['State', '.status.state'],
        ['Namespaces', '.status.size'],
        ['Quota', '.spec.namespaceOptions.quota'],
        ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
        ['Age', '.metadata.creationTimestamp'],
      ]);
    });

    it('restricts metadata.name to 63 characters, with CEL rules for the label format', () => {
      const root = tenantCRD.spec.versions[0]!.schema.openAPIV3Schema;
      expect(root.properties!.metadata!.properties!.name!.maxLength).to.equal(63);
      const rules = root['x-kubernetes-validations']!.map((r) => r.rule);
      expect(rules).to.deep.equal([
        "self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
        'size(self.metadata.name) <= 63',
      ]);
    });

    it('documents the defaults', () => {
      expect(schemaAt('spec.owners.[].clusterRoles').default).to.deep.equal(['admin']);
      expect(schemaAt('spec.namespaceOptions.forceTenantPrefix').default).to.equal(false);
      expect(schemaAt('spec.resourceQuotas.[].scope').default).to.equal('Namespace');
      expect(schemaAt('spec.serviceOptions.allowNodePort').default).to.equal(true);
      expect(schemaAt('spec.serviceOptions.allowLoadBalancer').default).to.equal(true);
      expect(schemaAt('spec.serviceOptions.allowExternalName').default).to.equal(true);
      expect(schemaAt('spec.cordoned').default).to.equal(false);
      expect(schemaAt('spec.preventDeletion').default).to.equal(false);
      expect(schemaAt('spec.deletionPolicy').default).to.equal('Retain');
    });

    it('keys the spec lists and the conditions by name and type', () => {
      for (const path of [
        'spec.resourceQuotas',
        'spec.limitRanges',
        'spec.networkPolicies',
        'spec.additionalRoleBindings',
      ]) {
        expect(schemaAt(path)['x-kubernetes-list-type'], path).to.equal('map');
        expect(schemaAt(path)['x-kubernetes-list-map-keys'], path).to.deep.equal(['name']);
      }
      expect(schemaAt('status.conditions')['x-kubernetes-list-map-keys']).to.deep.equal(['type']);
    });

    it('checks owners with CEL: ServiceAccount namespace, and uniqueness', () => {
      const item = schemaAt('spec.owners.[]')['x-kubernetes-validations']!;
      expect(item[0]!.rule).to.include("self.kind == 'ServiceAccount'");
      expect(item[0]!.rule).to.include('__namespace__');
      expect(schemaAt('spec.owners')['x-kubernetes-validations']![0]!.rule).to.include(
        'exists_one',
      );
    });

    it('reserves tenantry.io/ and kubernetes.io/metadata.name in forced metadata', () => {
      for (const map of ['labels', 'annotations']) {
        const rule = schemaAt(`spec.namespaceOptions.additionalMetadata.${map}`)[
          'x-kubernetes-validations'
        ]![0]!.rule;
        expect(rule).to.include("startsWith('tenantry.io/')");
        expect(rule).to.include("'kubernetes.io/metadata.name'");
      }
    });

    it('keeps embedded Kubernetes specs as sent', () => {
      expect(
        schemaAt('spec.networkPolicies.[].spec')['x-kubernetes-preserve-unknown-fields'],
      ).to.equal(true);
      expect(
        schemaAt('spec.limitRanges.[].limits.[]')['x-kubernetes-preserve-unknown-fields'],
      ).to.equal(true);
      expect(
        schemaAt('spec.resourceQuotas.[].scopeSelector')['x-kubernetes-preserve-unknown-fields'],
      ).to.equal(true);
    });
  });

  it('types follow the schema (compile-time check)', () => {
    const tenant: Tenant = minimalTenant();
    const owner = tenant.spec.owners[0]!;
    const kind: 'User' | 'Group' | 'ServiceAccount' = owner.kind;
    expect(kind).to.equal('User');
    expect(TenantSchema.properties.spec.required).to.deep.equal(['owners']);
  });
});
