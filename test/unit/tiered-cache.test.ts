import { describe, expect, it } from 'vitest';
import { TieredCache, type Fetcher, type Loaded } from '../../src/cache/tiered-cache.js';
import { noopObserver, type Observer } from '../../src/kernel/observer.js';

interface Client {
  name: string;
}

const LIFETIMES = { ttlMs: 100, notFoundTtlMs: 10, staleMs: 1_000 };

/** An in-process tiered cache on a clock the test moves, with what it reports counted. */
function setup(maxEntries = 100) {
  let now = 1_000;
  const counts = { hit: 0, miss: 0 };
  const observer: Observer = { ...noopObserver, cacheLookup: (outcome) => void (counts[outcome] += 1) };
  const cache = new TieredCache<Client>({ kind: 'pc', maxEntries, lifetimes: LIFETIMES, shared: undefined, observer, clock: () => now });
  return { cache, counts, advance: (ms: number) => (now += ms) };
}

/**
 * A fetcher in the style of DataLoader's tests: it records each batch `admit` saw and each id it
 * fetched. Ids named `missing…` do not exist; `fail…` reject. Fetches settle when `release()` is called.
 */
function fakeFetcher(options: { refuse?: readonly string[] } = {}) {
  const admitted: string[][] = [];
  const fetched: string[] = [];
  const waiting: (() => void)[] = [];
  const fetcher: Fetcher<Client> = {
    signal: undefined,
    admit(ids) {
      admitted.push([...ids]);
      const refused = ids.filter((id) => options.refuse?.includes(id));
      return refused.length === 0 ? undefined : new Map(refused.map((id) => [id, new Error(`refused ${id}`)]));
    },
    fetch(id) {
      fetched.push(id);
      return new Promise((resolve, reject) => {
        waiting.push(() => {
          if (id.startsWith('fail')) reject(new Error(`C1 failed for ${id}`));
          else resolve(id.startsWith('missing') ? null : { name: id });
        });
      });
    },
  };
  const release = () => waiting.splice(0).forEach((settle) => settle());
  return { fetcher, admitted, fetched, release };
}

/** Loads and settles every fetch the batch started. */
async function loadNow(cache: TieredCache<Client>, ids: string[], fetcher = fakeFetcher()) {
  const pending = cache.load('svc', ids, fetcher.fetcher);
  await Promise.resolve();
  fetcher.release();
  return { results: await pending, ...fetcher };
}

const values = (results: Loaded<Client>[]) => results.map((r) => (r instanceof Error ? r.message : r.value));

describe('TieredCache (in process)', () => {
  it('fetches the ids of a batch once each, admitting the distinct ones in one call', async () => {
    const { cache, counts } = setup();
    const { results, admitted, fetched } = await loadNow(cache, ['a', 'b', 'a', 'missing-1']);
    expect(admitted).toEqual([['a', 'b', 'missing-1']]);
    expect(fetched).toEqual(['a', 'b', 'missing-1']);
    expect(values(results)).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'a' }, null]);
    expect(counts.miss).toBe(4);
  });

  it('serves what it fetched from the in-process tier, counting down its freshness', async () => {
    const { cache, advance } = setup();
    await loadNow(cache, ['a']);
    expect(cache.peek('svc', 'a')).toEqual({ value: { name: 'a' }, freshMs: 100 });
    advance(60);
    expect(cache.peek('svc', 'a')).toEqual({ value: { name: 'a' }, freshMs: 40 });
    advance(40);
    expect(cache.peek('svc', 'a')).toBeUndefined();
  });

  it('reports the freshness left of each value a batch serves', async () => {
    const { cache } = setup();
    const { results } = await loadNow(cache, ['a', 'missing-1']);
    expect(results).toEqual([
      { value: { name: 'a' }, freshMs: 100, from: 'fetch' },
      { value: null, freshMs: 10, from: 'fetch' },
    ]);
  });

  it('remembers "not found" for the shorter lifetime', async () => {
    const { cache, advance } = setup();
    await loadNow(cache, ['missing-1']);
    expect(cache.peek('svc', 'missing-1')?.value).toBeNull();
    advance(10);
    expect(cache.peek('svc', 'missing-1')).toBeUndefined();
  });

  it('keeps an expired value for stale-if-error until its stale window ends', async () => {
    const { cache, advance } = setup();
    await loadNow(cache, ['a']);
    advance(100);
    expect(cache.peek('svc', 'a')).toBeUndefined();
    expect(cache.stale('svc', 'a')).toEqual({ value: { name: 'a' }, freshMs: 0 });
    advance(1_000);
    expect(cache.stale('svc', 'a')).toBeUndefined();
  });

  it('never stores an error: the next batch fetches again', async () => {
    const { cache } = setup();
    const first = await loadNow(cache, ['fail-1']);
    expect(values(first.results)).toEqual(['C1 failed for fail-1']);
    expect(cache.stale('svc', 'fail-1')).toBeUndefined();
    const second = await loadNow(cache, ['fail-1']);
    expect(second.fetched).toEqual(['fail-1']);
  });

  it('lets concurrent batches share one fetch per id, and admits only what a batch fetches itself', async () => {
    const { cache } = setup();
    const one = fakeFetcher();
    const two = fakeFetcher();
    const first = cache.load('svc', ['a', 'b'], one.fetcher);
    const second = cache.load('svc', ['b', 'c'], two.fetcher);
    await Promise.resolve();
    one.release();
    two.release();
    expect(values(await first)).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(values(await second)).toEqual([{ name: 'b' }, { name: 'c' }]);
    expect(one.fetched).toEqual(['a', 'b']);
    expect(two.admitted).toEqual([['c']]);
    expect(two.fetched).toEqual(['c']);
  });

  it('answers a refused id with its refusal, unless another batch is fetching it', async () => {
    const { cache } = setup();
    const leader = fakeFetcher();
    const leading = cache.load('svc', ['a'], leader.fetcher);
    const refusing = fakeFetcher({ refuse: ['a', 'b'] });
    const refused = cache.load('svc', ['a', 'b'], refusing.fetcher);
    await Promise.resolve();
    leader.release();
    await leading;
    expect(refusing.admitted).toEqual([['b']]);
    expect(values(await refused)).toEqual([{ name: 'a' }, 'refused b']);
    expect(refusing.fetched).toEqual([]);
  });

  it('keeps partitions apart: the same id in another partition is another entry', async () => {
    const { cache } = setup();
    await loadNow(cache, ['a']);
    expect(cache.peek('svc', 'a')).toBeDefined();
    expect(cache.peek('caller-hash', 'a')).toBeUndefined();
  });

  it('takes primed values as fresh from now, so a read by id fetches nothing', () => {
    const { cache, advance } = setup();
    cache.prime('svc', [
      ['a', { name: 'a' }],
      ['gone', null],
    ]);
    advance(50);
    expect(cache.peek('svc', 'a')).toEqual({ value: { name: 'a' }, freshMs: 50 });
    expect(cache.peek('svc', 'gone')).toBeUndefined();
    expect(cache.peek('other', 'a')).toBeUndefined();
  });

  it('is bounded: the least recently used entry goes first', async () => {
    const { cache } = setup(3);
    await loadNow(cache, ['a', 'b', 'c']);
    cache.peek('svc', 'a');
    await loadNow(cache, ['d']);
    expect(cache.size).toBe(3);
    expect(cache.peek('svc', 'b')).toBeUndefined();
    expect(cache.peek('svc', 'a')).toBeDefined();
  });

  it('stops a joined wait at the request deadline while the shared fetch goes on', async () => {
    const { cache } = setup();
    const leader = fakeFetcher();
    const leading = cache.load('svc', ['a'], leader.fetcher);
    const controller = new AbortController();
    const joined = cache.load('svc', ['a'], { ...fakeFetcher().fetcher, signal: controller.signal });
    controller.abort();
    const [result] = await joined;
    expect(result).toBeInstanceOf(Error);
    expect((result as Error & { code?: string }).code).toBe('UPSTREAM_TIMEOUT');
    leader.release();
    expect(values(await leading)).toEqual([{ name: 'a' }]);
  });
});
