/** The admission configuration as data: the properties docs/admission.md promises. */
import { expect } from 'chai';
import {
  POLICY_NAMES,
  admissionPolicies,
  webhookConfigurations,
} from '../../../controller/admission/manifests.js';

interface Hook {
  name: string;
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  clientConfig: {
    url?: string;
    caBundle?: string;
    service?: { name: string; namespace: string; path: string; port: number };
  };
  namespaceSelector: { matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  matchConditions?: { name: string; expression: string }[];
  rules: { resources: string[]; operations: string[] }[];
}

const opts = {
  controllerUsers: ['system:serviceaccount:tenantry-system:tenantry'],
  namespace: 'tenantry-system',
};

describe('admission: manifests', () => {
  const [mutating, validating] = webhookConfigurations({
    ...opts,
    clientConfig: { service: { name: 'tenantry-webhook', namespace: 'tenantry-system' } },
    caBundle: 'Q0E=',
  });
  const hooks = [...(mutating['webhooks'] as Hook[]), ...(validating['webhooks'] as Hook[])];
  const byName = (n: string): Hook => hooks.find((h) => h.name === n)!;

  it('chooses the failure policy per hook: mutating Ignore, validating Fail', () => {
    expect(Object.fromEntries(hooks.map((h) => [h.name, h.failurePolicy]))).to.deep.equal({
      'namespaces.mutate.tenantry.io': 'Ignore',
      'namespaces.validate.tenantry.io': 'Fail',
      'tenants.validate.tenantry.io': 'Fail',
      'objects.validate.tenantry.io': 'Fail',
    });
  });

  it('uses short timeouts and declares side effects (only the quota ledger, never on dry runs)', () => {
    for (const h of hooks) expect(h.timeoutSeconds).to.be.at.most(5);
    expect(byName('namespaces.validate.tenantry.io').sideEffects).to.equal('NoneOnDryRun');
    for (const h of hooks.filter((x) => x.name !== 'namespaces.validate.tenantry.io'))
      expect(h.sideEffects).to.equal('None');
  });

  it('never gates kube-system, kube-public, kube-node-lease or the controller namespace', () => {
    for (const h of hooks.filter((x) => !x.name.startsWith('tenants.'))) {
      const notIn = h.namespaceSelector.matchExpressions?.find((e) => e.operator === 'NotIn');
      expect(notIn?.values, h.name).to.have.members([
        'kube-system',
        'kube-public',
        'kube-node-lease',
        'tenantry-system',
      ]);
    }
    const objects = byName('objects.validate.tenantry.io');
    expect(objects.namespaceSelector.matchExpressions).to.deep.include({
      key: 'tenantry.io/tenant',
      operator: 'Exists',
    });
  });

  it('excludes privileged users, Kubernetes components and requests involving no tenant', () => {
    const ns = byName('namespaces.validate.tenantry.io').matchConditions!.map((c) => c.name);
    expect(ns).to.deep.equal(['not-privileged', 'not-kubernetes-component', 'involves-tenant']);
    const priv = byName('namespaces.validate.tenantry.io').matchConditions![0]!.expression;
    expect(priv)
      .to.contain('"system:serviceaccount:tenantry-system:tenantry"')
      .and.to.contain('"system:masters"');
  });

  it('§13.22 another API version cannot bypass a hook (matchPolicy Equivalent, v1 reviews)', () => {
    for (const h of hooks as unknown as {
      matchPolicy: string;
      admissionReviewVersions: string[];
    }[]) {
      expect(h.matchPolicy).to.equal('Equivalent');
      expect(h.admissionReviewVersions).to.deep.equal(['v1']);
    }
  });

  it('covers the namespaces/status and namespaces/finalize subresources', () => {
    expect(byName('namespaces.validate.tenantry.io').rules[0]!.resources).to.deep.equal([
      'namespaces',
      'namespaces/status',
      'namespaces/finalize',
    ]);
  });

  it('points at the Service with the caBundle, or at a URL', () => {
    expect(byName('objects.validate.tenantry.io').clientConfig).to.deep.equal({
      service: {
        name: 'tenantry-webhook',
        namespace: 'tenantry-system',
        port: 443,
        path: '/validate/objects',
      },
      caBundle: 'Q0E=',
    });
    const [m] = webhookConfigurations({
      ...opts,
      clientConfig: { url: 'https://127.0.0.1:9443/' },
      caBundle: 'Q0E=',
    });
    expect((m['webhooks'] as Hook[])[0]!.clientConfig).to.deep.equal({
      url: 'https://127.0.0.1:9443/mutate/namespaces',
      caBundle: 'Q0E=',
    });
  });

  it('in cert-manager mode: the inject-ca-from annotation and no caBundle', () => {
    const [m, v] = webhookConfigurations({
      ...opts,
      clientConfig: { service: { name: 'tenantry-webhook', namespace: 'tenantry-system' } },
      caBundle: 'Q0E=',
      certManagerCertificate: 'tenantry-system/tenantry-webhook',
    });
    for (const cfg of [m, v]) {
      expect(cfg.metadata?.annotations).to.deep.equal({
        'cert-manager.io/inject-ca-from': 'tenantry-system/tenantry-webhook',
      });
      for (const h of cfg['webhooks'] as Hook[])
        expect(h.clientConfig.caBundle).to.equal(undefined);
    }
  });

  it('defines every policy with a Deny binding of the same name', () => {
    const objs = admissionPolicies(opts);
    const policies = objs
      .filter((o) => o.kind === 'ValidatingAdmissionPolicy')
      .map((o) => o.metadata?.name);
    expect(policies).to.have.members(Object.values(POLICY_NAMES));
    for (const b of objs.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding')) {
      expect(b['spec']).to.deep.equal({
        policyName: b.metadata?.name,
        validationActions: ['Deny'],
      });
    }
  });

  it('scopes the cordon policy to namespaced resources (cluster-scoped objects are never matched)', () => {
    const cordon = admissionPolicies(opts).find((o) => o.metadata?.name === POLICY_NAMES.cordoned)!;
    const rules = (
      cordon['spec'] as {
        matchConstraints: { resourceRules: { resources: string[]; scope?: string }[] };
      }
    ).matchConstraints.resourceRules;
    expect(rules.map((r) => [r.resources, r.scope])).to.deep.equal([
      [['*/*'], 'Namespaced'],
      [['namespaces'], 'Cluster'],
    ]);
  });

  it('adds system:masters to custom admin groups', () => {
    const [, v] = webhookConfigurations({
      ...opts,
      adminGroups: ['platform'],
      clientConfig: { url: 'https://x' },
    });
    const expr = (v['webhooks'] as Hook[])[0]!.matchConditions![0]!.expression;
    expect(expr).to.contain('["system:masters","platform"]');
  });
});
