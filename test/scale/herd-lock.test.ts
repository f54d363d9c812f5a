import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HerdLock } from '../../src/cache/herd-lock.js';
import { RedisCache } from '../../src/cache/redis-cache.js';
import { RedisGuard } from '../../src/cache/redis-guard.js';
import { createRedisClient } from '../../src/cache/redis-client.js';
import { isGatewayError } from '../../src/kernel/errors.js';
import { redisAvailable, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { connected, recordingObserver } from './replicas.js';

interface Value {
  name: string;
}

describe.skipIf(!redisAvailable())('the cross-replica herd lock', () => {
  let server: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    await server.admin.flushall();
    client = createRedisClient({ url: server.url });
    await connected(client);
  });
  afterEach(() => client.disconnect());

  function herd(lockMs = 2_000) {
    const { observer, events } = recordingObserver();
    const guard = new RedisGuard({ redis: client, timeoutMs: 1_000, observer });
    const cache = new RedisCache<Value>({ guard, prefix: 'c1gw', kind: 'pc', ttlMs: 30_000, notFoundTtlMs: 5_000, staleMs: 300_000 });
    return { lock: new HerdLock<Value>({ cache, guard, lockMs, observer }), cache, events };
  }

  /** Counts calls; resolves with a value named after the caller. */
  function fetcher(name: string) {
    const calls = { count: 0 };
    return { calls, fetch: async () => ((calls.count += 1), { name }) };
  }

  it('lets the replica that takes the lock fetch, store the value and release the lock', async () => {
    const { lock, events } = herd();
    const { calls, fetch } = fetcher('winner');
    const entry = await lock.run('svc', 'id-1', fetch);
    expect(entry.value).toEqual({ name: 'winner' });
    expect(calls.count).toBe(1);
    expect(events.get('l2Lock:acquired')).toBe(1);
    expect(JSON.parse((await server.admin.get('c1gw:v1:pc:svc:id-1')) ?? 'null')).toMatchObject({ value: { name: 'winner' } });
    expect(await server.admin.exists('c1gw:v1:lock:pc:svc:id-1')).toBe(0);
  });

  it("serves a loser the winner's value without fetching", async () => {
    const { lock, cache, events } = herd();
    await server.admin.set('c1gw:v1:lock:pc:svc:id-2', 'another replica', 'PX', 5_000);
    const { calls, fetch } = fetcher('loser');
    const waiting = lock.run('svc', 'id-2', fetch);
    // The other replica finishes: value stored, lock released.
    await cache.set('svc', 'id-2', cache.entryFor({ name: 'winner' }));
    await server.admin.del('c1gw:v1:lock:pc:svc:id-2');
    expect((await waiting).value).toEqual({ name: 'winner' });
    expect(calls.count).toBe(0);
    expect(events.get('l2Lock:waited')).toBe(1);
  });

  it('fetches itself as soon as the winner gives up the lock without a value', async () => {
    const { lock, events } = herd(60_000);
    await server.admin.set('c1gw:v1:lock:pc:svc:id-3', 'another replica', 'PX', 60_000);
    const { calls, fetch } = fetcher('loser');
    const waiting = lock.run('svc', 'id-3', fetch);
    await client.ping(); // after the loser's SET NX on the same connection: it has lost by now
    await server.admin.del('c1gw:v1:lock:pc:svc:id-3');
    expect((await waiting).value).toEqual({ name: 'loser' });
    expect(calls.count).toBe(1);
    expect(events.get('l2Lock:fallback')).toBe(1);
  });

  it('stops waiting after the lock window when the winner is stuck, and fetches itself', async () => {
    const { lock, events } = herd(100);
    await server.admin.set('c1gw:v1:lock:pc:svc:id-4', 'stuck replica', 'PX', 60_000);
    const { calls, fetch } = fetcher('loser');
    expect((await lock.run('svc', 'id-4', fetch)).value).toEqual({ name: 'loser' });
    expect(calls.count).toBe(1);
    expect(events.get('l2Lock:fallback')).toBe(1);
    // It shared what it fetched, for the next replica to find.
    expect(await server.admin.exists('c1gw:v1:pc:svc:id-4')).toBe(1);
  });

  it('ends a wait with UPSTREAM_TIMEOUT when the request deadline passes, without fetching', async () => {
    const { lock } = herd(60_000);
    await server.admin.set('c1gw:v1:lock:pc:svc:id-5', 'stuck replica', 'PX', 60_000);
    const { calls, fetch } = fetcher('loser');
    const error = await lock.run('svc', 'id-5', fetch, AbortSignal.timeout(30)).catch((e: unknown) => e);
    expect(isGatewayError(error) && error.code).toBe('UPSTREAM_TIMEOUT');
    expect(calls.count).toBe(0);
  });

  it('releases the lock when the fetch fails, so others need not wait out the window', async () => {
    const { lock } = herd(60_000);
    const failing = () => Promise.reject(new Error('C1 is down'));
    await expect(lock.run('svc', 'id-6', failing)).rejects.toThrow('C1 is down');
    // The release is sent without waiting for it; PING after it on the same connection orders them.
    await client.ping();
    expect(await server.admin.exists('c1gw:v1:lock:pc:svc:id-6')).toBe(0);
  });
});
