import { expect } from 'chai';
import { needsUpdate } from '../../../controller/runtime/apply.js';
import {
  deepFreeze,
  type DeepReadonly,
  type KubeObject,
} from '../../../controller/runtime/objects.js';
import { isSubset, semanticEqual } from '../../../controller/runtime/semantic.js';

/** A stored ResourceQuota as the apiserver returns it: defaults and others' fields included. */
const stored: DeepReadonly<KubeObject> = deepFreeze<KubeObject>({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: {
    name: 'tenant-acme-quota',
    namespace: 'acme-dev',
    uid: 'u-1',
    resourceVersion: '42',
    creationTimestamp: '2025-01-01T00:00:00Z',
    labels: { 'tenantry.io/tenant': 'acme', 'team.example/owner': 'someone-else' },
    annotations: { 'note.example/x': 'y' },
    ownerReferences: [
      { apiVersion: 'v1', kind: 'Namespace', name: 'other', uid: 'u-other' },
      {
        apiVersion: 'tenantry.io/v1alpha1',
        kind: 'Tenant',
        name: 'acme',
        uid: 'u-tenant',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
    finalizers: ['a.example/f', 'tenantry.io/cleanup'],
  },
  spec: { hard: { pods: '10', 'requests.cpu': '2' }, scopes: ['NotTerminating'] },
  status: { hard: { pods: '10' }, used: { pods: '3' } },
});

function desired(patch: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: {
      name: 'tenant-acme-quota',
      namespace: 'acme-dev',
      labels: { 'tenantry.io/tenant': 'acme' },
      ownerReferences: [
        {
          apiVersion: 'tenantry.io/v1alpha1',
          kind: 'Tenant',
          name: 'acme',
          uid: 'u-tenant',
          controller: true,
        },
      ],
      finalizers: ['tenantry.io/cleanup'],
    },
    spec: { hard: { pods: '10', 'requests.cpu': '2' }, scopes: ['NotTerminating'] },
    ...patch,
  };
}

describe('runtime/apply needsUpdate', () => {
  const cases: {
    name: string;
    desired: KubeObject;
    actual: DeepReadonly<KubeObject> | undefined;
    want: boolean;
  }[] = [
    { name: 'absent object: create', desired: desired(), actual: undefined, want: true },
    {
      name: 'steady state: fields set by others, defaults and status are ignored',
      desired: desired(),
      actual: stored,
      want: false,
    },
    {
      name: 'a spec value differs',
      desired: desired({ spec: { hard: { pods: '11', 'requests.cpu': '2' } } }),
      actual: stored,
      want: true,
    },
    {
      name: 'desired sets a spec key the object lacks',
      desired: desired({ spec: { hard: { pods: '10', 'requests.cpu': '2', secrets: '5' } } }),
      actual: stored,
      want: true,
    },
    {
      name: 'a list differs in length',
      desired: desired({ spec: { hard: { pods: '10' }, scopes: ['NotTerminating', 'X'] } }),
      actual: stored,
      want: true,
    },
    {
      name: 'one of our labels changed value',
      desired: {
        ...desired(),
        metadata: { ...desired().metadata, labels: { 'tenantry.io/tenant': 'b' } },
      },
      actual: stored,
      want: true,
    },
    {
      name: 'one of our annotations is missing',
      desired: { ...desired(), metadata: { ...desired().metadata, annotations: { a: 'b' } } },
      actual: stored,
      want: true,
    },
    {
      name: 'an explicit null asks for a field to be absent (it is present)',
      desired: {
        ...desired(),
        metadata: {
          ...desired().metadata,
          annotations: { 'note.example/x': null } as unknown as Record<string, string>,
        },
      },
      actual: stored,
      want: true,
    },
    {
      name: 'our ownerReference is missing (matched by uid)',
      desired: {
        ...desired(),
        metadata: {
          ...desired().metadata,
          ownerReferences: [
            { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', name: 'acme', uid: 'u-new' },
          ],
        },
      },
      actual: stored,
      want: true,
    },
    {
      name: 'our finalizer is missing',
      desired: {
        ...desired(),
        metadata: { ...desired().metadata, finalizers: ['tenantry.io/other'] },
      },
      actual: stored,
      want: true,
    },
    {
      name: 'an empty map in desired sets nothing',
      desired: { ...desired(), metadata: { ...desired().metadata, labels: {} } },
      actual: stored,
      want: false,
    },
    {
      name: 'an empty list in desired clears a non-empty list',
      desired: desired({ spec: { hard: { pods: '10', 'requests.cpu': '2' }, scopes: [] } }),
      actual: stored,
      want: true,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      expect(needsUpdate(c.desired, c.actual)).to.equal(c.want);
    });
  }

  it('ignores apiVersion and kind, which LIST items lack', () => {
    const { apiVersion: _a, kind: _k, ...bare } = stored;
    expect(needsUpdate(desired(), bare)).to.equal(false);
  });

  it('compares list items as subsets, so defaulted item fields are not drift', () => {
    const d = {
      apiVersion: 'v1',
      kind: 'X',
      metadata: { name: 'n' },
      spec: { ports: [{ port: 80 }] },
    };
    const a = { metadata: { name: 'n' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } };
    expect(needsUpdate(d, a)).to.equal(false);
  });
});

describe('runtime/semantic', () => {
  it('semanticEqual compares Dates with timestamps by time', () => {
    expect(semanticEqual(new Date('2025-01-01T00:00:00Z'), '2025-01-01T00:00:00Z')).to.equal(true);
    expect(semanticEqual([1, 2], [2, 1])).to.equal(false);
    expect(semanticEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).to.equal(true);
  });

  it('isSubset lets an undefined desired match anything', () => {
    expect(isSubset(undefined, { a: 1 })).to.equal(true);
    expect(isSubset({ a: 1 }, undefined)).to.equal(false);
  });
});
