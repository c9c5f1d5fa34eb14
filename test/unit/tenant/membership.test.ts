import { expect } from 'chai';
import {
  isMemberOf,
  membershipOf,
  tenantOwnerReference,
} from '../../../controller/tenant/membership.js';

const acme = { metadata: { name: 'acme', uid: 'uid-acme' } };
const lookup = (name: string): typeof acme | undefined => (name === 'acme' ? acme : undefined);
const ns = (labels: Record<string, string>, refs: object[]): object => ({
  metadata: { name: 'acme-dev', labels, ownerReferences: refs },
});
const ref = tenantOwnerReference(acme);

describe('namespace membership (the core invariant)', () => {
  it('accepts the label plus one ownerReference with the current UID', () => {
    expect(membershipOf(ns({ 'tenantry.io/tenant': 'acme' }, [ref]), lookup)).to.deep.equal({
      member: true,
      tenant: 'acme',
    });
    expect(isMemberOf(ns({ 'tenantry.io/tenant': 'acme' }, [ref]), 'acme', lookup)).to.equal(true);
  });

  const denied: [string, object, RegExp][] = [
    ['label alone', ns({ 'tenantry.io/tenant': 'acme' }, []), /no ownerReference/],
    ['ownerReference alone', ns({}, [ref]), /no tenantry.io\/tenant label/],
    [
      'a forged UID',
      ns({ 'tenantry.io/tenant': 'acme' }, [{ ...ref, uid: 'forged' }]),
      /does not match/,
    ],
    [
      'a reference to another tenant',
      ns({ 'tenantry.io/tenant': 'acme' }, [{ ...ref, name: 'other' }]),
      /does not match/,
    ],
    [
      'two Tenant references',
      ns({ 'tenantry.io/tenant': 'acme' }, [ref, { ...ref, name: 'other', uid: 'x' }]),
      /2 Tenant ownerReferences/,
    ],
    [
      'a label naming an unknown tenant',
      ns({ 'tenantry.io/tenant': 'ghost' }, [{ ...ref, name: 'ghost' }]),
      /does not exist/,
    ],
  ];
  for (const [what, subject, reason] of denied) {
    it(`rejects ${what}`, () => {
      const m = membershipOf(subject, lookup);
      expect(m.member).to.equal(false);
      expect(m.member ? '' : m.reason).to.match(reason);
    });
  }

  it('ignores unrelated ownerReferences beside the Tenant one', () => {
    const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'y' };
    expect(isMemberOf(ns({ 'tenantry.io/tenant': 'acme' }, [other, ref]), 'acme', lookup)).to.equal(
      true,
    );
  });
});
