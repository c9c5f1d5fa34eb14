import { expect } from 'chai';
import { deepFreeze, objectKey, type KubeObject } from '../../../controller/runtime/objects.js';
import { ObjectStore } from '../../../controller/runtime/store.js';
import { NamespaceUnion, type NamespacedMember } from '../../../controller/runtime/union.js';
import { FakeSource } from './fakes.js';

const obj = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace, name },
});

/** A member informer: a store for reads, a fake source for events and sync. */
function member(...objs: KubeObject[]): NamespacedMember<KubeObject> & { source: FakeSource } {
  const store = new ObjectStore<KubeObject>();
  for (const o of objs) store.set(objectKey(o), deepFreeze(o));
  const source = new FakeSource<KubeObject>();
  return {
    source,
    get: (k) => store.get(k),
    list: (ns?: string) => store.list(ns),
    byIndex: (i, v) => store.byIndex(i, v),
    keys: () => store.keys(),
    size: () => store.size(),
    addEventHandler: (h) => source.addEventHandler(h),
    hasSynced: () => source.hasSynced(),
    waitForSync: (s) => source.waitForSync(s),
  };
}

describe('NamespaceUnion', () => {
  it("reads each key from its namespace's informer and lists across all", () => {
    const a = member(obj('a', 'x'), obj('a', 'y'));
    const b = member(obj('b', 'x'));
    const u = new NamespaceUnion(
      new Map([
        ['a', a],
        ['b', b],
      ]),
    );
    expect(u.get('a/x')?.metadata?.namespace).to.equal('a');
    expect(u.get('b/x')?.metadata?.namespace).to.equal('b');
    expect(u.get('c/x'), 'a namespace outside the union').to.equal(undefined);
    expect(u.get('x'), 'a cluster-scoped key').to.equal(undefined);
    expect(u.keys().sort()).to.deep.equal(['a/x', 'a/y', 'b/x']);
    expect(u.size()).to.equal(3);
    expect(u.list('a').map((o) => o.metadata?.name)).to.deep.equal(['x', 'y']);
    expect(u.list('c')).to.deep.equal([]);
    expect(u.list()).to.have.length(3);
  });

  it('passes every member’s events to a handler until it is removed, and syncs when all have', async () => {
    const a = member();
    const b = member();
    const u = new NamespaceUnion(
      new Map([
        ['a', a],
        ['b', b],
      ]),
    );
    const seen: string[] = [];
    const remove = u.addEventHandler({ onChange: (o) => seen.push(objectKey(o)) });
    a.source.change('a/x', deepFreeze(obj('a', 'x')));
    b.source.change('b/y', deepFreeze(obj('b', 'y')));
    remove();
    b.source.change('b/z', deepFreeze(obj('b', 'z')));
    expect(seen).to.deep.equal(['a/x', 'b/y']);

    let synced = false;
    const waiting = u.waitForSync().then(() => (synced = true));
    a.source.sync();
    await new Promise((r) => setImmediate(r));
    expect(u.hasSynced()).to.equal(false);
    expect(synced, 'not before every member synced').to.equal(false);
    b.source.sync();
    await waiting;
    expect(u.hasSynced()).to.equal(true);
  });
});
