/**
 * The informer against a real apiserver: LIST + WATCH, event dedupe, stripped and frozen cache,
 * re-watch after the client-side timeout, and relist after a 410.
 */
import { expect } from 'chai';
import { eventually } from '../../helpers/names.js';
import { createInformer, Informer } from '../../../controller/runtime/informer.js';
import {
  apiListWatcher,
  type ListWatcher,
  type WatchCallbacks,
} from '../../../controller/runtime/listwatch.js';
import type { KubeObject } from '../../../controller/runtime/objects.js';
import {
  adminClient,
  createConfigMap,
  createNamespace,
  deleteNamespace,
  delay,
  type CountedClient,
} from './helpers.js';

interface Events {
  changed: string[];
  deleted: string[];
}

function recordEvents(informer: Informer): Events {
  const events: Events = { changed: [], deleted: [] };
  informer.addEventHandler({
    onChange: (o) => events.changed.push(o.metadata?.name ?? ''),
    onDelete: (o) => events.deleted.push(o.metadata?.name ?? ''),
  });
  return events;
}

/**
 * Wraps the real list-watcher with one fault: while `partitioned`, watch events are withheld
 * (a connection that silently stopped delivering), and `expire()` then ends the watch with the
 * Status the apiserver sends when a resourceVersion has been compacted away. Everything else —
 * the LIST the informer answers it with, the objects, the resourceVersions — is the real server.
 *
 * Why inject the 410: a 1.34 apiserver serves watches and paginated lists from its watch cache,
 * which keeps old resourceVersions for the length of a test even after an etcd compaction
 * (checked: neither a compacted watch nor a continue token fails), so a short test cannot make
 * the server itself expire a watch.
 */
class PartitionableListWatcher implements ListWatcher {
  partitioned = false;
  private current: WatchCallbacks | undefined;

  constructor(private readonly inner: ListWatcher) {}

  list(signal: AbortSignal): ReturnType<ListWatcher['list']> {
    return this.inner.list(signal);
  }

  watch(resourceVersion: string, callbacks: WatchCallbacks): Promise<() => void> {
    this.current = callbacks;
    return this.inner.watch(resourceVersion, {
      onEvent: (type, obj) => {
        if (!this.partitioned) {
          callbacks.onEvent(type, obj);
        }
      },
      onDone: (err) => callbacks.onDone(err),
    });
  }

  expire(): void {
    this.partitioned = false;
    this.current?.onEvent('ERROR', {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
      message: 'too old resource version',
    });
  }
}

describe('runtime informer against the control plane', () => {
  let admin: CountedClient;
  let ns: string;
  const informers: Informer[] = [];

  beforeEach(async () => {
    admin = adminClient();
    ns = await createNamespace(admin.client, 'rt-inf');
  });

  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
    await deleteNamespace(admin.client, ns);
  });

  it('lists, then follows creates, updates and deletes through the watch', async () => {
    await createConfigMap(admin.client, ns, 'a', { v: '1' });
    await createConfigMap(admin.client, ns, 'b');
    const informer = createInformer(admin.client, {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      fieldSelector: 'metadata.name!=kube-root-ca.crt',
    });
    informers.push(informer);
    const events = recordEvents(informer);
    informer.start();
    await informer.waitForSync();
    expect(informer.keys().sort()).to.deep.equal([`${ns}/a`, `${ns}/b`]);
    expect(informer.get(`${ns}/a`)?.kind, 'LIST items get their kind filled in').to.equal(
      'ConfigMap',
    );

    await createConfigMap(admin.client, ns, 'c');
    await admin.client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/a`,
      body: { data: { v: '2' } },
      contentType: 'application/merge-patch+json',
    });
    await admin.client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/configmaps/b` });

    await eventually('the cache to follow the server', () =>
      Promise.resolve(
        informer.get(`${ns}/a`)?.['data'] !== undefined &&
          (informer.get(`${ns}/a`)?.['data'] as Record<string, string>)['v'] === '2' &&
          informer.get(`${ns}/b`) === undefined &&
          informer.get(`${ns}/c`) !== undefined
          ? true
          : undefined,
      ),
    );
    expect(events.deleted).to.deep.equal(['b']);
    expect(events.changed.filter((n) => n === 'c')).to.have.length(1);
    expect(admin.counter.count({ verb: 'list', resource: 'configmaps' })).to.equal(1);
  });

  it('caches stripped, frozen objects', async () => {
    await admin.client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: {
        metadata: {
          name: 'applied',
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}',
            keep: 'yes',
          },
        },
      },
    });
    const informer = createInformer(admin.client, { path: `/api/v1/namespaces/${ns}/configmaps` });
    informers.push(informer);
    informer.start();
    await informer.waitForSync();
    const live = await admin.client.request<KubeObject>({
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/configmaps/applied`,
    });
    expect(live.metadata?.managedFields, 'the server does send managedFields').to.be.an('array');
    const cached = informer.get(`${ns}/applied`);
    expect(cached?.metadata).to.not.have.property('managedFields');
    expect(cached?.metadata?.annotations).to.deep.equal({ keep: 'yes' });
    expect(Object.isFrozen(cached?.metadata)).to.equal(true);
  });

  it('re-watches from its resourceVersion after the client-side timeout, without relisting', async () => {
    const informer = createInformer(admin.client, {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      watchTimeout: { minMs: 1000, maxMs: 1500 },
    });
    informers.push(informer);
    informer.start();
    await informer.waitForSync();
    await delay(3500);
    await createConfigMap(admin.client, ns, 'after-rewatch');
    await eventually('the event after re-watching', () =>
      Promise.resolve(informer.get(`${ns}/after-rewatch`) !== undefined ? true : undefined),
    );
    expect(admin.counter.count({ verb: 'watch', resource: 'configmaps' })).to.be.at.least(3);
    expect(admin.counter.count({ verb: 'list', resource: 'configmaps' })).to.equal(1);
    expect(informer.lastEventAge()).to.be.below(2000);
  });

  it('relists after a 410 and reports exactly what changed while it was cut off', async () => {
    for (const name of ['keep', 'change', 'remove']) {
      await createConfigMap(admin.client, ns, name, { v: '1' });
    }
    const lw = new PartitionableListWatcher(
      apiListWatcher(admin.client, {
        path: `/api/v1/namespaces/${ns}/configmaps`,
        fieldSelector: 'metadata.name!=kube-root-ca.crt',
        pageSize: 2,
      }),
    );
    const informer = new Informer({ name: 'configmaps', listWatcher: lw });
    informers.push(informer);
    informer.start();
    await informer.waitForSync();
    // Let the watch open before cutting it off.
    await delay(300);
    const events = recordEvents(informer);

    lw.partitioned = true;
    await createConfigMap(admin.client, ns, 'add');
    await admin.client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/change`,
      body: { data: { v: '2' } },
      contentType: 'application/merge-patch+json',
    });
    await admin.client.request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${ns}/configmaps/remove`,
    });
    await delay(300);
    expect(informer.get(`${ns}/remove`), 'nothing delivered while cut off').to.not.equal(undefined);

    lw.expire();
    await eventually('the relist', () =>
      Promise.resolve(informer.get(`${ns}/add`) !== undefined ? true : undefined),
    );
    expect(events.deleted).to.deep.equal(['remove']);
    expect(events.changed.sort()).to.deep.equal(['add', 'change']);
    expect(informer.keys().sort()).to.deep.equal([`${ns}/add`, `${ns}/change`, `${ns}/keep`]);
    // Two paginated LISTs of two pages each (3 objects at pageSize 2).
    expect(admin.counter.count({ verb: 'list', resource: 'configmaps' })).to.equal(4);

    // And the watch resumes after the relist.
    await createConfigMap(admin.client, ns, 'later');
    await eventually('an event after the relist', () =>
      Promise.resolve(informer.get(`${ns}/later`) !== undefined ? true : undefined),
    );
  });
});
