import { expect } from 'chai';
import { validateTenant } from '../../../controller/admission/tenants.js';
import type { AdmissionRequest } from '../../../controller/admission/types.js';
import {
  computeStatus,
  specProblems,
  terminatingStatus,
  type Problem,
} from '../../../controller/tenant/status.js';
import { atGeneration, cordoned, tenant, withOwner } from '../../builders/tenant.js';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-01T00:05:00.000Z');

describe('Tenant status', () => {
  it('reports state, size, sorted namespaces, effective owners and Ready=True with observedGeneration', () => {
    const acme = tenant(
      'acme',
      withOwner('User', 'alice'),
      withOwner('Group', 'ops', ['admin', 'view']),
      atGeneration(3),
    );
    const s = computeStatus({
      tenant: acme,
      namespaces: ['acme-b', 'acme-a'],
      problems: [],
      now: t0,
    });
    expect(s).to.deep.equal({
      state: 'Active',
      size: 2,
      namespaces: ['acme-a', 'acme-b'],
      owners: [
        { kind: 'User', name: 'alice', clusterRoles: ['admin'] },
        { kind: 'Group', name: 'ops', clusterRoles: ['admin', 'view'] },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Reconciled',
          message: '2 namespaces reconciled',
          observedGeneration: 3,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
      observedGeneration: 3,
    });
  });

  it('keeps observedGeneration at the last fully reconciled generation while there are problems', () => {
    const acme = tenant('acme', atGeneration(4));
    acme.status = { observedGeneration: 3 };
    const problem: Problem = { reason: 'ApplyFailed', message: 'NetworkPolicy acme-a/x: invalid' };
    const s = computeStatus({ tenant: acme, namespaces: ['acme-a'], problems: [problem], now: t0 });
    expect(s.observedGeneration).to.equal(3);
    expect(s.conditions?.[0]).to.include({
      status: 'False',
      reason: 'ApplyFailed',
      message: 'NetworkPolicy acme-a/x: invalid',
    });
  });

  it('moves lastTransitionTime only when Ready flips, so an unchanged pass computes an equal status', () => {
    const acme = tenant('acme');
    acme.status = computeStatus({ tenant: acme, namespaces: [], problems: [], now: t0 });
    const again = computeStatus({ tenant: acme, namespaces: [], problems: [], now: t1 });
    expect(again).to.deep.equal(acme.status);
    const failed = computeStatus({
      tenant: acme,
      namespaces: [],
      problems: [{ reason: 'ChildConflict', message: 'x' }],
      now: t1,
    });
    expect(failed.conditions?.[0]?.lastTransitionTime).to.equal('2026-01-01T00:05:00Z');
  });

  it('says Cordoned for a cordoned Tenant and Terminating while the deletion policy runs', () => {
    expect(
      computeStatus({ tenant: tenant('a', cordoned()), namespaces: [], problems: [], now: t0 })
        .state,
    ).to.equal('Cordoned');
    const gone = tenant('a');
    gone.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const s = terminatingStatus(gone, ['a-1'], t0);
    expect(s.state).to.equal('Terminating');
    expect(s.conditions?.[0]).to.include({ status: 'False', reason: 'Terminating' });
  });

  it('flags forbidden-key expressions that do not compile as RE2 (Ready=False, InvalidSpec)', () => {
    const problems = (
      field: 'forbiddenLabels' | 'forbiddenAnnotations',
      deniedRegex: string,
    ): Problem[] => {
      const t = tenant('a');
      t.spec.namespaceOptions = { [field]: { deniedRegex } };
      return specProblems(t);
    };
    // Valid RE2, including the inline flags JavaScript's RegExp refuses.
    expect(problems('forbiddenLabels', '^internal\\.example\\.com/')).to.deep.equal([]);
    expect(problems('forbiddenLabels', '(?i)^Example')).to.deep.equal([]);
    // Not RE2: a syntax error, a lookahead, a backreference.
    for (const bad of ['[a-', '(unclosed', '^(?!kube)', '(a)\\1']) {
      const found = problems('forbiddenAnnotations', bad);
      expect(
        found.map((p) => p.reason),
        bad,
      ).to.deep.equal(['InvalidSpec']);
      expect(found[0]?.message, bad).to.match(
        /^spec\.namespaceOptions\.forbiddenAnnotations\.deniedRegex does not compile as RE2: /,
      );
    }
  });

  it('judges a pattern exactly as admission does (one definition of a valid deniedRegex)', () => {
    for (const source of ['(?i)^Example', '^a.b$', '[a-', '^(?!kube)', '\\Qa.b\\E', '(?P<x>a)']) {
      const t = tenant('a');
      t.spec.namespaceOptions = { forbiddenLabels: { deniedRegex: source } };
      const webhook = validateTenant({
        operation: 'CREATE',
        object: t,
      } as unknown as AdmissionRequest);
      expect(specProblems(t).length === 0, source).to.equal(webhook.allowed);
    }
  });
});
