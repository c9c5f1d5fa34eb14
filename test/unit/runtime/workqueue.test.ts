import { expect } from 'chai';
import { FakeClock } from '../../../controller/runtime/clock.js';
import { ExponentialRateLimiter } from '../../../controller/runtime/ratelimiter.js';
import { WorkQueue, type WorkQueueMetrics } from '../../../controller/runtime/workqueue.js';

/** Lets pending promise callbacks run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function countingMetrics(): WorkQueueMetrics & { adds: number; retries: number; depthNow: number } {
  const m = {
    adds: 0,
    retries: 0,
    depthNow: 0,
    depth: (n: number): void => {
      m.depthNow = n;
    },
    add: (): void => {
      m.adds++;
    },
    retry: (): void => {
      m.retries++;
    },
  };
  return m;
}

describe('runtime/workqueue', () => {
  let clock: FakeClock;
  let queue: WorkQueue;

  beforeEach(() => {
    clock = new FakeClock();
    queue = new WorkQueue({ clock });
  });

  afterEach(() => {
    queue.shutDown();
  });

  describe('de-duplication', () => {
    it('stores a key added several times once, in first-add order', async () => {
      queue.add('a');
      queue.add('b');
      queue.add('a');
      expect(queue.len()).to.equal(2);
      expect(await queue.get()).to.equal('a');
      expect(await queue.get()).to.equal('b');
      expect(queue.len()).to.equal(0);
    });

    it('counts only adds that entered the queue', () => {
      const metrics = countingMetrics();
      const q = new WorkQueue({ clock, metrics });
      q.add('a');
      q.add('a');
      q.add('b');
      expect(metrics.adds).to.equal(2);
      expect(metrics.depthNow).to.equal(2);
      q.shutDown();
    });
  });

  describe('processing', () => {
    it('never hands out a key that is being processed', async () => {
      queue.add('a');
      const first = await queue.get();
      expect(first).to.equal('a');
      queue.add('a');
      expect(queue.len(), 'a processing key is not queued again').to.equal(0);
      let second: string | undefined;
      void queue.get().then((k) => {
        second = k;
      });
      await flush();
      expect(second, 'a second worker must wait').to.equal(undefined);
      queue.done('a');
      await flush();
      expect(second, 're-added while processing → processed again after done').to.equal('a');
    });

    it('does not re-queue a key on done if it was not added meanwhile', async () => {
      queue.add('a');
      await queue.get();
      queue.done('a');
      expect(queue.len()).to.equal(0);
    });

    it('hands keys to waiting workers in order', async () => {
      const got: (string | undefined)[] = [];
      const w1 = queue.get().then((k) => got.push(k));
      const w2 = queue.get().then((k) => got.push(k));
      queue.add('x');
      queue.add('y');
      await Promise.all([w1, w2]);
      expect(got).to.deep.equal(['x', 'y']);
    });
  });

  describe('rate limiting', () => {
    it('grows the per-key delay exponentially from 5 ms', async () => {
      const delays: (number | undefined)[] = [];
      for (let i = 0; i < 5; i++) {
        queue.addRateLimited('a');
        delays.push(clock.nextTimerIn());
        clock.advance(clock.nextTimerIn() ?? 0);
        expect(await queue.get()).to.equal('a');
        queue.done('a');
      }
      expect(delays).to.deep.equal([5, 10, 20, 40, 80]);
      expect(queue.numRequeues('a')).to.equal(5);
    });

    it('caps the delay at 1000 s and never drops the key', async () => {
      const limiter = new ExponentialRateLimiter();
      for (let i = 0; i < 100; i++) {
        limiter.when('a');
      }
      const q = new WorkQueue({ clock, rateLimiter: limiter });
      q.addRateLimited('a');
      expect(clock.nextTimerIn()).to.equal(1_000_000);
      clock.advance(1_000_000);
      expect(await q.get()).to.equal('a');
      q.shutDown();
    });

    it('keeps backoff per key', () => {
      queue.addRateLimited('a');
      queue.addRateLimited('a');
      queue.addRateLimited('b');
      expect(queue.numRequeues('a')).to.equal(2);
      expect(queue.numRequeues('b')).to.equal(1);
    });

    it('forget resets the backoff to the base delay', () => {
      const limiter = new ExponentialRateLimiter();
      expect([limiter.when('a'), limiter.when('a'), limiter.when('a')]).to.deep.equal([5, 10, 20]);
      limiter.forget('a');
      expect(limiter.numRequeues('a')).to.equal(0);
      expect(limiter.when('a')).to.equal(5);
    });

    it('counts retries', () => {
      const metrics = countingMetrics();
      const q = new WorkQueue({ clock, metrics });
      q.addRateLimited('a');
      q.addRateLimited('b');
      expect(metrics.retries).to.equal(2);
      q.shutDown();
    });
  });

  describe('addAfter', () => {
    it('adds the key only once the delay has passed', () => {
      queue.addAfter('a', 1000);
      expect(queue.len()).to.equal(0);
      clock.advance(999);
      expect(queue.len()).to.equal(0);
      clock.advance(1);
      expect(queue.len()).to.equal(1);
    });

    it('keeps the earliest pending time per key', () => {
      queue.addAfter('a', 1000);
      queue.addAfter('a', 5000);
      expect(queue.delayedLen()).to.equal(1);
      clock.advance(1000);
      expect(queue.len()).to.equal(1);
    });

    it('lets a sooner delay replace a later one', () => {
      queue.addAfter('a', 5000);
      queue.addAfter('a', 100);
      clock.advance(100);
      expect(queue.len()).to.equal(1);
      expect(clock.pendingTimers(), 'the replaced timer is cancelled').to.equal(0);
    });

    it('adds immediately for a non-positive delay', () => {
      queue.addAfter('a', 0);
      expect(queue.len()).to.equal(1);
    });
  });

  describe('shutdown', () => {
    it('resolves waiting workers with undefined and ignores later adds', async () => {
      const pending = queue.get();
      queue.shutDown();
      expect(await pending).to.equal(undefined);
      queue.add('a');
      expect(queue.len()).to.equal(0);
      expect(await queue.get()).to.equal(undefined);
    });

    it('cancels every delayed add, leaving no timer', () => {
      queue.addAfter('a', 1000);
      queue.addRateLimited('b');
      expect(clock.pendingTimers()).to.equal(2);
      queue.shutDown();
      expect(clock.pendingTimers()).to.equal(0);
    });

    it('drain waits for keys being processed', async () => {
      queue.add('a');
      await queue.get();
      queue.shutDown();
      let drained = false;
      const d = queue.drain().then(() => {
        drained = true;
      });
      await flush();
      expect(drained).to.equal(false);
      queue.done('a');
      await d;
      expect(drained).to.equal(true);
      expect(queue.len(), 'done after shutdown does not re-queue').to.equal(0);
    });
  });
});
