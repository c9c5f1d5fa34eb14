import { expect } from 'chai';
import { isCryptoError } from '../../../crypto/errors.js';
import { hybridDecrypt, hybridEncrypt } from '../../../crypto/hybrid.js';
import {
  CLUSTER_WIDE_ANNOTATION,
  encryptionLabel,
  NAMESPACE_WIDE_ANNOTATION,
  parseScope,
  SCOPES,
  scopeFromAnnotations,
  TENANT_WIDE_ANNOTATION,
  withScopeAnnotations,
  type LabelTarget,
} from '../../../crypto/scope.js';
import { TEST_PRIVATE_KEY, TEST_PUBLIC_KEY } from './fixtures.js';

const target = (scope: LabelTarget['scope']): LabelTarget => ({
  scope,
  namespace: 'myns',
  name: 'mysecret',
  tenant: 'acme',
});

describe('crypto/scope: scope → OAEP label', () => {
  it('strict is "<namespace>/<name>" (the code, not the docs, uses "/")', () => {
    expect(encryptionLabel(target('strict')).toString()).to.equal('myns/mysecret');
  });

  it('namespace-wide is the namespace', () => {
    expect(encryptionLabel(target('namespace-wide')).toString()).to.equal('myns');
  });

  it('cluster-wide is empty, ignoring namespace and name', () => {
    expect(encryptionLabel(target('cluster-wide')).length).to.equal(0);
  });

  it('tenant-wide is "tenant:<tenant>"', () => {
    expect(encryptionLabel(target('tenant-wide')).toString()).to.equal('tenant:acme');
  });

  it('refuses labels with missing parts', () => {
    const cases: LabelTarget[] = [
      { scope: 'strict', namespace: 'myns' },
      { scope: 'strict', name: 'mysecret' },
      { scope: 'namespace-wide', name: 'x' },
      { scope: 'tenant-wide', namespace: 'myns', name: 'x' },
      { scope: 'strict', namespace: '', name: 'x' },
    ];
    for (const c of cases) {
      expect(() => encryptionLabel(c), JSON.stringify(c))
        .to.throw()
        .that.satisfies((e: unknown) => isCryptoError(e, 'INVALID_LABEL'));
    }
  });

  it('refuses tenant names that are not Kubernetes object names', () => {
    for (const tenant of ['Acme', 'a/b', 'a:b', '-a', 'x'.repeat(254)]) {
      expect(() => encryptionLabel({ scope: 'tenant-wide', tenant }), tenant).to.throw(
        /invalid tenant name/,
      );
    }
  });

  it('labels of different scopes never collide for the same object', () => {
    const labels = SCOPES.map((s) => encryptionLabel(target(s)).toString());
    expect(new Set(labels).size).to.equal(SCOPES.length);
  });

  describe('every scope round-trips and fails under every other scope', () => {
    for (const sealed of SCOPES) {
      it(`${sealed}`, async () => {
        const blob = await hybridEncrypt(
          TEST_PUBLIC_KEY,
          Buffer.from('v'),
          encryptionLabel(target(sealed)),
        );
        for (const opened of SCOPES) {
          const open = (): Buffer =>
            hybridDecrypt(TEST_PRIVATE_KEY, blob, encryptionLabel(target(opened)));
          if (opened === sealed) expect(open().toString()).to.equal('v');
          else expect(open, `${sealed} opened as ${opened}`).to.throw(/RSA-OAEP/);
        }
      });
    }

    it('strict fails for another name or namespace; namespace-wide for another namespace; tenant-wide for another tenant', async () => {
      const cases: [LabelTarget, LabelTarget][] = [
        [target('strict'), { ...target('strict'), name: 'other' }],
        [target('strict'), { ...target('strict'), namespace: 'other' }],
        [target('namespace-wide'), { ...target('namespace-wide'), namespace: 'other' }],
        [target('tenant-wide'), { ...target('tenant-wide'), tenant: 'other' }],
      ];
      for (const [sealedFor, openedAs] of cases) {
        const blob = await hybridEncrypt(
          TEST_PUBLIC_KEY,
          Buffer.from('v'),
          encryptionLabel(sealedFor),
        );
        expect(() => hybridDecrypt(TEST_PRIVATE_KEY, blob, encryptionLabel(openedAs))).to.throw(
          /RSA-OAEP/,
        );
      }
    });

    it('namespace-wide and tenant-wide blobs move freely between names', async () => {
      for (const scope of ['namespace-wide', 'tenant-wide'] as const) {
        const blob = await hybridEncrypt(
          TEST_PUBLIC_KEY,
          Buffer.from('v'),
          encryptionLabel(target(scope)),
        );
        const moved = encryptionLabel({ ...target(scope), name: 'renamed' });
        expect(hybridDecrypt(TEST_PRIVATE_KEY, blob, moved).toString()).to.equal('v');
      }
    });
  });

  describe('annotations', () => {
    it('no annotation means strict; only the value "true" counts', () => {
      expect(scopeFromAnnotations(undefined)).to.equal('strict');
      expect(scopeFromAnnotations({ [CLUSTER_WIDE_ANNOTATION]: 'True' })).to.equal('strict');
      expect(scopeFromAnnotations({ [NAMESPACE_WIDE_ANNOTATION]: 'yes' })).to.equal('strict');
    });

    it('maps each annotation to its scope', () => {
      expect(scopeFromAnnotations({ [NAMESPACE_WIDE_ANNOTATION]: 'true' })).to.equal(
        'namespace-wide',
      );
      expect(scopeFromAnnotations({ [TENANT_WIDE_ANNOTATION]: 'true' })).to.equal('tenant-wide');
      expect(scopeFromAnnotations({ [CLUSTER_WIDE_ANNOTATION]: 'true' })).to.equal('cluster-wide');
    });

    it('precedence: cluster-wide > tenant-wide > namespace-wide', () => {
      const all = {
        [NAMESPACE_WIDE_ANNOTATION]: 'true',
        [TENANT_WIDE_ANNOTATION]: 'true',
        [CLUSTER_WIDE_ANNOTATION]: 'true',
      };
      expect(scopeFromAnnotations(all)).to.equal('cluster-wide');
      const { [CLUSTER_WIDE_ANNOTATION]: _c, ...noCluster } = all;
      expect(scopeFromAnnotations(noCluster)).to.equal('tenant-wide');
    });

    it('withScopeAnnotations sets exactly one scope annotation and keeps the rest', () => {
      const before = { a: '1', [CLUSTER_WIDE_ANNOTATION]: 'true' };
      expect(withScopeAnnotations(before, 'namespace-wide')).to.deep.equal({
        a: '1',
        [NAMESPACE_WIDE_ANNOTATION]: 'true',
      });
      expect(withScopeAnnotations(before, 'strict')).to.deep.equal({ a: '1' });
      expect(before).to.have.property(CLUSTER_WIDE_ANNOTATION);
      for (const scope of SCOPES) {
        expect(scopeFromAnnotations(withScopeAnnotations(before, scope))).to.equal(scope);
      }
    });

    it('parseScope accepts exactly the four names', () => {
      expect(SCOPES.map(parseScope)).to.deep.equal([...SCOPES]);
      expect(parseScope('Strict')).to.equal(undefined);
      expect(parseScope('namespace')).to.equal(undefined);
    });
  });
});
