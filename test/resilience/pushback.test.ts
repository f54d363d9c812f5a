import { afterEach, describe, expect, it } from 'vitest';
import { grantTokens, startFakeUpstream, type FakeUpstream, type Fault } from '../helpers/fake-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/** C1 takes this many calls at once, and answers 429 (Retry-After: 0) to any call beyond. */
const CAPACITY = 6;
const INITIAL_LIMIT = 16;
const CLIENTS = 40;
const WAVES = 10;
/** UPSTREAM_MIN_IN_FLIGHT: what the limit never goes below, whatever C1 answers. */
const FLOOR = 4;
/** Waves sent to a C1 that refuses everything. */
const REFUSED_WAVES = 4;
/** Attempts per request at most: the first and UPSTREAM_RETRIES (2 by default) retries. */
const MAX_ATTEMPTS = 3;

/** A scripted C1 that counts its calls in flight and refuses above CAPACITY. */
async function startPushingBack() {
  const seen = { inFlight: 0, peak: 0, answered: 0, refused: 0 };
  const answer: Fault = (res, later) => {
    seen.inFlight += 1;
    seen.peak = Math.max(seen.peak, seen.inFlight);
    const done = () => void (seen.inFlight -= 1);
    if (seen.inFlight > CAPACITY) {
      seen.refused += 1;
      done();
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{}');
      return;
    }
    later(5, () => {
      seen.answered += 1;
      done();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client: { id: 'pc', displayName: 'x' } }));
    });
  };
  const c1 = await startFakeUpstream(() => answer, { token: grantTokens });
  return { c1, seen };
}

/** A scripted C1 that refuses every API call with 429 (Retry-After: 0), counting its calls in flight. */
async function startAlwaysRefusing() {
  const seen = { inFlight: 0, peak: 0, calls: 0 };
  const refuse: Fault = (res, later) => {
    seen.calls += 1;
    seen.inFlight += 1;
    seen.peak = Math.max(seen.peak, seen.inFlight);
    later(2, () => {
      seen.inFlight -= 1;
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{}');
    });
  };
  const c1 = await startFakeUpstream(() => refuse, { token: grantTokens });
  return { c1, seen };
}

/** Nothing cached and one caller, so every request goes upstream: this is about C1's capacity, not the caller's budget. */
function gatewayEnv(origin: string): Record<string, string> {
  return {
    C1_API_URL: origin,
    CACHE_TTL_MS: '0',
    CACHE_STALE_MS: '0',
    UPSTREAM_INITIAL_IN_FLIGHT: String(INITIAL_LIMIT),
    UPSTREAM_RETRY_BASE_MS: '1',
    UPSTREAM_RETRY_MAX_MS: '5',
    CALLER_UPSTREAM_RATE: '1000000000',
    CALLER_UPSTREAM_BURST: '1000000000',
    BREAKER_MIN_REQUESTS: '1000000',
  };
}

describe('C1 pushing back above a fixed concurrency', () => {
  let c1: FakeUpstream;
  let gw: TestGateway;
  afterEach(async () => {
    await gw.close();
    await c1.close();
  });

  it('learns to stay at C1\'s capacity: few calls refused, clients answered, never more in flight than the limit', { timeout: 60_000 }, async () => {
    const upstream = await startPushingBack();
    c1 = upstream.c1;
    gw = await startGateway({ env: { ...gatewayEnv(c1.origin), UPSTREAM_MAX_IN_FLIGHT: '32' } });
    const failures: string[] = [];
    const peaks: number[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      upstream.seen.peak = 0;
      const bodies = await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) => gw.query(`{ personalClient(id: "pc-${wave}-${i}") { displayName } }`)),
      );
      for (const body of bodies) if (body.errors !== undefined) failures.push(body.errors[0]?.extensions?.code ?? 'none');
      peaks.push(upstream.seen.peak);
    }
    const { answered, refused } = upstream.seen;
    expect(answered).toBe(CLIENTS * WAVES - failures.length);
    // Only the first wave, sent at the initial limit, meets C1 with more than the learnt limit.
    expect(Math.max(...peaks)).toBeLessThanOrEqual(INITIAL_LIMIT);
    expect(Math.max(...peaks.slice(WAVES / 2))).toBeLessThanOrEqual(CAPACITY + 2);
    // AIMD probes one slot past C1's capacity about once per 10 answers at this small a limit
    // (measured: 8-11 %; the share falls with the square of the capacity).
    expect(refused / (answered + refused)).toBeLessThan(0.15);
    expect(failures.length / (CLIENTS * WAVES)).toBeLessThan(0.02);
  });

  it('answers every request with a typed refusal when C1 refuses everything, and sends C1 no more than the floor at once', { timeout: 60_000 }, async () => {
    const upstream = await startAlwaysRefusing();
    c1 = upstream.c1;
    gw = await startGateway({ env: { ...gatewayEnv(c1.origin), UPSTREAM_MIN_IN_FLIGHT: String(FLOOR), REQUEST_DEADLINE_MS: '3000' } });
    const codes = new Map<string, number>();
    const peaks: number[] = [];
    for (let wave = 0; wave < REFUSED_WAVES; wave++) {
      upstream.seen.peak = 0;
      const bodies = await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) => gw.query(`{ personalClient(id: "pc-${wave}-${i}") { displayName } }`)),
      );
      for (const body of bodies) {
        const code = String(body.errors?.[0]?.extensions?.code ?? 'none');
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      peaks.push(upstream.seen.peak);
    }
    // Every request answered by the gateway's own verdict (not a timeout, not data): refused by C1,
    // or refused before sending because its turn could not come within the deadline.
    expect([...codes.keys()].filter((code) => code !== 'UPSTREAM_RATE_LIMITED' && code !== 'OVERLOADED')).toEqual([]);
    expect(codes.get('UPSTREAM_RATE_LIMITED') ?? 0).toBeGreaterThan(0);
    // The first wave meets C1 at the starting limit; once the 429s are back, never more than the floor.
    expect(peaks[0]).toBeLessThanOrEqual(INITIAL_LIMIT);
    expect(Math.max(...peaks.slice(1))).toBeLessThanOrEqual(FLOOR);
    expect(upstream.seen.calls).toBeLessThanOrEqual(REFUSED_WAVES * CLIENTS * MAX_ATTEMPTS);
  });
});
