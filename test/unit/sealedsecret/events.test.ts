import { expect } from 'chai';
import {
  queuedEventRecorder,
  type EventRecorder,
} from '../../../controller/sealedsecret/events.js';
import { createLogger } from '../../../controller/runtime/index.js';

/** An inner recorder whose sends complete only when the test says so. */
function gatedRecorder(): {
  inner: EventRecorder;
  started: string[];
  finishNext: () => void;
} {
  const started: string[] = [];
  const gates: (() => void)[] = [];
  return {
    started,
    finishNext: () => gates.shift()?.(),
    inner: {
      record: (_about, _type, reason) =>
        new Promise<void>((resolve) => {
          started.push(reason);
          gates.push(resolve);
        }),
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const about = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'a' } };

describe('queued Event recorder (one Event in flight, like client-go)', () => {
  const log = createLogger({ level: 'silent' });

  it('sends one Event at a time, in order, and resolves each when it was sent', async () => {
    const g = gatedRecorder();
    const rec = queuedEventRecorder(g.inner, { log });
    const done: string[] = [];
    for (const r of ['one', 'two', 'three'])
      void rec.record(about, 'Normal', r, '').then(() => done.push(r));
    await tick();
    expect(g.started).to.deep.equal(['one']);
    g.finishNext();
    await tick();
    expect(done).to.deep.equal(['one']);
    expect(g.started).to.deep.equal(['one', 'two']);
    g.finishNext();
    await tick();
    g.finishNext();
    await tick();
    expect(done).to.deep.equal(['one', 'two', 'three']);
  });

  it('drops Events beyond its capacity instead of growing without bound', async () => {
    const g = gatedRecorder();
    const rec = queuedEventRecorder(g.inner, { log, capacity: 2 });
    for (const r of ['sent', 'q1', 'q2', 'dropped']) void rec.record(about, 'Normal', r, '');
    await tick();
    for (let i = 0; i < 4; i++) {
      g.finishNext();
      await tick();
    }
    expect(g.started).to.deep.equal(['sent', 'q1', 'q2']);
  });

  it('keeps sending after a recorder that throws instead of rejecting', async () => {
    let calls = 0;
    const rec = queuedEventRecorder(
      {
        record: () => {
          calls++;
          if (calls === 1) throw new Error('sync boom');
          return Promise.resolve();
        },
      },
      { log },
    );
    await rec.record(about, 'Warning', 'x', '');
    await rec.record(about, 'Normal', 'y', '');
    expect(calls).to.equal(2);
  });

  it('keeps sending after a failed Event', async () => {
    let calls = 0;
    const rec = queuedEventRecorder(
      {
        record: () => {
          calls++;
          return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
        },
      },
      { log },
    );
    await rec.record(about, 'Warning', 'x', '');
    await rec.record(about, 'Normal', 'y', '');
    expect(calls).to.equal(2);
  });
});
