import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisAvailable, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { byId, startReplicas, type Replicas } from './replicas.js';

describe.skipIf(!redisAvailable())('Redis is never a single point of failure', () => {
  let redis: TestRedis;
  let replicas: Replicas;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.close());
  beforeEach(async () => {
    await redis.start();
    await redis.admin.flushall();
  });
  afterEach(() => replicas.close());

  it('keeps answering through C1 while Redis is down, and shares hits again once it is back', async () => {
    replicas = await startReplicas(redis);
    const { a, b, sandbox } = replicas;
    const [one, two, three] = sandbox.clients.map((c) => c.id);
    await a.query(byId(one));

    await redis.stop();
    await Promise.all([replicas.linkA.down(), replicas.linkB.down()]);
    sandbox.resetStats();
    const whileDown = await Promise.all([a.query(byId(two)), b.query(byId(two)), b.query(byId(one))]);
    expect(whileDown.map((body) => body.errors)).toEqual([undefined, undefined, undefined]);
    expect(whileDown.map((body) => body.data?.personalClient)).not.toContain(null);
    // Nothing shared while down: each replica asked C1 for what it did not hold itself.
    expect(sandbox.stats.apiGets).toBe(3);
    expect(replicas.eventsB.get('l2Error:unavailable')).toBeGreaterThan(0);

    // Same port, no gateway restart: the replicas reconnect by themselves.
    await redis.start();
    await Promise.all([replicas.linkA.up(), replicas.linkB.up()]);
    sandbox.resetStats();
    await a.query(byId(three));
    const fromB = await b.query(byId(three));
    expect(fromB.errors).toBeUndefined();
    expect(sandbox.stats.apiGets).toBe(1);
  });

  it('answers through C1 within the budget when Redis stops answering (timeout)', async () => {
    replicas = await startReplicas(redis, { env: { REDIS_TIMEOUT_MS: '20' } });
    const { b, sandbox } = replicas;
    sandbox.resetStats();
    // Redis holds every client's commands for 500 ms: far past the 20 ms budget.
    await redis.admin.client('PAUSE', 500, 'ALL');
    try {
      const body = await b.query(byId(sandbox.clients[1]?.id));
      expect(body.errors).toBeUndefined();
      expect(body.data?.personalClient).not.toBeNull();
      expect(sandbox.stats.apiGets).toBe(1);
      expect(replicas.eventsB.get('l2Error:timeout')).toBeGreaterThan(0);
    } finally {
      await redis.admin.client('UNPAUSE');
    }
  });

  it('answers through C1 when Redis is full and refuses writes (OOM)', async () => {
    replicas = await startReplicas(redis);
    const { a, b, sandbox } = replicas;
    const id = sandbox.clients[4]?.id;
    await redis.admin.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.admin.config('SET', 'maxmemory', '1');
    try {
      sandbox.resetStats();
      const body = await a.query(byId(id));
      expect(body.errors).toBeUndefined();
      expect(body.data?.personalClient).not.toBeNull();
      expect(replicas.eventsA.get('l2Error:oom')).toBeGreaterThan(0);
      // The value never reached Redis, so B asks C1 itself.
      await b.query(byId(id));
      expect(sandbox.stats.apiGets).toBe(2);
    } finally {
      await redis.admin.config('SET', 'maxmemory', '0');
    }
  });
});
