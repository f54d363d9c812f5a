import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, type Sample } from '../../src/loading/adaptive-limit.js';

/** A limit on a clock the test sets; `at` is when the next sample is taken (and, by default, sent). */
function limitOf(initial: number, min = 2, max = 64) {
  let now = 0;
  const limit = new AdaptiveLimit({ initial, min, max, now: () => now });
  const observe = (sample: Partial<Sample> & { at: number }) => {
    now = sample.at;
    return limit.observe({ verdict: 'answered', startedAt: sample.at, durationMs: 10, inFlight: limit.slots, ...sample });
  };
  return { limit, observe };
}

describe('AdaptiveLimit', () => {
  it('grows by one slot per limit\'s worth of answered attempts while the limit is in use', () => {
    const { limit, observe } = limitOf(4);
    const changes = Array.from({ length: 5 }, (_, i) => observe({ at: i }));
    // 4 → 4.25 → 4.49 → 4.71 → 4.92 → 5.12: the fifth answer makes the fifth slot.
    expect(changes).toEqual([undefined, undefined, undefined, undefined, 'increase']);
    expect(limit.slots).toBe(5);
    for (let i = 5; i < 10; i++) observe({ at: i });
    expect(limit.slots).toBe(6);
  });

  it('does not grow while fewer than half its slots are in use', () => {
    const { limit, observe } = limitOf(4);
    for (let i = 0; i < 50; i++) observe({ at: i, inFlight: 1 });
    expect(limit.slots).toBe(4);
  });

  it('never grows past its ceiling', () => {
    const { limit, observe } = limitOf(6, 2, 6);
    for (let i = 0; i < 50; i++) observe({ at: i });
    expect(limit.slots).toBe(6);
  });

  it('cuts to three quarters on a drop, once per window: a drop sent before the cut says nothing new', () => {
    const { limit, observe } = limitOf(16);
    expect(observe({ at: 100, verdict: 'drop' })).toBe('pushback');
    expect(limit.slots).toBe(12);
    // Sent at 90, under the old limit: the same congestion, already answered.
    expect(observe({ at: 101, startedAt: 90, verdict: 'drop' })).toBeUndefined();
    expect(limit.slots).toBe(12);
    expect(observe({ at: 102, startedAt: 100, verdict: 'drop' })).toBe('pushback');
    expect(limit.slots).toBe(9);
  });

  it('never cuts below its floor', () => {
    const { limit, observe } = limitOf(8, 3);
    for (let i = 0; i < 10; i++) observe({ at: i, verdict: 'drop' });
    expect(limit.slots).toBe(3);
  });

  it('cuts when the short-term latency doubles the long-term baseline, and ignores what says nothing', () => {
    const { limit, observe } = limitOf(16, 2, 16);
    for (let i = 0; i < 20; i++) observe({ at: i, durationMs: 10 });
    expect(observe({ at: 20, verdict: 'ignore', durationMs: 5_000 })).toBeUndefined();
    // Short average 10 → 18 (baseline 10: not yet twice), then 24.4 against a baseline of 10.8.
    expect(observe({ at: 21, durationMs: 50 })).toBeUndefined();
    expect(observe({ at: 22, durationMs: 50 })).toBe('latency');
    expect(limit.slots).toBe(12);
  });

  it('starts within its bounds, and a floor above the ceiling yields to the ceiling', () => {
    expect(limitOf(500, 2, 128).limit.slots).toBe(128);
    expect(limitOf(1, 4, 128).limit.slots).toBe(4);
    const { limit, observe } = limitOf(16, 4, 1);
    observe({ at: 1, verdict: 'drop' });
    expect(limit.slots).toBe(1);
  });
});
