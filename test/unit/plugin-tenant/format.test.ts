import { expect } from 'chai';
import type { Tenant } from '../../../crds/index.js';
import {
  isMemberOf,
  membershipOf,
  tenantOwnerReference as controllerReference,
} from '../../../controller/tenant/membership.js';
import { ApiError, toApiError } from '../../../plugin/tenant/api.js';
import { forExport } from '../../../plugin/tenant/cmd/list.js';
import { explainApiError, parseDenial } from '../../../plugin/tenant/errors.js';
import { humanAge, ownersColumn, renderTable } from '../../../plugin/tenant/format.js';
import { ownershipOf, tenantOwnerReference } from '../../../plugin/tenant/membership.js';
import { closest, editDistance } from '../../../plugin/tenant/suggest.js';
import type { Namespace } from '../../../plugin/tenant/api.js';

const context = { server: 'https://k:6443', description: 'context "c" of kubeconfig /k' };

describe('kubectl tenant presentation', () => {
  it('prints ages as kubectl does', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();
    const cases: [number, string][] = [
      [0, '0s'],
      [119, '119s'],
      [120, '2m'],
      [330, '5m30s'],
      [600, '10m'],
      [179 * 60, '179m'],
      [3 * 3600, '3h'],
      [7 * 3600 + 1800, '7h30m'],
      [47 * 3600, '47h'],
      [3 * 86400 + 4 * 3600, '3d4h'],
      [300 * 86400, '300d'],
      [800 * 86400, '2y70d'],
      [9 * 365 * 86400, '9y'],
    ];
    for (const [seconds, text] of cases)
      expect(humanAge(ago(seconds), now), String(seconds)).to.equal(text);
    expect(humanAge(undefined, now)).to.equal('<unknown>');
    expect(humanAge(ago(-5), now)).to.equal('0s');
  });

  it('pads table columns by three spaces and trims line ends', () => {
    expect(
      renderTable(
        ['A', 'LONGER'],
        [
          ['x', ''],
          ['yyyy', 'z'],
        ],
      ),
    ).to.equal('A      LONGER\nx\nyyyy   z\n');
  });

  it('shortens long owner lists', () => {
    const owners = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ kind: 'User' as const, name }));
    expect(ownersColumn(owners)).to.equal('user:a,user:b,user:c,+2');
    expect(ownersColumn([])).to.equal('<none>');
  });

  it('export keeps user metadata and other finalizers', () => {
    const t = {
      apiVersion: 'tenantry.io/v1alpha1',
      kind: 'Tenant',
      metadata: {
        name: 'a',
        uid: 'u',
        finalizers: ['tenantry.io/finalizer', 'example.com/keep'],
        annotations: { note: 'x' },
      },
      spec: { owners: [] },
      status: { size: 1 },
    } as unknown as Tenant;
    expect(forExport(t)).to.deep.equal({
      apiVersion: 'tenantry.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'a', finalizers: ['example.com/keep'], annotations: { note: 'x' } },
      spec: { owners: [] },
    });
    expect(t.metadata.uid, 'the input is not modified').to.equal('u');
  });
});

describe('kubectl tenant errors', () => {
  it('parses the authorizer denial messages of the API server', () => {
    expect(
      parseDenial(
        'tenants.tenantry.io is forbidden: User "bob" cannot list resource "tenants" in API group "tenantry.io" at the cluster scope',
      ),
    ).to.deep.equal({ user: 'bob', verb: 'list', resource: 'tenants', group: 'tenantry.io' });
    expect(
      parseDenial(
        'namespaces "x" is forbidden: User "system:serviceaccount:a:b" cannot delete resource "namespaces" in API group "" in the namespace "x"',
      ),
    ).to.deep.equal({
      user: 'system:serviceaccount:a:b',
      verb: 'delete',
      resource: 'namespaces',
      group: '',
      namespace: 'x',
    });
    expect(parseDenial('admission webhook "x" denied the request: no')).to.equal(undefined);
  });

  it('reports other 403s (admission, policies) as refusals in the server words; 422 and 401 plainly', () => {
    const target = { verb: 'patch', resource: 'namespaces', group: '', name: 'n' };
    const rbac = new ApiError(403, 'Forbidden', 'forbidden', target);
    expect(explainApiError(rbac, context)).to.equal(
      'the API server refused to patch namespace "n": forbidden',
    );
    const webhook = toApiError(
      {
        status: 403,
        body: Buffer.from(
          JSON.stringify({
            reason: 'Forbidden',
            message:
              'admission webhook "ns.tenantry.io" denied the request: tenant acme is cordoned',
          }),
        ),
      },
      { verb: 'create', resource: 'namespaces', group: '' },
    );
    expect(explainApiError(webhook, context)).to.equal(
      'the API server refused to create namespaces: admission webhook "ns.tenantry.io" denied the request: tenant acme is cordoned',
    );
    const invalid = new ApiError(
      422,
      'Invalid',
      'Tenant.tenantry.io "a" is invalid: spec.owners: Required value',
      {
        verb: 'create',
        resource: 'tenants',
        group: 'tenantry.io',
        name: 'a',
      },
    );
    expect(explainApiError(invalid, context)).to.equal(
      'the API server rejected tenant "a": spec.owners: Required value',
    );
    const expired = new ApiError(401, 'Unauthorized', 'Unauthorized', target);
    expect(explainApiError(expired, context)).to.match(
      /^the API server https:\/\/k:6443 rejected the credentials of context "c" of kubeconfig \/k \(401 Unauthorized\)/,
    );
  });

  it('suggests close names, best first', () => {
    expect(editDistance('acme', 'acem')).to.equal(1);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
    expect(closest('acme', ['acme-dev', 'beta', 'acne', 'zzz'])).to.deep.equal([
      'acne',
      'acme-dev',
    ]);
    expect(closest('x', ['y', 'abc'])).to.deep.equal(['y']);
    expect(closest('payments', ['payment', 'pay', 'billing'])).to.deep.equal(['payment', 'pay']);
  });
});

describe('kubectl tenant ownership display agrees with controller/tenant/membership.ts', () => {
  const tenant = { metadata: { name: 'acme', uid: 'uid-acme' } };
  const lookup = (name: string): typeof tenant | undefined =>
    name === 'acme' ? tenant : undefined;
  const ref = controllerReference(tenant);
  const ns = (labels: Record<string, string>, refs: object[]): Namespace =>
    ({ metadata: { name: 'acme-dev', labels, ownerReferences: refs } }) as Namespace;
  const cases: [string, Namespace][] = [
    ['label and reference', ns({ 'tenantry.io/tenant': 'acme' }, [ref])],
    ['label alone', ns({ 'tenantry.io/tenant': 'acme' }, [])],
    ['reference alone', ns({}, [ref])],
    ['forged uid', ns({ 'tenantry.io/tenant': 'acme' }, [{ ...ref, uid: 'forged' }])],
    [
      'two references',
      ns({ 'tenantry.io/tenant': 'acme' }, [ref, { ...ref, name: 'b', uid: 'x' }]),
    ],
    [
      'another version',
      ns({ 'tenantry.io/tenant': 'acme' }, [{ ...ref, apiVersion: 'tenantry.io/v1' }]),
    ],
    ['another kind', ns({ 'tenantry.io/tenant': 'acme' }, [{ ...ref, kind: 'Other' }])],
  ];
  for (const [what, namespace] of cases) {
    it(what, () => {
      const plugin = ownershipOf(namespace, 'acme', 'uid-acme') === 'owned';
      expect(plugin).to.equal(isMemberOf(namespace, 'acme', lookup));
      expect(membershipOf(namespace, lookup).member).to.equal(plugin);
    });
  }
  it('builds the same ownerReference', () => {
    expect(tenantOwnerReference('acme', 'uid-acme')).to.deep.equal(ref);
  });
});
