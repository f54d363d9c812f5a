import { describe, expect, it } from 'vitest';
import { LocalBudget } from '../../src/budget/local-budget.js';
import { fullBucket, take } from '../../src/budget/token-bucket.js';

const limits = { ratePerSecond: 10, burst: 20 };
const T0 = 1_700_000_000_000;

describe('token bucket', () => {
  it('grants a rested caller its whole burst at once, and nothing past it', () => {
    const first = take(fullBucket(limits, T0), 20, T0, limits);
    expect(first.grant).toEqual({ granted: 20, retryAfterMs: 0 });
    const next = take(first.state, 1, T0, limits);
    expect(next.grant).toEqual({ granted: 0, retryAfterMs: 100 });
  });

  it('grants partially: the first tokens the bucket holds, and the wait until the next', () => {
    const { grant, state } = take(fullBucket(limits, T0), 25, T0, limits);
    expect(grant).toEqual({ granted: 20, retryAfterMs: 100 });
    expect(state.tokens).toBe(0);
  });

  it('refills at its rate on the injected clock, never beyond the burst', () => {
    const empty = take(fullBucket(limits, T0), 20, T0, limits).state;
    expect(take(empty, 5, T0 + 350, limits).grant).toEqual({ granted: 3, retryAfterMs: 50 });
    expect(take(empty, 100, T0 + 60_000, limits).grant.granted).toBe(20);
  });

  it('refills nothing when the clock moves backwards', () => {
    const empty = take(fullBucket(limits, T0), 20, T0, limits).state;
    const result = take(empty, 1, T0 - 5_000, limits);
    expect(result.grant.granted).toBe(0);
    expect(result.state.at).toBe(T0);
  });
});

describe('LocalBudget', () => {
  it('keeps one bucket per caller', () => {
    let now = T0;
    const budget = new LocalBudget({ ...limits, maxCallers: 10_000, clock: () => now });
    expect(budget.take('addr:1.2.3.4', 20).granted).toBe(20);
    expect(budget.take('addr:1.2.3.4', 1).granted).toBe(0);
    expect(budget.take('jwt:alice', 20).granted).toBe(20);
    now += 1_000;
    expect(budget.take('addr:1.2.3.4', 20).granted).toBe(10);
  });

  it('forgets the least recently charged caller past maxCallers, so memory stays bounded', () => {
    const budget = new LocalBudget({ ...limits, maxCallers: 2, clock: () => T0 });
    budget.take('a', 20);
    budget.take('b', 20);
    budget.take('c', 20);
    expect(budget.size).toBe(2);
    expect(budget.take('a', 20).granted).toBe(20); // forgotten: a full bucket again
    expect(budget.take('c', 1).granted).toBe(0);
  });
});
