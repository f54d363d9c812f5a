import { createHash } from 'node:crypto';
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

  it("keys each caller's entries by a hash of its token, so caller A cannot read what B fetched", async () => {
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

    const keys = (await redis.admin.keys('c1gw:v1:pc:*')).sort();
    const hashA = sha256(tokenA);
    const hashB = sha256(tokenB);
    expect(keys).toEqual([`c1gw:v1:pc:${hashA}:${clientOfA}`, `c1gw:v1:pc:${hashB}:${clientOfB}`].sort());
    // Every key, the callers' upstream budgets included.
    for (const key of await redis.admin.keys('*')) {
      expect(key).not.toContain(tokenA);
      expect(key).not.toContain(tokenB);
    }
    // Nor are tokens inside the stored values.
    const values = await redis.admin.mget(keys);
    expect(values.join('\n')).not.toContain(tokenA);
    expect(values.join('\n')).not.toContain(tokenB);
  });
});

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
