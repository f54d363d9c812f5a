import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { redisAvailable, startRedisServer, type TestRedis } from '../helpers/redis-server.js';
import { recordingObserver, SLACK } from './replicas.js';

const SECRET = 'router-secret-0123456789abcdef';
const LIST = 'query($ids: [ID!]!) { personalClients(ids: $ids) { id } }';
const AS_WEB = { 'x-router-secret': SECRET, 'apollographql-client-name': 'web' };

interface ListBody {
  data?: { personalClients: ({ id: string } | null)[] } | null;
  errors?: { path?: (string | number)[]; extensions?: { code?: string } }[];
}

describe.skipIf(!redisAvailable())('per-caller budget across replicas sharing one Redis', () => {
  let redis: TestRedis;
  let sandbox: Sandbox;
  let a: TestGateway;
  let b: TestGateway;
  let now: number;
  let recA: ReturnType<typeof recordingObserver>;
  let recB: ReturnType<typeof recordingObserver>;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.close());
  beforeEach(async () => {
    await redis.start();
    await redis.admin.flushall();
    sandbox = createSandbox();
    await sandbox.listen(0);
    // Both replicas on one frozen clock (no refill unless a test moves it), starting at the real
    // time because the sandbox checks the token flow's assertions against it.
    now = Date.now();
    // 5 at once, 1 per second: the bucket's key expires in Redis 5 real seconds after its last charge.
    const env = { ...SLACK, REDIS_URL: redis.url, ROUTER_SECRET: SECRET, CALLER_UPSTREAM_RATE: '1', CALLER_UPSTREAM_BURST: '5' };
    recA = recordingObserver();
    recB = recordingObserver();
    a = await startGateway({ sandbox, env, deps: { clock: () => now, observer: recA.observer } });
    b = await startGateway({ sandbox, env, deps: { clock: () => now, observer: recB.observer } });
    await Promise.all([recA.link.up(), recB.link.up()]);
    sandbox.resetStats();
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await sandbox.close();
  });

  const ids = (from: number, to: number) => sandbox.clients.slice(from, to).map((c) => c.id as string);
  const list = async (gw: TestGateway, wanted: string[]) => {
    const body = (await gw.query(LIST, { ids: wanted }, AS_WEB)) as ListBody;
    return {
      served: (body.data?.personalClients ?? []).filter((c) => c !== null).length,
      limited: (body.errors ?? []).filter((e) => e.extensions?.code === 'RATE_LIMITED').length,
    };
  };

  it('shares one caller\'s budget: what replica A spent is not available on replica B', async () => {
    expect(await list(a, ids(0, 3))).toEqual({ served: 3, limited: 0 });
    expect(await list(b, ids(3, 8))).toEqual({ served: 2, limited: 3 });
    expect(sandbox.stats.apiGets).toBe(5);
  });

  it('refills on the replicas\' clock: the script is given "now", so time is the same for every replica', async () => {
    await list(a, ids(0, 5));
    now += 2_000;
    expect(await list(b, ids(5, 9))).toEqual({ served: 2, limited: 2 });
    expect(sandbox.stats.apiGets).toBe(7);
  });

  it('keys the bucket by a hash: no client name appears in Redis', async () => {
    await list(a, ids(0, 1));
    const keys = await redis.admin.keys('*budget*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^c1gw:v1:budget:[\w-]{43}$/);
    expect(keys[0]).not.toContain('web');
  });

  it('falls back to each replica\'s own bucket when Redis is down, and still refuses past the burst', async () => {
    await redis.stop();
    await Promise.all([recA.link.down(), recB.link.down()]);
    expect(await list(a, ids(0, 8))).toEqual({ served: 5, limited: 3 });
    expect(await list(b, ids(8, 16))).toEqual({ served: 5, limited: 3 });
    expect(await list(a, ids(16, 17))).toEqual({ served: 0, limited: 1 });
    expect(sandbox.stats.apiGets).toBe(10);
  });
});
