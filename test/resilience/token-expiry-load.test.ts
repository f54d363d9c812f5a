import { afterEach, describe, expect, it } from 'vitest';
import { noopObserver, type Observer } from '../../src/kernel/observer.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const TTL_S = 600;
const REQUESTS_PER_ROUND = 50;

describe('token expiry under concurrent load', () => {
  let gw: TestGateway;
  afterEach(() => gw.close());

  it('sends exactly one token request per expiry and no API call ever sees a 401', async () => {
    let now = 1_700_000_000_000;
    let attempts = 0;
    let moveClockAt = Infinity;
    let moveClockTo = 0;
    const expiries: number[] = [];
    const observer: Observer = {
      ...noopObserver,
      // Time moves while requests are in flight: after a set number of upstream attempts.
      upstreamAttempt: () => {
        if (++attempts === moveClockAt) now = moveClockTo;
      },
      tokenFetch: (outcome, expiresAtMs) => {
        if (outcome === 'success' && expiresAtMs !== undefined) expiries.push(expiresAtMs);
      },
    };
    gw = await startGateway({
      // Every query goes upstream; the sandbox honours the same clock for token expiry.
      env: { CACHE_TTL_MS: '0', CACHE_STALE_MS: '0', UPSTREAM_MAX_IN_FLIGHT: '8' },
      sandboxOptions: { clock: () => now, tokenTtlSeconds: TTL_S, latencyMs: 2 },
      deps: { clock: () => now, observer },
    });
    const ids = gw.sandbox.clients.slice(0, REQUESTS_PER_ROUND).map((c) => c.id as string);
    expect(ids).toHaveLength(REQUESTS_PER_ROUND);

    const round = async () => {
      const bodies = await Promise.all(ids.map((id) => gw.query(`{ personalClient(id: "${id}") { id } }`)));
      expect(bodies.filter((b) => b.errors !== undefined || b.data?.['personalClient'] == null)).toEqual([]);
    };

    await round();
    expect(gw.sandbox.stats.tokenRequests).toBe(1);

    // Each round, mid-way, jump either into the refresh-ahead zone (80 % of the lifetime: a
    // background refresh while the old token keeps serving) or past the point where the gateway
    // stops using the token (expiry minus the 30 s margin; C1 itself still accepts it).
    const jumps = [500_000, 575_000, 500_000, 575_000];
    for (const [i, offset] of jumps.entries()) {
      const issuedAt = (expiries.at(-1) ?? 0) - TTL_S * 1000;
      moveClockAt = attempts + REQUESTS_PER_ROUND / 2;
      moveClockTo = issuedAt + offset;
      await round();
      await gw.query(`{ personalClient(id: "${ids[0]}") { id } }`); // a background refresh has landed
      expect(gw.sandbox.stats.tokenRequests).toBe(i + 2);
    }
    expect(expiries).toHaveLength(jumps.length + 1);
    expect(gw.sandbox.stats.apiGetsByStatus[401]).toBeUndefined();
    expect(gw.sandbox.stats.tokenFailures).toBe(0);
  });
});
