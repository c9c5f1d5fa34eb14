import { expect } from 'chai';
import type { KubeObject } from '../../../controller/runtime/objects.js';
import { CONTENT_DIGEST, compactChild } from '../../../controller/tenant/cache.js';
import {
  childAction,
  contentDigest,
  normalisedContent,
  desiredChildNames,
  desiredClusterRbac,
  desiredNamespaceChildren,
  namespaceMetadataPatch,
  updatedChild,
  type DesiredChild,
} from '../../../controller/tenant/desired.js';
import {
  cordoned,
  inTenant,
  namespace,
  nsAnnotations,
  nsLabels,
  sameTenantOnly,
  tenant,
  withLimitRange,
  withMetadata,
  withNetworkPolicy,
  withOwner,
  withQuota,
  withRoleBinding,
} from '../../builders/tenant.js';

/** What the apiserver would store for `desired`: metadata it adds plus `defaults`. */
function stored(
  desired: DesiredChild,
  patch: (o: Record<string, unknown>) => void = () => undefined,
): KubeObject {
  const o = structuredClone(desired.object) as Record<string, unknown>;
  const meta = o['metadata'] as Record<string, unknown>;
  meta['uid'] = 'child-uid';
  meta['resourceVersion'] = '7';
  patch(o);
  return o;
}

function find(children: DesiredChild[], kind: string, name?: string): DesiredChild {
  const c = children.find(
    (x) => x.kind === kind && (name === undefined || x.object.metadata?.name === name),
  );
  if (c === undefined) throw new Error(`no ${kind} ${name ?? ''}`);
  return c;
}

describe('desired children of a Tenant', () => {
  const acme = tenant(
    'acme',
    withOwner('User', 'alice'),
    withOwner('Group', 'acme-admins', ['admin', 'view']),
    withOwner('ServiceAccount', 'acme-ci/deployer'),
    withQuota('objects', { pods: 50, 'requests.cpu': '0.5' }),
    withQuota('compute', { 'requests.cpu': '8' }, 'Tenant'),
    withLimitRange('defaults', [{ type: 'Container', max: { cpu: '2' } }]),
    withNetworkPolicy('same-tenant-only', sameTenantOnly('acme')),
    withRoleBinding('auditors', 'view', [{ kind: 'Group', name: 'auditors' }]),
  );

  it('names every child readably after its kind and item, with labels and a controller reference', () => {
    const children = desiredNamespaceChildren(acme, 'acme-dev');
    expect(children.map((c) => `${c.kind}/${c.object.metadata?.name}`)).to.deep.equal([
      'ResourceQuota/tenantry-resourcequota-objects',
      'LimitRange/tenantry-limitrange-defaults',
      'NetworkPolicy/tenantry-networkpolicy-same-tenant-only',
      'RoleBinding/tenantry-owner-user-alice-admin',
      'RoleBinding/tenantry-owner-group-acme-admins-admin',
      'RoleBinding/tenantry-owner-group-acme-admins-view',
      'RoleBinding/tenantry-owner-serviceaccount-acme-ci-deployer-admin',
      'RoleBinding/tenantry-namespace-owner',
      'RoleBinding/tenantry-rolebinding-auditors',
    ]);
    for (const c of children) {
      expect(c.object.metadata?.namespace).to.equal('acme-dev');
      expect(c.object.metadata?.labels).to.include({
        'tenantry.io/tenant': 'acme',
        'app.kubernetes.io/managed-by': 'tenantry',
      });
      expect(c.object.metadata?.ownerReferences).to.deep.equal([
        {
          apiVersion: 'tenantry.io/v1alpha1',
          kind: 'Tenant',
          name: 'acme',
          uid: 'uid-acme',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    expect(
      find(children, 'NetworkPolicy').object.metadata?.labels?.['tenantry.io/propagated-from'],
    ).to.equal('networkpolicy');
  });

  it('keeps Tenant-scoped quotas out of the copied children but in the set that is not pruned', () => {
    const names = desiredChildNames(acme, 'acme-dev');
    expect(names.has('ResourceQuota/tenantry-resourcequota-compute')).to.equal(true);
    expect(
      desiredNamespaceChildren(acme, 'acme-dev').some(
        (c) => c.object.metadata?.name === 'tenantry-resourcequota-compute',
      ),
    ).to.equal(false);
  });

  it('writes canonical quantities and binds subjects as RBAC expects them', () => {
    const children = desiredNamespaceChildren(acme, 'acme-dev');
    expect(
      (find(children, 'ResourceQuota').object['spec'] as { hard: unknown }).hard,
    ).to.deep.equal({
      pods: '50',
      'requests.cpu': '500m',
    });
    expect(
      find(children, 'RoleBinding', 'tenantry-owner-serviceaccount-acme-ci-deployer-admin').object[
        'subjects'
      ],
    ).to.deep.equal([{ kind: 'ServiceAccount', name: 'deployer', namespace: 'acme-ci' }]);
    const nsOwner = find(children, 'RoleBinding', 'tenantry-namespace-owner').object;
    expect(nsOwner['roleRef']).to.deep.equal({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'tenantry:namespace-owner',
    });
    expect((nsOwner['subjects'] as unknown[]).length).to.equal(3);
  });

  it('gives owners a ClusterRole for their own Tenant by name and namespace creation, bound to current owners', () => {
    const [role, binding] = desiredClusterRbac(acme);
    expect(role?.object.metadata?.name).to.equal('tenantry:tenant:acme');
    expect(role?.object['rules']).to.deep.equal([
      {
        apiGroups: ['tenantry.io'],
        resources: ['tenants'],
        resourceNames: ['acme'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['create'] },
    ]);
    expect((binding?.object['subjects'] as { name: string }[]).map((s) => s.name)).to.deep.equal([
      'alice',
      'acme-admins',
      'deployer',
    ]);
  });

  describe('comparing with the stored object', () => {
    const children = desiredNamespaceChildren(acme, 'acme-dev');

    it('sees nothing to do when the stored object differs only by server defaults', () => {
      const np = find(children, 'NetworkPolicy');
      const withDefaults = stored(np, (o) => {
        const spec = o['spec'] as Record<string, unknown>;
        spec['policyTypes'] = ['Ingress'];
        spec['ingress'] = [
          { from: (spec['ingress'] as { from: unknown }[])[0]?.from, ports: undefined },
        ];
      });
      expect(childAction(np, withDefaults, acme)).to.equal('none');
      const lr = find(children, 'LimitRange');
      const lrStored = stored(lr, (o) => {
        o['spec'] = {
          limits: [
            {
              type: 'Container',
              max: { cpu: '2' },
              default: { cpu: '2' },
              defaultRequest: { cpu: '2' },
            },
          ],
        };
      });
      expect(childAction(lr, lrStored, acme)).to.equal('none');
      const rq = find(children, 'ResourceQuota');
      expect(
        childAction(
          rq,
          stored(
            rq,
            (o) => ((o['spec'] as { hard: unknown }).hard = { pods: '50', 'requests.cpu': '0.5' }),
          ),
          acme,
        ),
      ).to.equal('none');
      const sa = find(
        children,
        'RoleBinding',
        'tenantry-owner-serviceaccount-acme-ci-deployer-admin',
      );
      expect(childAction(sa, stored(sa), acme)).to.equal('none');
    });

    it('updates a child whose content drifted, including a field that left the spec', () => {
      const np = find(children, 'NetworkPolicy');
      const opened = stored(np, (o) => ((o['spec'] as Record<string, unknown>)['ingress'] = [{}]));
      expect(childAction(np, opened, acme)).to.equal('update');
      const denyAll = tenant('acme', withNetworkPolicy('same-tenant-only', { podSelector: {} }));
      const desired = find(desiredNamespaceChildren(denyAll, 'acme-dev'), 'NetworkPolicy');
      expect(childAction(desired, stored(np), denyAll), 'ingress removed from the spec').to.equal(
        'update',
      );
      const widened = stored(
        np,
        (o) =>
          ((o['spec'] as Record<string, unknown>)['podSelector'] = { matchLabels: { a: 'b' } }),
      );
      expect(childAction(np, widened, acme)).to.equal('update');
    });

    it('updates a child that lost our labels, replaces a binding whose roleRef changed, refuses a foreign one', () => {
      const rb = find(children, 'RoleBinding', 'tenantry-rolebinding-auditors');
      expect(
        childAction(
          rb,
          stored(rb, (o) => ((o['metadata'] as KubeObject['metadata'] & object).labels = {})),
          acme,
        ),
      ).to.equal('update');
      const edited = stored(
        rb,
        (o) =>
          (o['roleRef'] = {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'edit',
          }),
      );
      expect(childAction(rb, edited, acme)).to.equal('replace');
      const foreign = stored(
        rb,
        (o) => ((o['metadata'] as KubeObject['metadata'] & object).ownerReferences = []),
      );
      expect(childAction(rb, foreign, acme)).to.equal('conflict');
      expect(childAction(rb, undefined, acme)).to.equal('create');
    });

    it('builds a full update from the stored metadata (resourceVersion kept) and the desired content', () => {
      const np = find(children, 'NetworkPolicy');
      const body = updatedChild(
        np,
        stored(
          np,
          (o) => ((o['metadata'] as KubeObject['metadata'] & object).labels = { extra: 'x' }),
        ),
      );
      expect(body.metadata?.resourceVersion).to.equal('7');
      expect(body.metadata?.labels).to.include({ extra: 'x', 'tenantry.io/tenant': 'acme' });
      expect(body['spec']).to.deep.equal(np.object['spec']);
    });
  });
});

describe('namespace metadata of a Tenant', () => {
  const acme = tenant('acme', withMetadata({ team: 'a' }, { contact: 'ops' }));

  it('adds the forced labels and annotations and records which keys are ours', () => {
    const patch = namespaceMetadataPatch(acme, namespace('acme-dev', inTenant(acme)));
    expect(patch).to.deep.equal({
      labels: { team: 'a' },
      annotations: {
        contact: 'ops',
        'tenantry.io/managed-metadata': '{"labels":["team"],"annotations":["contact"]}',
      },
    });
  });

  it('needs no request when the namespace already matches', () => {
    const ns = namespace(
      'acme-dev',
      inTenant(acme),
      nsLabels({ team: 'a', other: 'kept' }),
      nsAnnotations({
        contact: 'ops',
        'tenantry.io/managed-metadata': '{"labels":["team"],"annotations":["contact"]}',
      }),
    );
    expect(namespaceMetadataPatch(acme, ns)).to.equal(undefined);
  });

  it('removes keys it set earlier that left the spec, never keys it did not set', () => {
    const ns = namespace(
      'acme-dev',
      inTenant(acme),
      nsLabels({ team: 'a', old: 'x', theirs: 'y' }),
      nsAnnotations({
        contact: 'ops',
        'tenantry.io/managed-metadata': '{"labels":["team","old"],"annotations":["contact"]}',
      }),
    );
    expect(namespaceMetadataPatch(acme, ns)).to.deep.equal({
      labels: { old: null },
      annotations: {
        'tenantry.io/managed-metadata': '{"labels":["team"],"annotations":["contact"]}',
      },
    });
  });

  it('labels the namespaces of a cordoned Tenant, and unlabels them when it is uncordoned', () => {
    const frozen = tenant('acme', cordoned());
    expect(
      namespaceMetadataPatch(frozen, namespace('acme-dev', inTenant(frozen)))?.labels,
    ).to.deep.equal({
      'tenantry.io/cordoned': 'true',
    });
    const thawed = tenant('acme');
    const ns = namespace(
      'acme-dev',
      inTenant(thawed),
      nsLabels({ 'tenantry.io/cordoned': 'true' }),
      nsAnnotations({
        'tenantry.io/managed-metadata': '{"labels":["tenantry.io/cordoned"],"annotations":[]}',
      }),
    );
    expect(namespaceMetadataPatch(thawed, ns)).to.deep.equal({
      labels: { 'tenantry.io/cordoned': null },
      annotations: { 'tenantry.io/managed-metadata': null },
    });
  });
});

describe('the compact cache form of children', () => {
  const acme = tenant(
    'acme',
    withNetworkPolicy('same-tenant-only', sameTenantOnly('acme')),
    withRoleBinding('auditors', 'view', [{ kind: 'Group', name: 'auditors' }]),
  );
  const children = desiredNamespaceChildren(acme, 'acme-dev');

  it('keeps what a pass reads, replaces content by its digest, and still compares equal', () => {
    const np = find(children, 'NetworkPolicy');
    const full = stored(
      np,
      (o) => ((o['spec'] as Record<string, unknown>)['policyTypes'] = ['Ingress']),
    );
    const compact = compactChild('NetworkPolicy', normalisedContent)(full);
    expect(compact['spec']).to.equal(undefined);
    expect(compact.metadata).to.deep.include({
      name: np.object.metadata?.name,
      resourceVersion: '7',
    });
    expect(compact[CONTENT_DIGEST]).to.equal(contentDigest('NetworkPolicy', full));
    expect(childAction(np, compact, acme)).to.equal('none');
    const edited = stored(np, (o) => ((o['spec'] as Record<string, unknown>)['ingress'] = [{}]));
    expect(
      childAction(np, compactChild('NetworkPolicy', normalisedContent)(edited), acme),
    ).to.equal('update');
  });

  it('shares one copy of labels, ownerReferences and roleRef among the children of a Tenant', () => {
    const compact = compactChild('RoleBinding', normalisedContent);
    const [a, b] = children
      .filter((c) => c.kind === 'RoleBinding')
      .map((c) => compact(stored(c, (o) => ((o['roleRef'] as { name: string }).name = 'admin'))));
    expect(a?.metadata?.ownerReferences).to.equal(b?.metadata?.ownerReferences);
    expect(a?.metadata?.labels).to.equal(b?.metadata?.labels);
    expect(a?.['roleRef']).to.equal(b?.['roleRef']);
  });

  it('keeps the spec and status of a ResourceQuota for the quota planner', () => {
    const rq = tenant('q', withQuota('objects', { pods: 5 }));
    const child = desiredNamespaceChildren(rq, 'q-a')[0]!;
    const compact = compactChild(
      'ResourceQuota',
      normalisedContent,
    )(stored(child, (o) => (o['status'] = { used: { pods: '1' } })));
    expect(compact['spec']).to.deep.equal({ hard: { pods: '5' } });
    expect(compact['status']).to.deep.equal({ used: { pods: '1' } });
  });
});
