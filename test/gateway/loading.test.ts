import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('batching, caching and de-duplication', () => {
  let gw: TestGateway;
  afterEach(() => gw.close());

  it('fetches 30 aliases over 10 distinct ids with exactly 10 GETs, then 0 from the cache', async () => {
    gw = await startGateway();
    const ids = gw.sandbox.clients.slice(0, 10).map((c) => c.id);
    const fields = Array.from({ length: 30 }, (_, i) => `a${i}: personalClient(id: "${ids[i % 10]}") { id }`);
    const query = `{ ${fields.join('\n')} }`;
    gw.sandbox.resetStats();

    const first = await gw.query<Record<string, { id: string }>>(query);
    expect(first.errors).toBeUndefined();
    expect(first.data?.['a29']?.id).toBe(ids[9]);
    expect(gw.sandbox.stats.apiGets).toBe(10);

    const second = await gw.query(query);
    expect(second).toEqual(first);
    expect(gw.sandbox.stats.apiGets).toBe(10);
  });

  it('shares one GET among 20 concurrent requests for the same uncached id', async () => {
    gw = await startGateway({ sandboxOptions: { latencyMs: 50 } });
    const id = gw.sandbox.clients[3]?.id;
    gw.sandbox.resetStats();
    const bodies = await Promise.all(
      Array.from({ length: 20 }, () => gw.query(`{ personalClient(id: "${id}") { displayName } }`)),
    );
    expect(bodies.every((b) => b.errors === undefined && b.data !== null)).toBe(true);
    expect(gw.sandbox.stats.apiGets).toBe(1);
  });

  it('never has more GETs in flight than the configured cap', async () => {
    gw = await startGateway({ env: { UPSTREAM_MAX_IN_FLIGHT: '4' }, sandboxOptions: { latencyMs: 20 } });
    const ids = gw.sandbox.clients.slice(0, 40).map((c) => c.id);
    gw.sandbox.resetStats();
    const body = await gw.query(`query($ids: [ID!]!) { personalClients(ids: $ids) { id } }`, { ids });
    expect(body.errors).toBeUndefined();
    expect(gw.sandbox.stats.apiGets).toBe(40);
    expect(gw.sandbox.stats.maxInFlightGets).toBe(4);
  });

  it('remembers "not found" for its shorter TTL and does not cache errors', async () => {
    gw = await startGateway({ env: { CACHE_NOT_FOUND_TTL_MS: '60000' } });
    gw.sandbox.resetStats();
    await gw.query(`{ personalClient(id: "no-such-client") { id } }`);
    await gw.query(`{ personalClient(id: "no-such-client") { id } }`);
    expect(gw.sandbox.stats.apiGets).toBe(1);
  });

  it('refetches once the TTL has passed (injected clock, no sleeping)', async () => {
    let now = 1_700_000_000_000;
    gw = await startGateway({ deps: { clock: () => now }, sandboxOptions: { clock: () => now } });
    const id = gw.sandbox.clients[0]?.id;
    gw.sandbox.resetStats();
    await gw.query(`{ personalClient(id: "${id}") { id } }`);
    now += 29_999;
    await gw.query(`{ personalClient(id: "${id}") { id } }`);
    expect(gw.sandbox.stats.apiGets).toBe(1);
    now += 1;
    await gw.query(`{ personalClient(id: "${id}") { id } }`);
    expect(gw.sandbox.stats.apiGets).toBe(2);
  });
});
