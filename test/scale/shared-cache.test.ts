import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { redisAvailable, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { byId, recordingObserver, SLACK, startReplicas, type Replicas } from './replicas.js';

describe.skipIf(!redisAvailable())('two replicas sharing one Redis', () => {
  let redis: TestRedis;
  let replicas: Replicas;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.close());
  beforeEach(() => redis.admin.flushall());
  afterEach(() => replicas.close());

  it('serves an id fetched through replica A from replica B with 0 upstream GETs', async () => {
    replicas = await startReplicas(redis);
    const { a, b, sandbox } = replicas;
    const id = sandbox.clients[0]?.id;
    sandbox.resetStats();

    const fromA = await a.query(byId(id));
    expect(fromA.errors).toBeUndefined();
    expect(sandbox.stats.apiGets).toBe(1);

    const fromB = await b.query(byId(id));
    expect(fromB).toEqual(fromA);
    expect(sandbox.stats.apiGets).toBe(1);
    expect(replicas.eventsB.get('l2Lookup:hit')).toBe(1);
  });

  it('reports the shared cache on /metrics: lookups by result and herd-lock outcomes', async () => {
    replicas = await startReplicas(redis);
    const { a, b, sandbox } = replicas;
    const id = sandbox.clients[1]?.id;
    await a.query(byId(id));
    await b.query(byId(id));
    const metricsOf = async (gw: typeof a) => (await gw.fetch('/metrics', {})).text();
    const [fromA, fromB] = await Promise.all([metricsOf(a), metricsOf(b)]);
    expect(fromA).toMatch(/^c1_gateway_l2_cache_lookups_total\{result="miss"\} 1$/m);
    expect(fromA).toMatch(/^c1_gateway_l2_cache_lock_total\{outcome="acquired"\} 1$/m);
    expect(fromB).toMatch(/^c1_gateway_l2_cache_lookups_total\{result="hit"\} 1$/m);
  });

  it('shares "not found" too, for its own shorter TTL', async () => {
    replicas = await startReplicas(redis);
    const { a, b, sandbox } = replicas;
    const id = sandbox.clients[4]?.id;
    sandbox.resetStats();
    expect((await a.query(byId('no-such-client'))).data).toEqual({ personalClient: null });
    await a.query(byId(id));
    expect((await b.query(byId('no-such-client'))).data).toEqual({ personalClient: null });
    expect(sandbox.stats.apiGets).toBe(2);
    // A third replica 6 s later: past the not-found TTL (5 s), inside the found TTL (30 s).
    const { gateway: c, close } = await replicaAt(sandbox, Date.now() + 6_000);
    try {
      sandbox.resetStats();
      expect((await c.query(byId('no-such-client'))).data).toEqual({ personalClient: null });
      expect(sandbox.stats.apiGets).toBe(1);
      expect((await c.query(byId(id))).errors).toBeUndefined();
      expect(sandbox.stats.apiGets).toBe(1);
    } finally {
      await close();
    }
  });

  it('makes 10 concurrent misses of one id, spread over both replicas, cost 1 upstream GET', async () => {
    replicas = await startReplicas(redis, { sandboxOptions: { latencyMs: 100 } });
    const { a, b, sandbox } = replicas;
    const id = sandbox.clients[5]?.id;
    sandbox.resetStats();

    const bodies = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).query(byId(id))));

    expect(bodies.every((body) => body.errors === undefined && body.data?.personalClient !== null)).toBe(true);
    expect(sandbox.stats.apiGets).toBe(1);
    // One replica won the lock; the other waited for its value instead of calling C1.
    const locks = [replicas.eventsA, replicas.eventsB].map((e) => [e.get('l2Lock:acquired'), e.get('l2Lock:waited')]);
    expect(locks).toContainEqual([1, undefined]);
    expect(locks).toContainEqual([undefined, 1]);
  });

  it('looks up a whole batch of ids with one MGET', async () => {
    replicas = await startReplicas(redis);
    const { a, b, sandbox } = replicas;
    const ids = sandbox.clients.slice(0, 10).map((c) => c.id);
    const list = `query($ids: [ID!]!) { personalClients(ids: $ids) { id } }`;
    await a.query(list, { ids });
    sandbox.resetStats();
    await redis.admin.config('RESETSTAT');

    const body = await b.query(list, { ids });

    expect(body.errors).toBeUndefined();
    expect(sandbox.stats.apiGets).toBe(0);
    expect(await commandCalls(redis, 'mget')).toBe(1);
  });

  it('gives a value from Redis only its remaining lifetime in the in-process cache', async () => {
    replicas = await startReplicas(redis);
    const { a, sandbox } = replicas;
    const id = sandbox.clients[2]?.id ?? '';
    await a.query(byId(id));
    // A third replica whose clock says 20 s have passed since A stored the value (TTL 30 s).
    let now = Date.now() + 20_000;
    const { gateway: c, close } = await replicaAt(sandbox, () => now);
    try {
      sandbox.resetStats();
      await c.query(byId(id));
      expect(sandbox.stats.apiGets).toBe(0);
      // 9 s on, the copy it took from Redis is still fresh in process...
      now += 9_000;
      await c.query(byId(id));
      expect(sandbox.stats.apiGets).toBe(0);
      // ...and 2 s later it is not: it expired with A's entry, not 30 s after C took it.
      now += 2_000;
      await c.query(byId(id));
      expect(sandbox.stats.apiGets).toBe(1);
    } finally {
      await close();
    }
  });

  it("serves another replica's stale copy from Redis when C1 fails (stale-if-error)", async () => {
    replicas = await startReplicas(redis);
    const { a, sandbox } = replicas;
    const id = sandbox.clients[3]?.id;
    const fresh = await a.query(byId(id));
    // A replica that never saw the id, 40 s later: past the 30 s TTL, inside the stale window.
    const { gateway: c, close } = await replicaAt(sandbox, Date.now() + 40_000, { UPSTREAM_RETRIES: '0' });
    try {
      await sandbox.close(); // C1 unreachable
      const body = await c.query(byId(id));
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual(fresh.data);
    } finally {
      await close();
    }
  });

  it('builds no Redis connection when REDIS_URL is unset', async () => {
    replicas = await startReplicas(redis);
    const { observer, link } = recordingObserver();
    const plain = await startGateway({ sandbox: replicas.sandbox, deps: { observer } });
    try {
      expect(link.reported).toBe(false);
      await plain.query(byId(replicas.sandbox.clients[0]?.id));
      expect(await redis.admin.dbsize()).toBe(0);
    } finally {
      await plain.close();
    }
  });

  /** Another replica on the same Redis, on a clock of its own, connected before it is returned. */
  async function replicaAt(sandbox: Sandbox, clock: number | (() => number), env: Record<string, string> = {}) {
    const { observer, link } = recordingObserver();
    const gateway = await startGateway({
      sandbox,
      env: { REDIS_URL: redis.url, ...SLACK, ...env },
      deps: { observer, clock: typeof clock === 'number' ? () => clock : clock },
    });
    await link.up();
    return { gateway, close: () => gateway.close() };
  }
});

/** How many times Redis ran `command` since the last CONFIG RESETSTAT. */
async function commandCalls(redis: TestRedis, command: string): Promise<number> {
  const info = await redis.admin.info('commandstats');
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return Number(match?.[1] ?? 0);
}
