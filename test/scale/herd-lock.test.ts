import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/cache/redis-client.js';
import { RedisGuard } from '../../src/cache/redis-guard.js';
import { TieredCache, type Fetcher, type Loaded } from '../../src/cache/tiered-cache.js';
import { isGatewayError } from '../../src/kernel/errors.js';
import { redisAvailable, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { connected, recordingObserver } from './replicas.js';

interface Value {
  name: string;
}

const LIFETIMES = { ttlMs: 30_000, notFoundTtlMs: 5_000, staleMs: 300_000 };

/**
 * The herd lock through the tiered cache's own interface: each "replica" is a TieredCache with its
 * own connection to one real Redis, and a fetcher the test settles by hand.
 */
describe.skipIf(!redisAvailable())('the cross-replica herd lock', () => {
  let server: TestRedis;
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.admin.flushall());
  afterEach(() => clients.splice(0).forEach((client) => client.disconnect()));

  async function replica(lockMs = 2_000) {
    const client = createRedisClient({ url: server.url });
    clients.push(client);
    await connected(client);
    const { observer, events } = recordingObserver();
    const guard = new RedisGuard({ redis: client, timeoutMs: 1_000, observer });
    const cache = new TieredCache<Value>({
      kind: 'pc',
      maxEntries: 100,
      lifetimes: LIFETIMES,
      shared: { guard, prefix: 'c1gw', lockMs },
      observer,
      clock: Date.now,
    });
    // The loser's MGET, then (after its reply, in promise jobs only) its SET NX: a PING after a PING
    // is answered only once both have reached Redis, so by then it is waiting on the lock.
    const settled = async () => {
      await client.ping();
      await client.ping();
    };
    return { cache, events, settled };
  }

  /** A fetcher that answers `{ name }` (or fails) when released; counts its calls. */
  function fetcher(name: string, signal?: AbortSignal) {
    const calls = { count: 0 };
    let settle: ((outcome: 'ok' | 'fail') => void) | undefined;
    let fetchStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (fetchStarted = resolve));
    const f: Fetcher<Value> = {
      signal,
      admit: () => undefined,
      fetch: () => {
        calls.count += 1;
        fetchStarted();
        return new Promise((ok, fail) => {
          settle = (outcome) => (outcome === 'ok' ? ok({ name }) : fail(new Error('C1 is down')));
        });
      },
    };
    return { calls, fetcher: f, started, release: (outcome: 'ok' | 'fail' = 'ok') => settle?.(outcome) };
  }

  const valueOf = (results: Loaded<Value>[]) => {
    const [result] = results;
    if (result instanceof Error) throw result;
    return result?.value;
  };

  it('lets the replica that takes the lock fetch and share the value: the next replica fetches nothing', async () => {
    const a = await replica();
    const b = await replica();
    const winner = fetcher('winner');
    const loading = a.cache.load('svc', ['id-1'], winner.fetcher);
    await winner.started;
    winner.release();
    expect(valueOf(await loading)).toEqual({ name: 'winner' });
    expect(a.events.get('l2Lock:acquired')).toBe(1);

    const late = fetcher('late');
    const [fromRedis] = await b.cache.load('svc', ['id-1'], late.fetcher);
    expect(fromRedis).toMatchObject({ value: { name: 'winner' }, from: 'shared' });
    expect(late.calls.count).toBe(0);
  });

  it("serves a loser the winner's value without fetching", async () => {
    const a = await replica();
    const b = await replica();
    const winner = fetcher('winner');
    const leading = a.cache.load('svc', ['id-2'], winner.fetcher);
    await winner.started;
    const loser = fetcher('loser');
    const waiting = b.cache.load('svc', ['id-2'], loser.fetcher);
    await b.settled();
    winner.release();
    expect(valueOf(await waiting)).toEqual({ name: 'winner' });
    expect(loser.calls.count).toBe(0);
    expect(b.events.get('l2Lock:waited')).toBe(1);
    await leading;
  });

  it('lets a loser fetch itself as soon as the winner fails and gives up the lock', async () => {
    const a = await replica(60_000);
    const b = await replica(60_000);
    const winner = fetcher('winner');
    const leading = a.cache.load('svc', ['id-3'], winner.fetcher);
    await winner.started;
    const loser = fetcher('loser');
    const waiting = b.cache.load('svc', ['id-3'], loser.fetcher);
    await b.settled();
    winner.release('fail');
    expect((await leading)[0]).toBeInstanceOf(Error);
    await loser.started;
    loser.release();
    expect(valueOf(await waiting)).toEqual({ name: 'loser' });
    expect(loser.calls.count).toBe(1);
    expect(b.events.get('l2Lock:fallback')).toBe(1);
  });

  it('stops waiting after the lock window when the winner is stuck, fetches itself and shares it', async () => {
    const a = await replica(100);
    const b = await replica(100);
    const stuck = fetcher('stuck');
    void a.cache.load('svc', ['id-4'], stuck.fetcher);
    await stuck.started;
    const loser = fetcher('loser');
    const waiting = b.cache.load('svc', ['id-4'], loser.fetcher);
    await loser.started;
    loser.release();
    expect(valueOf(await waiting)).toEqual({ name: 'loser' });
    expect(b.events.get('l2Lock:fallback')).toBe(1);
    // What the loser fetched is in Redis for the next replica.
    const c = await replica(100);
    const [fromRedis] = await c.cache.load('svc', ['id-4'], fetcher('late').fetcher);
    expect(fromRedis).toMatchObject({ value: { name: 'loser' }, from: 'shared' });
    stuck.release();
  });

  it('ends a wait with UPSTREAM_TIMEOUT when the request deadline passes, without fetching', async () => {
    const a = await replica(60_000);
    const b = await replica(60_000);
    const stuck = fetcher('stuck');
    void a.cache.load('svc', ['id-5'], stuck.fetcher);
    await stuck.started;
    const loser = fetcher('loser', AbortSignal.timeout(30));
    const [result] = await b.cache.load('svc', ['id-5'], loser.fetcher);
    expect(isGatewayError(result) && result.code).toBe('UPSTREAM_TIMEOUT');
    expect(loser.calls.count).toBe(0);
    stuck.release();
  });
});
