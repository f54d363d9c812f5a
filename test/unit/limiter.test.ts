import { describe, expect, it } from 'vitest';
import { createLimiter, type Limiter } from '../../src/loading/limiter.js';
import { AdaptiveLimit } from '../../src/loading/adaptive-limit.js';
import { noopObserver } from '../../src/kernel/observer.js';
import { SingleFlight } from '../../src/cache/single-flight.js';

/** A limiter held at `slots` (floor and ceiling alike), on the test's clock; no hold ever ends by itself. */
function fixedLimiter(options: { slots: number; maxQueue: number; now?: () => number; observer?: typeof noopObserver }) {
  const clock = options.now ?? (() => 0);
  const limit = new AdaptiveLimit({ initial: options.slots, min: options.slots, max: options.slots, now: clock });
  return createLimiter({
    limit,
    maxQueue: options.maxQueue,
    maxCallers: 16,
    maxHoldMs: 10_000,
    now: clock,
    setTimer: () => () => undefined,
    observer: options.observer ?? noopObserver,
  });
}

describe('createLimiter', () => {
  it('reports the calls running (not those queued) on the in-flight gauge, and each end', async () => {
    let inFlight = 0;
    const limiter = fixedLimiter({ slots: 1, maxQueue: 5, observer: { ...noopObserver, upstreamInFlight: (delta) => void (inFlight += delta) } });
    const gates: (() => void)[] = [];
    const work = () => new Promise<void>((resolve) => gates.push(resolve));
    const both = [limiter.run(work), limiter.run(work)];
    await Promise.resolve();
    expect(inFlight).toBe(1);
    gates.shift()?.();
    await both[0];
    await Promise.resolve();
    expect(inFlight).toBe(1);
    gates.shift()?.();
    await Promise.all(both);
    expect(inFlight).toBe(0);
  });

  it('runs at most maxInFlight at once and fails fast with OVERLOADED past the queue bound', async () => {
    const limiter = fixedLimiter({ slots: 2, maxQueue: 3 });
    const gates: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const work = () =>
      new Promise<void>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        gates.push(() => {
          running -= 1;
          resolve();
        });
      });
    const accepted = Array.from({ length: 5 }, () => limiter.run(work));
    await Promise.resolve();
    await expect(limiter.run(work)).rejects.toMatchObject({ code: 'OVERLOADED' });
    while (gates.length > 0 || limiter.active > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(accepted);
    expect(peak).toBe(2);
  });
});

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Upstream work the test finishes by hand: each call runs until `finishAll`. */
function gatedWork() {
  const gates: (() => void)[] = [];
  let started = 0;
  const work = () =>
    new Promise<void>((resolve) => {
      started += 1;
      gates.push(resolve);
    });
  const finishAll = async (limiter: Limiter) => {
    while (gates.length > 0 || limiter.active > 0 || limiter.queued > 0) {
      gates.shift()?.();
      await flush();
    }
  };
  return { work, finishAll, started: () => started };
}

describe('createLimiter early shedding', () => {
  const roomy = { remainingMs: () => 60_000 };

  /** A limiter of 2 slots that has seen two 100 ms calls, on a clock the test moves. */
  async function warmedLimiter() {
    let now = 0;
    const limiter = fixedLimiter({ slots: 2, maxQueue: 1_000, now: () => now });
    const gated = gatedWork();
    const warm = [limiter.run(gated.work, roomy), limiter.run(gated.work, roomy)];
    await flush();
    now += 100;
    await gated.finishAll(limiter);
    await Promise.all(warm);
    return { limiter, gated };
  }

  it('refuses at once with OVERLOADED, never running it, a call the queue cannot finish before its deadline', async () => {
    const { limiter, gated } = await warmedLimiter();
    const accepted = Array.from({ length: 4 }, () => limiter.run(gated.work, roomy));
    await flush();
    expect([limiter.active, limiter.queued]).toEqual([2, 2]);
    // 2 queued ahead and 2 slots: one wave of 100 ms to reach a slot, 100 ms to run.
    let ran = false;
    const late = limiter.run(async () => void (ran = true), { remainingMs: () => 299 });
    await expect(late).rejects.toMatchObject({ code: 'OVERLOADED', retryable: true });
    expect(limiter.queued).toBe(2);
    const inTime = limiter.run(gated.work, { remainingMs: () => 300 });
    expect(limiter.queued).toBe(3);
    await gated.finishAll(limiter);
    await Promise.all([...accepted, inTime]);
    expect(ran).toBe(false);
    expect(gated.started()).toBe(2 + 4 + 1);
  });

  it('queues a call whatever its deadline while it has observed no call yet', async () => {
    const limiter = fixedLimiter({ slots: 1, maxQueue: 1_000 });
    const gated = gatedWork();
    const first = limiter.run(gated.work, roomy);
    const second = limiter.run(gated.work, { remainingMs: () => 1 });
    expect(limiter.queued).toBe(1);
    await gated.finishAll(limiter);
    await Promise.all([first, second]);
    expect(gated.started()).toBe(2);
  });

  it('runs a call with little time left at once when a slot is free', async () => {
    const { limiter } = await warmedLimiter();
    await expect(limiter.run(async () => 'ran', { remainingMs: () => 1 })).resolves.toBe('ran');
  });

  it('a queued call whose deadline passed before its turn is rejected as a gateway timeout and never runs', async () => {
    const limiter = fixedLimiter({ slots: 1, maxQueue: 1_000 });
    const gated = gatedWork();
    const first = limiter.run(gated.work, roomy);
    let ran = 0;
    const caller = new AbortController();
    const aborted = limiter.run(async () => void (ran += 1), { signal: caller.signal });
    let remaining = 1_000;
    const expired = limiter.run(async () => void (ran += 1), { remainingMs: () => remaining });
    const outcomes = Promise.allSettled([aborted, expired]);
    caller.abort();
    remaining = 0;
    await gated.finishAll(limiter);
    await first;
    const reasons = (await outcomes).map((o) => (o.status === 'rejected' ? o.reason : o.value));
    expect(reasons).toMatchObject([
      { code: 'UPSTREAM_TIMEOUT', origin: 'gateway' },
      { code: 'UPSTREAM_TIMEOUT', origin: 'gateway' },
    ]);
    expect(ran).toBe(0);
    expect(limiter.active).toBe(0);
  });
});

describe('SingleFlight', () => {
  it('shares one promise per key while it is in flight, then forgets it', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const work = async () => ++calls;
    const a = flights.run('k', work);
    const b = flights.run('k', work);
    expect(b.shared).toBe(true);
    expect(await a.promise).toBe(1);
    expect(await b.promise).toBe(1);
    expect(flights.size).toBe(0);
    expect(await flights.run('k', work).promise).toBe(2);
  });

  it('does not leave an unhandled rejection when every waiter has gone', async () => {
    const flights = new SingleFlight<number>();
    flights.run('k', () => Promise.reject(new Error('boom')));
    await new Promise((r) => setImmediate(r));
    expect(flights.size).toBe(0);
  });
});
