/**
 * Time as a dependency. Every runtime unit that waits (workqueue delays, informer reconnects,
 * leader election) takes a {@link Clock}, so unit tests drive time with {@link FakeClock} instead
 * of sleeping.
 */

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export interface TimerHandle {
  readonly id: number;
}

/** The subset of time functions the runtime needs. */
export interface Clock {
  /** Milliseconds since the epoch (monotonic enough for durations; see {@link realClock}). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. Real timers are `unref()`'d: they never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The process clock. `now()` uses `performance.timeOrigin + performance.now()` so durations do not
 * jump when the wall clock is adjusted; the value is still comparable with `Date.now()`.
 */
export function createRealClock(): Clock {
  let nextId = 1;
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => performance.timeOrigin + performance.now(),
    setTimeout(fn: () => void, ms: number): TimerHandle {
      const id = nextId++;
      const t = setTimeout(
        () => {
          timers.delete(id);
          fn();
        },
        Math.max(0, ms),
      );
      // Why unref: a pending retry or delayed requeue must never be the reason a CLI, a test run
      // or a shutting-down controller stays alive; owners still clear their timers on stop().
      t.unref();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle: TimerHandle): void {
      const t = timers.get(handle.id);
      if (t !== undefined) {
        clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
}

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A manual clock for tests: time moves only through {@link FakeClock.advance}, which fires due
 * timers in time order (ties in creation order).
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  /** @param start initial time in ms since the epoch @default 1_700_000_000_000 */
  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Number of timers not yet fired or cleared. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Time until the earliest pending timer, or undefined if none. */
  nextTimerIn(): number | undefined {
    const next = this.earliest();
    return next === undefined ? undefined : next.at - this.current;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, including timers scheduled by
   * fired callbacks within the window.
   */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.at > target) {
        break;
      }
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers.values()) {
      if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) {
        best = t;
      }
    }
    return best;
  }
}

/**
 * Resolves after `ms` on `clock`, or as soon as `signal` aborts (it resolves, never rejects, so
 * loops can simply re-check their own stop flag).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve();
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
