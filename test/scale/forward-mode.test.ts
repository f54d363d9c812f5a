import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_USER_IDS } from '../../src/sandbox/index.js';
import { redisAvailable, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { byId, startReplicas, type Replicas } from './replicas.js';

describe.skipIf(!redisAvailable())('forward mode with a shared Redis', () => {
  let redis: TestRedis;
  let replicas: Replicas;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.close());
  beforeEach(() => redis.admin.flushall());
  afterEach(() => replicas.close());

  it("keeps each caller's entries in its own partition, so caller A cannot read what B fetched, and stores no token", async () => {
    replicas = await startReplicas(redis, { env: { C1_AUTH_MODE: 'forward' } });
    const { a, b, sandbox } = replicas;
    const [userA, userB] = [SEED_USER_IDS[0] ?? '', SEED_USER_IDS[1] ?? ''];
    const tokenA = sandbox.issueToken(sandbox.registerUser(userA).clientId);
    const tokenB = sandbox.issueToken(sandbox.registerUser(userB).clientId);
    const asA = { authorization: `Bearer ${tokenA}` };
    const asB = { authorization: `Bearer ${tokenB}` };
    const clientOfB = sandbox.clients.find((c) => c.userId === userB)?.id ?? '';
    const clientOfA = sandbox.clients.find((c) => c.userId === userA)?.id ?? '';
    sandbox.resetStats();

    // B fetches its own client through replica B; A asks for it through replica A.
    const fetchedByB = await b.query(byId(clientOfB), {}, asB);
    expect(fetchedByB.data?.personalClient).toMatchObject({ id: clientOfB });
    const askedByA = await a.query(byId(clientOfB), {}, asA);
    expect(askedByA.data?.personalClient ?? null).toBeNull();
    expect(askedByA.errors?.[0]?.extensions?.code).toBe('UPSTREAM_FORBIDDEN');
    // A's question went to C1 with A's own token: B's entry was not visible to it.
    expect(sandbox.stats.apiGets).toBe(2);
    expect(sandbox.requests.at(-1)?.headers['authorization']).toBe(`Bearer ${tokenA}`);

    // A's own client, shared across replicas within A's partition only.
    await a.query(byId(clientOfA), {}, asA);
    const again = await b.query(byId(clientOfA), {}, asA);
    expect(again.data?.personalClient).toMatchObject({ id: clientOfA });
    expect(sandbox.stats.apiGets).toBe(3);

    // Neither token appears in Redis: not in a key (the callers' upstream budgets included), nor in a value.
    const keys = await redis.admin.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    const stored: string[] = [];
    for (const key of keys) {
      expect(key).not.toContain(tokenA);
      expect(key).not.toContain(tokenB);
      stored.push((await redis.admin.type(key)) === 'string' ? ((await redis.admin.get(key)) ?? '') : JSON.stringify(await redis.admin.hgetall(key)));
    }
    expect(stored.join('\n')).toContain(clientOfA);
    expect(stored.join('\n')).not.toContain(tokenA);
    expect(stored.join('\n')).not.toContain(tokenB);
  });
});
