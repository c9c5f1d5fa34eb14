import { expect } from 'chai';
import { FakeClock } from '../../../controller/runtime/clock.js';
import { Informer } from '../../../controller/runtime/informer.js';
import {
  LAST_APPLIED_ANNOTATION,
  type DeepReadonly,
  type KubeObject,
} from '../../../controller/runtime/objects.js';
import { FakeListWatcher, cm, flush } from './fakes.js';

interface Recorded {
  changes: { name: string; rv: string; oldRv: string | undefined }[];
  deletes: string[];
}

function record(informer: Informer): Recorded {
  const rec: Recorded = { changes: [], deletes: [] };
  informer.addEventHandler({
    onChange: (obj, old) =>
      rec.changes.push({
        name: obj.metadata?.name ?? '',
        rv: obj.metadata?.resourceVersion ?? '',
        oldRv: old?.metadata?.resourceVersion,
      }),
    onDelete: (obj) => rec.deletes.push(obj.metadata?.name ?? ''),
  });
  return rec;
}

describe('runtime/informer (logic, against a scripted list-watcher)', () => {
  let clock: FakeClock;
  let lw: FakeListWatcher;
  let informer: Informer;
  let rec: Recorded;

  beforeEach(() => {
    clock = new FakeClock();
    lw = new FakeListWatcher();
    informer = new Informer({
      name: 'configmaps',
      listWatcher: lw,
      clock,
      random: () => 0,
      watchTimeout: { minMs: 60_000, maxMs: 120_000 },
      backoff: { baseMs: 100, maxMs: 1_000 },
    });
    rec = record(informer);
  });

  afterEach(async () => {
    await informer.stop();
    expect(clock.pendingTimers(), 'stop() leaves no timer').to.equal(0);
  });

  it('lists, syncs, emits one change per object and watches from the list version', async () => {
    lw.items = [cm('a', '5'), cm('b', '6')];
    lw.resourceVersion = '10';
    informer.start();
    await informer.waitForSync();
    await flush();
    expect(informer.hasSynced()).to.equal(true);
    expect(informer.keys().sort()).to.deep.equal(['ns/a', 'ns/b']);
    expect(rec.changes.map((c) => c.name)).to.deep.equal(['a', 'b']);
    expect(lw.current().resourceVersion).to.equal('10');
  });

  it('strips managedFields and last-applied, and freezes cached objects', async () => {
    const obj = cm('a', '5');
    obj.metadata = {
      ...obj.metadata,
      managedFields: [{ manager: 'kubectl' }],
      annotations: { [LAST_APPLIED_ANNOTATION]: '{}', keep: 'me' },
    };
    lw.items = [obj];
    informer.start();
    await informer.waitForSync();
    const cached = informer.get('ns/a');
    expect(cached?.metadata).to.not.have.property('managedFields');
    expect(cached?.metadata?.annotations).to.deep.equal({ keep: 'me' });
    expect(Object.isFrozen(cached)).to.equal(true);
    expect(Object.isFrozen(cached?.metadata?.annotations)).to.equal(true);
    expect(() => {
      (cached as unknown as KubeObject)['data'] = {};
    }).to.throw(TypeError);
  });

  it('keeps the last-applied annotation when asked (objects written back whole)', async () => {
    const keeping = new Informer<KubeObject>({
      name: 'keeping',
      listWatcher: lw,
      clock,
      keepLastApplied: true,
    });
    const obj = cm('a', '5');
    obj.metadata = {
      ...obj.metadata,
      managedFields: [{ manager: 'kubectl' }],
      annotations: { [LAST_APPLIED_ANNOTATION]: '{}' },
    };
    lw.items = [obj];
    keeping.start();
    await keeping.waitForSync();
    const cached = keeping.get('ns/a');
    expect(cached?.metadata).to.not.have.property('managedFields');
    expect(cached?.metadata?.annotations).to.deep.equal({ [LAST_APPLIED_ANNOTATION]: '{}' });
    await keeping.stop();
  });

  it('applies the transform hook before caching', async () => {
    const slim = new Informer<KubeObject>({
      name: 'slim',
      listWatcher: lw,
      clock,
      transform: (o) => ({ ...o, data: undefined }),
    });
    lw.items = [cm('a', '1', { big: 'x'.repeat(1000) })];
    slim.start();
    await slim.waitForSync();
    expect(slim.get('ns/a')?.['data']).to.equal(undefined);
    await slim.stop();
  });

  it('turns watch events into changes and deletes, ignoring repeats of a known resourceVersion', async () => {
    lw.items = [cm('a', '5')];
    informer.start();
    await informer.waitForSync();
    await flush();
    const w = lw.current();
    w.callbacks.onEvent('MODIFIED', cm('a', '5'));
    w.callbacks.onEvent('MODIFIED', cm('a', '7'));
    w.callbacks.onEvent('ADDED', cm('c', '8'));
    w.callbacks.onEvent('DELETED', cm('a', '9'));
    expect(rec.changes.map((c) => `${c.name}@${c.rv}<${c.oldRv}`)).to.deep.equal([
      'a@5<undefined',
      'a@7<5',
      'c@8<undefined',
    ]);
    expect(rec.deletes).to.deep.equal(['a']);
    expect(informer.keys()).to.deep.equal(['ns/c']);
    expect(informer.resourceVersion()).to.equal('9');
  });

  it('moves its resourceVersion on bookmarks and counts them as life signs', async () => {
    informer.start();
    await informer.waitForSync();
    await flush();
    clock.advance(30_000);
    expect(informer.lastEventAge()).to.equal(30_000);
    lw.current().callbacks.onEvent('BOOKMARK', {
      kind: 'ConfigMap',
      metadata: { resourceVersion: '99' },
    });
    expect(informer.lastEventAge()).to.equal(0);
    expect(informer.resourceVersion()).to.equal('99');
    expect(rec.changes).to.have.length(0);
  });

  it('relists on an in-stream 410 and reports only the difference', async () => {
    lw.items = [cm('a', '5'), cm('b', '6')];
    informer.start();
    await informer.waitForSync();
    await flush();
    rec.changes.length = 0;
    // While the watch was expired: b deleted, c created, a unchanged.
    lw.items = [cm('a', '5'), cm('c', '12')];
    lw.resourceVersion = '20';
    lw.current().callbacks.onEvent('ERROR', { kind: 'Status', code: 410 });
    await flush();
    expect(lw.listCalls).to.equal(2);
    expect(rec.deletes).to.deep.equal(['b']);
    expect(rec.changes.map((c) => c.name)).to.deep.equal(['c']);
    expect(lw.current().resourceVersion).to.equal('20');
    expect(lw.watches[0]?.aborted).to.equal(true);
  });

  it('relists when the watch request itself fails with HTTP 410', async () => {
    informer.start();
    await informer.waitForSync();
    await flush();
    lw.current().callbacks.onDone(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await flush();
    expect(lw.listCalls).to.equal(2);
  });

  it('reconnects with backoff from the last resourceVersion after an error, without relisting', async () => {
    lw.items = [cm('a', '5')];
    informer.start();
    await informer.waitForSync();
    await flush();
    lw.current().callbacks.onEvent('MODIFIED', cm('a', '6'));
    lw.current().callbacks.onDone(new Error('ECONNRESET'));
    await flush();
    expect(lw.watches).to.have.length(1);
    clock.advance(100);
    await flush();
    expect(lw.watches).to.have.length(2);
    expect(lw.current().resourceVersion).to.equal('6');
    expect(lw.listCalls).to.equal(1);
  });

  it('keeps retrying a failing LIST forever with growing delays', async () => {
    lw.listError = new Error('connection refused');
    informer.start();
    await flush();
    expect(informer.hasSynced()).to.equal(false);
    expect(clock.nextTimerIn()).to.equal(100);
    lw.listError = new Error('still refused');
    clock.advance(100);
    await flush();
    expect(clock.nextTimerIn()).to.equal(200);
    clock.advance(200);
    await flush();
    expect(informer.hasSynced()).to.equal(true);
    expect(lw.listCalls).to.equal(3);
  });

  it('re-watches from the last resourceVersion when the client-side timeout fires', async () => {
    informer.start();
    await informer.waitForSync();
    await flush();
    lw.current().callbacks.onEvent('ADDED', cm('x', '42'));
    clock.advance(60_000);
    await flush();
    expect(lw.watches).to.have.length(2);
    expect(lw.watches[0]?.aborted).to.equal(true);
    expect(lw.current().resourceVersion).to.equal('42');
    expect(lw.listCalls).to.equal(1);
  });

  it('backs off when the server closes a watch at once with no event (no request spam)', async () => {
    informer.start();
    await informer.waitForSync();
    await flush();
    lw.current().callbacks.onDone(null);
    await flush();
    expect(lw.watches).to.have.length(1);
    clock.advance(100);
    await flush();
    expect(lw.watches).to.have.length(2);
  });

  it('re-watches at once after a healthy watch closes cleanly', async () => {
    informer.start();
    await informer.waitForSync();
    await flush();
    clock.advance(5_000);
    lw.current().callbacks.onDone(null);
    await flush();
    expect(lw.watches).to.have.length(2);
  });

  it('survives a throwing handler and still delivers to the others', async () => {
    const seen: string[] = [];
    informer.addEventHandler({
      onChange: () => {
        throw new Error('handler bug');
      },
    });
    informer.addEventHandler({ onChange: (o) => seen.push(o.metadata?.name ?? '') });
    lw.items = [cm('a', '1')];
    informer.start();
    await informer.waitForSync();
    expect(seen).to.deep.equal(['a']);
  });

  it('ends the watch and retries when an event cannot be keyed', async () => {
    informer.start();
    await informer.waitForSync();
    await flush();
    lw.current().callbacks.onEvent('ADDED', {
      kind: 'ConfigMap',
      metadata: { resourceVersion: '3' },
    });
    await flush();
    expect(lw.watches[0]?.aborted).to.equal(true);
    clock.advance(100);
    await flush();
    expect(lw.watches).to.have.length(2);
  });

  it('serves secondary indexes and the namespace index', async () => {
    informer.addIndex('owner', (o: DeepReadonly<KubeObject>) =>
      (o.metadata?.ownerReferences ?? []).map((r) => r.uid),
    );
    const owned = cm('a', '1');
    owned.metadata = {
      ...owned.metadata,
      ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }],
    };
    lw.items = [owned, cm('b', '2')];
    informer.start();
    await informer.waitForSync();
    expect(informer.byIndex('owner', 'u1').map((o) => o.metadata?.name)).to.deep.equal(['a']);
    expect(informer.list('ns')).to.have.length(2);
    expect(informer.list('other')).to.have.length(0);
  });

  it('rejects waitForSync when stopped before syncing', async () => {
    lw.listError = new Error('down');
    informer.start();
    const wait = informer.waitForSync();
    await informer.stop();
    let error: unknown;
    try {
      await wait;
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/stopped/);
  });
});
