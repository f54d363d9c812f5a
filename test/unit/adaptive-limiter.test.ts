import { describe, expect, it } from 'vitest';
import { AdaptiveLimit } from '../../src/loading/adaptive-limit.js';
import { createLimiter } from '../../src/loading/limiter.js';
import { createLimitFeedback, verdictOf } from '../../src/loading/limit-feedback.js';
import { noopObserver } from '../../src/kernel/observer.js';
import { errorForStatus } from '../../src/resilience/status.js';
import { outcomeError } from '../../src/resilience/outcome.js';

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A limiter on a clock and timers the test moves, recording what it reports. */
function harness(limits: { initial: number; min?: number; max?: number }, maxQueue = 100) {
  let now = 0;
  const clock = () => now;
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const reported: { limits: [number, string][]; queued: number[] } = { limits: [], queued: [] };
  const limiter = createLimiter({
    limit: new AdaptiveLimit({ min: 1, max: 64, ...limits, now: clock }),
    maxQueue,
    maxCallers: 8,
    maxHoldMs: 5_000,
    now: clock,
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cancelled: false };
      timers.push(timer);
      return () => void (timer.cancelled = true);
    },
    observer: {
      ...noopObserver,
      upstreamLimit: (slots, change) => void reported.limits.push([slots, change ?? 'start']),
      upstreamQueued: (length) => void reported.queued.push(length),
    },
  });
  const feedback = createLimitFeedback(limiter, clock);
  /** Runs `fire` for every live timer, as if its time came. */
  const fireTimers = () => {
    for (const timer of timers.splice(0)) if (!timer.cancelled) timer.fn();
  };
  return { limiter, feedback, timers, reported, fireTimers, advance: (ms: number) => void (now += ms) };
}

/** Work the test finishes by hand, recording the order calls start in. */
function gated() {
  const started: string[] = [];
  const gates: (() => void)[] = [];
  const work = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      gates.push(() => resolve(name));
    });
  const finishOne = async () => {
    gates.shift()?.();
    await flush();
  };
  return { started, work, finishOne };
}

describe('limiter fairness', () => {
  it('serves queued calls one caller at a time in turn, not first come first served', async () => {
    const { limiter } = harness({ initial: 1, max: 1 });
    const calls = gated();
    const all = [limiter.run(calls.work('f0'), { caller: 'flood' })];
    for (let i = 1; i <= 3; i++) all.push(limiter.run(calls.work(`f${i}`), { caller: 'flood' }));
    all.push(limiter.run(calls.work('t1'), { caller: 'trickle' }), limiter.run(calls.work('t2'), { caller: 'trickle' }));
    expect([limiter.active, limiter.queued]).toEqual([1, 5]);
    for (let i = 0; i < 6; i++) await calls.finishOne();
    await Promise.all(all);
    expect(calls.started).toEqual(['f0', 'f1', 't1', 'f2', 't2', 'f3']);
  });

  it('when the queue is full, refuses the caller queueing most first', async () => {
    const { limiter } = harness({ initial: 1, max: 1 }, 3);
    const calls = gated();
    const flood = Array.from({ length: 4 }, (_, i) => limiter.run(calls.work(`f${i}`), { caller: 'flood' }));
    await expect(limiter.run(calls.work('f4'), { caller: 'flood' })).rejects.toMatchObject({ code: 'OVERLOADED' });
    const trickle = limiter.run(calls.work('t1'), { caller: 'trickle' });
    await expect(flood[3]).rejects.toMatchObject({ code: 'OVERLOADED' });
    for (let i = 0; i < 4; i++) await calls.finishOne();
    await Promise.all([...flood.slice(0, 3), trickle]);
    expect(calls.started).toEqual(['f0', 'f1', 't1', 'f2']);
  });
});

describe('limiter learning from attempts', () => {
  it('grows on answered attempts, cuts on 429 and 503, and reports each move', async () => {
    const { limiter, feedback, reported, advance } = harness({ initial: 2, max: 4 });
    const answer = () => feedback(async () => advance(10), undefined);
    // Both slots in use: 2 → 2.5 → 2.9 → 3.24.
    const running = [limiter.run(() => Promise.all([answer(), answer(), answer()])), limiter.run(async () => undefined)];
    await Promise.all(running);
    expect(limiter.slots).toBe(3);
    await expect(feedback(() => Promise.reject(errorForStatus(429, undefined, 0)), undefined)).rejects.toMatchObject({ status: 429 });
    expect(limiter.slots).toBe(2);
    advance(1);
    await expect(feedback(() => Promise.reject(errorForStatus(503, undefined, 0)), undefined)).rejects.toMatchObject({ status: 503 });
    expect(limiter.slots).toBe(1);
    expect(reported.limits).toEqual([[2, 'start'], [3, 'increase'], [2, 'pushback'], [1, 'pushback']]);
  });

  it('a Retry-After holds back the whole pool: no new call and no retry is sent until it ends', async () => {
    const { limiter, feedback, timers, fireTimers } = harness({ initial: 4 });
    let sent = 0;
    // A call that got its slot before the hold; its attempt comes after it.
    let holdStarted!: () => void;
    const gate = new Promise<void>((resolve) => (holdStarted = resolve));
    const budget = { caller: 'retrying', remainingMs: () => 5_000 };
    const retrying = limiter.run(async () => {
      await gate;
      await feedback(async () => void (sent += 1), undefined, budget);
    }, budget);
    await expect(feedback(() => Promise.reject(errorForStatus(429, '2', 0)), undefined)).rejects.toMatchObject({ retryAfterMs: 2_000 });
    expect(timers.map((t) => t.ms)).toEqual([2_000]);
    const queued = limiter.run(async () => void (sent += 1), { caller: 'other' });
    holdStarted();
    await flush();
    expect([sent, limiter.active, limiter.queued]).toEqual([0, 0, 2]);
    fireTimers();
    await Promise.all([queued, retrying]);
    expect(sent).toBe(2);
  });

  it('a longer Retry-After extends the hold, and one past the bound holds only UPSTREAM_MAX_HOLD_MS', async () => {
    const { limiter, timers } = harness({ initial: 4 });
    const refused = (retryAfterMs: number) => limiter.observe({ verdict: 'drop', startedAt: 0, durationMs: 1, retryAfterMs });
    refused(1_000);
    refused(1_000);
    refused(3_600_000);
    expect(timers.map((t) => [t.ms, t.cancelled])).toEqual([[1_000, true], [5_000, false]]);
  });

  it('after a cut, a retry gives its slot back and waits for its turn within the new limit', async () => {
    const { limiter, feedback } = harness({ initial: 4, max: 4 });
    const calls = Array.from({ length: 4 }, () => {
      let attempts = 0;
      const attempt = async () => {
        attempts += 1;
        if (attempts === 1) throw errorForStatus(429, '0', 0);
      };
      // The retry policy's loop, reduced: one retry at once, as Retry-After: 0 asks.
      const run = limiter.run(() => feedback(attempt, undefined).catch(() => feedback(attempt, undefined)), { caller: 'c' });
      return { run, attempts: () => attempts };
    });
    await flush();
    // The first 429 cut 4 slots to 3, once: the other three 429s were sent before that cut.
    expect(limiter.slots).toBe(3);
    await Promise.all(calls.map((c) => c.run));
    expect(calls.map((c) => c.attempts())).toEqual([2, 2, 2, 2]);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('an attempt whose deadline ends within the hold is refused as UPSTREAM_RATE_LIMITED without being sent', async () => {
    const { feedback } = harness({ initial: 4 });
    await feedback(() => Promise.reject(errorForStatus(429, '2', 0)), undefined).catch(() => undefined);
    let sent = false;
    const attempt = feedback(async () => void (sent = true), undefined, { remainingMs: () => 1_999 });
    await expect(attempt).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterMs: 2_000 });
    expect(sent).toBe(false);
  });
});

describe('verdictOf', () => {
  it('reads pushback from 429, 502, 503, 504 and attempt timeouts; latency from other answers; nothing from the rest', () => {
    const status = (s: number) => verdictOf(errorForStatus(s, undefined, 0));
    expect([429, 502, 503, 504].map(status)).toEqual(['drop', 'drop', 'drop', 'drop']);
    expect([401, 403, 500].map(status)).toEqual(['answered', 'answered', 'answered']);
    expect(verdictOf(outcomeError('attemptTimedOut', 'slow'))).toBe('drop');
    expect(verdictOf(outcomeError('deadline', 'gone'))).toBe('ignore');
    expect(verdictOf(outcomeError('unreachable', 'refused'))).toBe('ignore');
    expect(verdictOf(new Error('bug'))).toBe('ignore');
  });
});
