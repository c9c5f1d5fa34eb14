import { expect } from 'chai';
import { limitInFlight } from '../../../controller/tenant/api.js';
import { detachPatch } from '../../../controller/tenant/finalize.js';
import {
  formatQuantity,
  granularityOf,
  parseQuantity,
  quantitiesEqual,
  resourceListsEqual,
} from '../../../controller/tenant/quantity.js';
import { RecentWrites, compareResourceVersions } from '../../../controller/tenant/recent.js';
import {
  GLOBAL_KEY,
  tenantKeysOfChild,
  tenantKeysOfNamespace,
} from '../../../controller/tenant/watches.js';
import { inTenant, namespace, nsLabels, tenant } from '../../builders/tenant.js';

describe('quantities', () => {
  const cases: [string | number, bigint][] = [
    ['1', 1_000_000_000n],
    [20, 20_000_000_000n],
    ['500m', 500_000_000n],
    ['0.5', 500_000_000n],
    ['1.5Gi', 1_610_612_736_000_000_000n],
    ['1k', 1_000_000_000_000n],
    ['1e3', 1_000_000_000_000n],
    ['2E', 2_000_000_000_000_000_000_000_000_000n],
    ['100n', 100n],
    ['0.1n', 1n],
  ];
  for (const [text, nanos] of cases) {
    it(`parses ${String(text)}`, () => expect(parseQuantity(text)).to.equal(nanos));
  }

  it('formats with the largest exact unit and compares by value, not spelling', () => {
    expect(formatQuantity(2_000_000_000n)).to.equal('2');
    expect(formatQuantity(1_500_000_000n)).to.equal('1500m');
    expect(formatQuantity(7n)).to.equal('7n');
    expect(quantitiesEqual('1Gi', '1073741824')).to.equal(true);
    expect(resourceListsEqual({ cpu: '1', pods: 3 }, { cpu: '1000m', pods: '3' })).to.equal(true);
    expect(resourceListsEqual({ cpu: '1' }, { cpu: '1', pods: '3' })).to.equal(false);
    expect(granularityOf([3_000_000_000n, 1_000_000_000n])).to.equal(1_000_000_000n);
    expect(granularityOf([1_500_000_000n])).to.equal(1_000_000n);
  });

  it('rejects what is not a quantity', () => {
    expect(() => parseQuantity('lots')).to.throw(/not a quantity/);
  });
});

describe('event mapping', () => {
  const acme = tenant('acme');

  it('maps a namespace to the Tenant of its label and every Tenant it references', () => {
    const ns = namespace('x', inTenant(acme), nsLabels({ 'tenantry.io/tenant': 'other' }));
    expect(tenantKeysOfNamespace(ns).sort()).to.deep.equal(['acme', 'other']);
    expect(tenantKeysOfNamespace(namespace('plain'))).to.deep.equal([]);
  });

  it('maps a child to its Tenant label and the shared ClusterRole to the global key', () => {
    expect(
      tenantKeysOfChild({ metadata: { labels: { 'tenantry.io/tenant': 'acme' } } }),
    ).to.deep.equal(['acme']);
    expect(
      tenantKeysOfChild({ kind: 'ClusterRole', metadata: { name: 'tenantry:namespace-owner' } }),
    ).to.deep.equal([GLOBAL_KEY]);
  });
});

describe('recent writes (read-your-writes over a lagging cache)', () => {
  const obj = (rv: string, uid = 'u1'): { metadata: { resourceVersion: string; uid: string } } => ({
    metadata: { resourceVersion: rv, uid },
  });

  it('prefers our newer write until the cache catches up, then forgets it', () => {
    const recent = new RecentWrites(() => 0);
    recent.wrote('k', obj('10'));
    expect(recent.resolve('k', obj('9'))?.metadata?.resourceVersion).to.equal('10');
    expect(recent.resolve('k', undefined)?.metadata?.resourceVersion).to.equal('10');
    expect(recent.resolve('k', obj('11'))?.metadata?.resourceVersion).to.equal('11');
    expect(recent.size()).to.equal(0);
  });

  it('hides an object we deleted while the cache still shows it, but not a namesake', () => {
    const recent = new RecentWrites(() => 0);
    recent.deleted('k', 'u1');
    expect(recent.resolve('k', obj('5'))).to.equal(undefined);
    expect(recent.resolve('k', obj('6', 'u2'))?.metadata?.uid).to.equal('u2');
  });

  it('shows a fresh child missing once the cache saw it added and deleted between two passes', () => {
    // The controller creates a child; before any pass reads it, an owner deletes it.
    const recent = new RecentWrites(() => 0);
    recent.wrote('k', obj('10'));
    recent.observed('k', obj('10'));
    recent.observedDelete('k', obj('10'));
    expect(recent.resolve('k', undefined)).to.equal(undefined);
  });

  it('forgets a write whose object is deleted even if the add event was never seen', () => {
    const recent = new RecentWrites(() => 0);
    recent.wrote('k', obj('10'));
    recent.observedDelete('k', obj('10'));
    expect(recent.resolve('k', undefined)).to.equal(undefined);
  });

  it('keeps a write when the cache only reports an older state or an older namesake going away', () => {
    const recent = new RecentWrites(() => 0);
    recent.wrote('k', obj('10', 'new'));
    recent.observed('k', obj('9', 'new'));
    recent.observedDelete('k', obj('8', 'old'));
    expect(recent.resolve('k', undefined)?.metadata?.uid).to.equal('new');
  });

  it('forgets our delete once the cache shows it, and when a namesake appears', () => {
    const recent = new RecentWrites(() => 0);
    recent.deleted('k', 'u1');
    recent.observedDelete('k', obj('5'));
    expect(recent.size()).to.equal(0);
    recent.deleted('k', 'u1');
    recent.observed('k', obj('7', 'u2'));
    expect(recent.size()).to.equal(0);
  });

  it('orders resourceVersions as integers', () => {
    expect(compareResourceVersions('9', '10')).to.equal(-1);
    expect(compareResourceVersions(undefined, '1')).to.equal(-1);
    expect(compareResourceVersions('x', 'y')).to.equal(0);
  });
});

describe('detaching a namespace', () => {
  const acme = tenant('acme');

  it('removes the Tenant reference and label, keeps other references, records where it came from', () => {
    const ns = namespace('acme-dev', inTenant(acme), (n) => {
      n.metadata.ownerReferences?.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'x',
        uid: 'cm',
      });
    });
    expect(detachPatch(ns, acme)).to.deep.equal({
      metadata: {
        resourceVersion: '1',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' }],
        labels: { 'tenantry.io/tenant': null, 'tenantry.io/cordoned': null },
        annotations: { 'tenantry.io/detached-from': 'acme', 'tenantry.io/managed-metadata': null },
      },
    });
  });

  it('has nothing to do for a namespace already detached', () => {
    expect(detachPatch(namespace('acme-dev'), acme)).to.equal(undefined);
  });
});

describe('the in-flight limiter', () => {
  it('never has more than the cap outstanding and serves urgent waiters before bulk ones', async () => {
    let inFlight = 0;
    let peak = 0;
    const order: string[] = [];
    const slow = {
      async request<T>(req: { path: string }): Promise<T> {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        order.push(req.path);
        return undefined as T;
      },
    };
    const { bulk, urgent } = limitInFlight(slow, 3);
    const all = Array.from({ length: 12 }, (_, i) =>
      bulk.request({ method: 'GET', path: `b${i}` }),
    );
    all.push(urgent.request({ method: 'GET', path: 'u' }));
    await Promise.all(all);
    expect(peak).to.equal(3);
    expect(order).to.have.length(13);
    // The urgent request waited only for the first three bulk requests to finish.
    expect(order.indexOf('u')).to.be.lessThan(4);
    expect(order.filter((p) => p !== 'u')).to.deep.equal(
      Array.from({ length: 12 }, (_, i) => `b${i}`),
    );
  });
});
