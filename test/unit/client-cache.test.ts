import { describe, expect, it } from 'vitest';
import { ClientCache } from '../../src/cache/client-cache.js';

describe('ClientCache', () => {
  const make = () => {
    let now = 0;
    const cache = new ClientCache<string>({ maxEntries: 3, ttlMs: 100, notFoundTtlMs: 10, staleMs: 1_000, clock: () => now });
    return { cache, advance: (ms: number) => (now += ms) };
  };

  it('serves a value until its TTL, then only as stale until the stale window ends', () => {
    const { cache, advance } = make();
    cache.set('a', 'A');
    advance(99);
    expect(cache.getFresh('a')).toEqual(expect.objectContaining({ value: 'A' }));
    advance(1);
    expect(cache.getFresh('a')).toBeUndefined();
    expect(cache.getStale('a')?.value).toBe('A');
    advance(1_000);
    expect(cache.getStale('a')).toBeUndefined();
  });

  it('remembers "not found" for the shorter TTL', () => {
    const { cache, advance } = make();
    cache.set('missing', null);
    expect(cache.getFresh('missing')?.value).toBeNull();
    advance(10);
    expect(cache.getFresh('missing')).toBeUndefined();
  });

  it('is bounded: the least recently used entry goes first', () => {
    const { cache } = make();
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('c', 'C');
    cache.getFresh('a');
    cache.set('d', 'D');
    expect(cache.size).toBe(3);
    expect(cache.getFresh('b')).toBeUndefined();
    expect(cache.getFresh('a')?.value).toBe('A');
  });
});
