import { expect } from 'chai';
import { resolveScope, type ScopeLookups } from '../../../controller/sealedsecret/scope.js';
import {
  parseSealedSecretConfig,
  watchedNamespaces,
} from '../../../controller/sealedsecret/options.js';

const tenant = { metadata: { name: 'acme', uid: 'u-acme' } };
const member = {
  metadata: {
    name: 'team',
    labels: { 'tenantry.io/tenant': 'acme' },
    ownerReferences: [
      { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', name: 'acme', uid: 'u-acme' },
    ],
  },
};
const forged = { metadata: { name: 'forged', labels: { 'tenantry.io/tenant': 'acme' } } };
const lookups: ScopeLookups = {
  namespace: (n) => ({ team: member, forged })[n],
  tenant: (n) => (n === 'acme' ? tenant : undefined),
  tenantsServed: true,
};

describe('SealedSecret scope', () => {
  it("takes the label from the object's own annotations", () => {
    const r = (annotations?: Record<string, string>): string => {
      const s = resolveScope(
        { name: 'db', namespace: 'team', ...(annotations ? { annotations } : {}) },
        lookups,
      );
      return s.ok ? s.label.toString() : `error: ${s.message}`;
    };
    expect(r()).to.equal('team/db');
    expect(r({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' })).to.equal('team');
    expect(
      r({ 'sealedsecrets.bitnami.com/cluster-wide': 'true', 'tenantry.io/tenant-wide': 'true' }),
    ).to.equal('');
    expect(r({ 'tenantry.io/tenant-wide': 'true', 'tenantry.io/tenant': 'someone-else' })).to.equal(
      'tenant:acme',
    );
    expect(r({ 'sealedsecrets.bitnami.com/namespace-wide': 'yes' })).to.equal('team/db');
  });

  it("refuses tenant-wide where the namespace is not verifiably the tenant's, saying why", () => {
    const tw = { 'tenantry.io/tenant-wide': 'true' };
    const forgedResult = resolveScope({ name: 'x', namespace: 'forged', annotations: tw }, lookups);
    expect(forgedResult.ok).to.equal(false);
    expect(!forgedResult.ok && forgedResult.message).to.equal(
      'tenant-wide SealedSecret cannot be unsealed in namespace forged: namespace forged is labelled for tenant acme but has no ownerReference to it',
    );
    const noApi = resolveScope(
      { name: 'x', namespace: 'team', annotations: tw },
      { ...lookups, tenantsServed: false },
    );
    expect(!noApi.ok && noApi.message).to.contain(
      'Tenant API (tenantry.io/v1alpha1) is not installed',
    );
  });

  it('names a mismatching sealed-for tenant only as a hint', () => {
    const s = resolveScope(
      {
        name: 'x',
        namespace: 'team',
        annotations: { 'tenantry.io/tenant-wide': 'true', 'tenantry.io/tenant': 'other' },
      },
      lookups,
    );
    expect(s.ok && s.description).to.contain('says it was sealed for tenant other');
  });

  it('parses and checks the module flags', () => {
    const c = parseSealedSecretConfig({
      'key-renew-period': '0',
      'key-cutoff-time': 'Mon, 02 Jan 2006 15:04:05 -0700',
      'drift-check-interval': '10m',
    });
    expect(c.keyPolicy.renewPeriodMs).to.equal(0);
    expect(c.keyPolicy.bits).to.equal(4096);
    expect(c.keyPolicy.prefix).to.equal('sealed-secrets-key');
    expect(c.driftCheckIntervalMs).to.equal(600_000);
    expect(c.keyPolicy.cutoff?.toISOString()).to.equal('2006-01-02T22:04:05.000Z');
    expect(() => parseSealedSecretConfig({ 'key-prefix': 'Bad_Prefix' })).to.throw('--key-prefix');
    expect(() => parseSealedSecretConfig({ 'key-size': 1024 })).to.throw('--key-size');
    expect(c.labelSelector).to.equal('');
    expect(
      parseSealedSecretConfig({ 'label-selector': ' shard in (a,b) ' }).labelSelector,
    ).to.equal('shard in (a,b)');
  });

  it('narrows to the controller namespace and --additional-namespaces as Bitnami does', () => {
    const ns = (flags: Record<string, unknown>): readonly string[] | undefined =>
      watchedNamespaces(parseSealedSecretConfig(flags), 'ctl');
    expect(ns({}), 'default: every namespace').to.equal(undefined);
    expect(ns({ 'all-namespaces': false })).to.deep.equal(['ctl']);
    expect(ns({ 'all-namespaces': 'false' })).to.deep.equal(['ctl']);
    // Additional namespaces narrow even with --all-namespaces=true (Bitnami's main.go).
    expect(ns({ 'additional-namespaces': ' team-a, team-b,team-a,,ctl ' })).to.deep.equal([
      'ctl',
      'team-a',
      'team-b',
    ]);
    expect(() => parseSealedSecretConfig({ 'additional-namespaces': 'ok,Not_OK' })).to.throw(
      '--additional-namespaces: "Not_OK" is not a namespace name',
    );
  });
});
