import { expect } from 'chai';
import { Registry } from 'prom-client';
import { FakeClock } from '../../../controller/runtime/clock.js';
import {
  Controller,
  TerminalError,
  isTerminalError,
  type Reconciler,
} from '../../../controller/runtime/controller.js';
import { runtimeMetrics } from '../../../controller/runtime/metrics.js';
import { deepFreeze, type KubeObject } from '../../../controller/runtime/objects.js';
import { FakeSource, cm, flush } from './fakes.js';

/** Counts reconciles per key; `behaviour` decides each call's outcome. */
function recorder(
  behaviour: (key: string, n: number) => Promise<{ requeueAfterMs?: number } | void>,
): {
  reconcile: Reconciler;
  calls: Map<string, number>;
} {
  const calls = new Map<string, number>();
  const reconcile: Reconciler = (key) => {
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    return behaviour(key, n);
  };
  return { reconcile, calls };
}

async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) =>
    Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  );
  return value?.value ?? 0;
}

describe('runtime/controller (result handling, against a fake source)', () => {
  let clock: FakeClock;
  let source: FakeSource;
  let registry: Registry;
  let controller: Controller | undefined;

  beforeEach(() => {
    clock = new FakeClock();
    source = new FakeSource();
    registry = new Registry();
  });

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    expect(clock.pendingTimers(), 'stop() leaves no timer').to.equal(0);
  });

  function make(reconcile: Reconciler, workers = 1): Controller {
    controller = new Controller({
      name: 'test',
      reconcile,
      workers,
      clock,
      metrics: runtimeMetrics(registry),
    }).watch(source);
    return controller;
  }

  it('starts only after its sources synced, then reconciles every cached object once', async () => {
    const { reconcile, calls } = recorder(() => Promise.resolve());
    source.change('ns/a', deepFreeze(cm('a', '1')));
    source.change('ns/b', deepFreeze(cm('b', '1')));
    const c = make(reconcile);
    let started = false;
    const starting = c.start().then(() => {
      started = true;
    });
    await flush();
    expect(started).to.equal(false);
    expect(calls.size).to.equal(0);
    source.sync();
    await starting;
    await flush();
    expect([...calls.entries()].sort()).to.deep.equal([
      ['ns/a', 1],
      ['ns/b', 1],
    ]);
    expect(
      await metricValue(registry, 'controller_runtime_reconcile_total', { result: 'success' }),
    ).to.equal(2);
  });

  it('enqueues keys from events; handlers never reconcile directly', async () => {
    const { reconcile, calls } = recorder(() => Promise.resolve());
    source.sync();
    await make(reconcile).start();
    source.change('ns/x', deepFreeze(cm('x', '1')));
    source.change('ns/x', deepFreeze(cm('x', '2')));
    await flush();
    expect(calls.get('ns/x')).to.be.within(1, 2);
  });

  it('retries a thrown error with growing backoff until it succeeds, then forgets', async () => {
    const { reconcile, calls } = recorder((_key, n) =>
      n < 4 ? Promise.reject(new Error(`transient ${n}`)) : Promise.resolve(),
    );
    source.change('ns/a', deepFreeze(cm('a', '1')));
    source.sync();
    const c = make(reconcile);
    await c.start();
    await flush();
    expect(calls.get('ns/a')).to.equal(1);
    expect(clock.nextTimerIn()).to.equal(5);
    clock.advance(5);
    await flush();
    expect(clock.nextTimerIn()).to.equal(10);
    clock.advance(10);
    await flush();
    clock.advance(20);
    await flush();
    expect(calls.get('ns/a')).to.equal(4);
    expect(c.queue()?.numRequeues('ns/a')).to.equal(0);
    expect(await metricValue(registry, 'controller_runtime_reconcile_errors_total', {})).to.equal(
      3,
    );
    expect(await metricValue(registry, 'workqueue_retries_total', { name: 'test' })).to.equal(3);
  });

  it('does not retry a TerminalError, but counts it', async () => {
    const { reconcile, calls } = recorder(() =>
      Promise.reject(new Error('wrapped', { cause: new TerminalError('invalid spec') })),
    );
    source.change('ns/a', deepFreeze(cm('a', '1')));
    source.sync();
    await make(reconcile).start();
    await flush();
    clock.advance(10_000_000);
    await flush();
    expect(calls.get('ns/a')).to.equal(1);
    expect(clock.pendingTimers()).to.equal(0);
    expect(
      await metricValue(registry, 'controller_runtime_terminal_reconcile_errors_total', {}),
    ).to.equal(1);
    expect(
      await metricValue(registry, 'controller_runtime_reconcile_total', { result: 'error' }),
    ).to.equal(1);
  });

  it('requeues after requeueAfterMs without counting a failure', async () => {
    const { reconcile, calls } = recorder((_k, n) =>
      Promise.resolve(n === 1 ? { requeueAfterMs: 30_000 } : {}),
    );
    source.change('ns/a', deepFreeze(cm('a', '1')));
    source.sync();
    const c = make(reconcile);
    await c.start();
    await flush();
    expect(clock.nextTimerIn()).to.equal(30_000);
    expect(c.queue()?.numRequeues('ns/a')).to.equal(0);
    clock.advance(30_000);
    await flush();
    expect(calls.get('ns/a')).to.equal(2);
    expect(
      await metricValue(registry, 'controller_runtime_reconcile_total', {
        result: 'requeue_after',
      }),
    ).to.equal(1);
  });

  it('maps related objects to their owner key', async () => {
    const { reconcile, calls } = recorder(() => Promise.resolve());
    const related = new FakeSource();
    related.sync();
    source.sync();
    controller = new Controller({ name: 'test', reconcile, clock }).watch(source).watch(related, {
      map: (o) => [o.metadata?.labels?.['owner'] ?? ''].filter((k) => k !== ''),
    });
    await controller.start();
    const child: KubeObject = {
      metadata: { name: 'child', namespace: 'ns', labels: { owner: 'tenant-a' } },
    };
    related.change('ns/child', deepFreeze(child));
    await flush();
    expect([...calls.keys()]).to.deep.equal(['tenant-a']);
  });

  it('never runs one key on two workers at once, and re-runs it if it changed meanwhile', async () => {
    let running = 0;
    let maxRunning = 0;
    let release: (() => void) | undefined;
    const { reconcile, calls } = recorder(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      running--;
    });
    source.sync();
    await make(reconcile, 4).start();
    source.change('ns/a', deepFreeze(cm('a', '1')));
    await flush();
    source.change('ns/a', deepFreeze(cm('a', '2')));
    source.change('ns/a', deepFreeze(cm('a', '3')));
    await flush();
    expect(maxRunning).to.equal(1);
    release?.();
    await flush();
    expect(calls.get('ns/a'), 'one more pass for the changes made while running').to.equal(2);
    release?.();
    await flush();
    expect(maxRunning).to.equal(1);
  });

  it('stop() waits for in-flight reconciles, aborts their signal and starts nothing new', async () => {
    let release: (() => void) | undefined;
    let aborted = false;
    const reconcile: Reconciler = async (_key, ctx) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      aborted = ctx.signal.aborted;
    };
    source.change('ns/a', deepFreeze(cm('a', '1')));
    source.change('ns/b', deepFreeze(cm('b', '1')));
    source.sync();
    const c = make(reconcile);
    await c.start();
    await flush();
    let stopped = false;
    const stopping = c.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped, 'still waiting for the in-flight reconcile').to.equal(false);
    release?.();
    await stopping;
    expect(aborted).to.equal(true);
    expect(c.isRunning()).to.equal(false);
  });

  it('can start again after stop (leadership regained) and replays the cache', async () => {
    const { reconcile, calls } = recorder(() => Promise.resolve());
    source.change('ns/a', deepFreeze(cm('a', '1')));
    source.sync();
    const c = make(reconcile);
    await c.start();
    await flush();
    await c.stop();
    await c.start();
    await flush();
    expect(calls.get('ns/a')).to.equal(2);
  });

  it('start() returns without starting when stopped while waiting for sync', async () => {
    const { reconcile, calls } = recorder(() => Promise.resolve());
    const c = make(reconcile);
    const starting = c.start();
    await c.stop();
    await starting;
    source.sync();
    source.change('ns/a', deepFreeze(cm('a', '1')));
    await flush();
    expect(calls.size).to.equal(0);
    expect(c.isRunning()).to.equal(false);
  });

  it('isTerminalError follows the cause chain', () => {
    expect(isTerminalError(new TerminalError('x'))).to.equal(true);
    expect(
      isTerminalError(new Error('a', { cause: new Error('b', { cause: new TerminalError('c') }) })),
    ).to.equal(true);
    expect(isTerminalError(new Error('plain'))).to.equal(false);
    expect(isTerminalError(undefined)).to.equal(false);
  });
});
