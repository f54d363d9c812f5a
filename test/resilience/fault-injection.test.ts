import { afterEach, describe, expect, it } from 'vitest';
import type { Sleep } from '../../src/resilience/retry-policy.js';
import { faults, grantTokens, startFakeUpstream, tokenGrant, type Fault, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * One test per upstream fault, against a real socket-level faulty C1. Retry waits are recorded
 * instead of slept, and the clock is fixed, so Retry-After dates are exact; timeouts are short.
 */
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
// Generous: undici runs its headers/body timeouts on a coarse timer (about 0.5–1 s resolution).
const DEADLINE_MS = 8_000;
const CLIENT = { id: 'pc-1', displayName: 'bot', clientId: 'bot@acme.conductor.one/pcc', scopedRoles: [] };
const ok: Fault = faults.json({ client: CLIENT });
const QUERY = '{ personalClient(id: "pc-1") { id displayName } }';

let c1: FakeUpstream;
let gw: TestGateway;
let waits: number[];

afterEach(async () => {
  await gw.close();
  await c1.close();
});

/** `first` answers the first GET, `rest` every later one. */
async function start(first: Fault, rest: Fault = first, env: Record<string, string> = {}) {
  c1 = await startFakeUpstream((_request, index) => (index === 0 ? first : rest), { token: grantTokens });
  waits = [];
  const sleep: Sleep = async (ms) => void waits.push(ms);
  gw = await startGateway({
    env: {
      C1_API_URL: c1.origin,
      REQUEST_DEADLINE_MS: String(DEADLINE_MS),
      UPSTREAM_HEADERS_TIMEOUT_MS: '200',
      UPSTREAM_BODY_TIMEOUT_MS: '200',
      UPSTREAM_MAX_BODY_BYTES: '4096',
      UPSTREAM_RETRIES: '2',
      CACHE_TTL_MS: '0',
      CACHE_STALE_MS: '0',
      // The breaker has its own tests; here every attempt must reach the fault.
      BREAKER_CONSECUTIVE_FAILURES: '1000',
      BREAKER_MIN_REQUESTS: '1000',
      ...env,
    },
    deps: { clock: () => NOW, sleep, random: () => 0.5 },
  });
}

async function ask() {
  const started = performance.now();
  const body = await gw.query<{ personalClient: { id: string } | null }>(QUERY);
  return {
    data: body.data?.personalClient ?? null,
    codes: body.errors?.map((e) => e.extensions?.code),
    elapsedMs: performance.now() - started,
  };
}

async function expectData(gets: number) {
  const result = await ask();
  expect(result).toMatchObject({ data: { id: 'pc-1', displayName: 'bot' }, codes: undefined });
  expect(c1.apiRequests).toBe(gets);
  expect(result.elapsedMs).toBeLessThan(DEADLINE_MS);
}

async function expectCode(code: string, gets: number) {
  const result = await ask();
  expect(result).toMatchObject({ data: null, codes: [code] });
  expect(c1.apiRequests).toBe(gets);
  expect(result.elapsedMs).toBeLessThan(DEADLINE_MS);
}

describe('API faults', () => {
  it('hang: every attempt times out waiting for headers → UPSTREAM_TIMEOUT after 3 attempts', async () => {
    await start(faults.hang());
    await expectCode('UPSTREAM_TIMEOUT', 3);
    expect(waits).toEqual([50, 100]); // full jitter at random 0.5 of 100 ms, then 200 ms
  });

  it('hang longer than the request deadline → UPSTREAM_TIMEOUT at the deadline, after 1 attempt', async () => {
    await start(faults.hang(), faults.hang(), { REQUEST_DEADLINE_MS: '300', UPSTREAM_HEADERS_TIMEOUT_MS: '60000' });
    const result = await ask();
    expect(result).toMatchObject({ data: null, codes: ['UPSTREAM_TIMEOUT'] });
    expect(c1.apiRequests).toBe(1);
    // Ended by the 300 ms deadline, not by the 60 s headers timeout.
    expect(result.elapsedMs).toBeLessThan(30_000);
  });

  it('slow headers once → data after a retry, 2 attempts', async () => {
    await start(faults.slowHeaders(5_000, ok), ok);
    await expectData(2);
  });

  it('slow body once (a 5 s pause mid-body) → data after a retry, 2 attempts', async () => {
    await start(faults.slowBody({ client: CLIENT }, 5_000), ok);
    await expectData(2);
  });

  it('connection reset mid-body once → data after a retry, 2 attempts', async () => {
    await start(faults.resetMidBody({ client: CLIENT }), ok);
    await expectData(2);
  });

  it('connection refused → UPSTREAM_UNAVAILABLE after 3 attempts with backoff', async () => {
    await start(ok);
    await c1.close();
    await expectCode('UPSTREAM_UNAVAILABLE', 0);
    expect(waits).toEqual([50, 100]); // the token request, the first to find nobody listening
  });

  it('500 → UPSTREAM_UNAVAILABLE at once: a plain 500 is not retried', async () => {
    await start(faults.status(500), ok);
    await expectCode('UPSTREAM_UNAVAILABLE', 1);
    expect(waits).toEqual([]);
  });

  it.each([502, 503, 504])('%i once → data after a retry, 2 attempts', async (status) => {
    await start(faults.status(status), ok);
    await expectData(2);
    expect(waits).toEqual([50]);
  });

  it.each([502, 503, 504])('%i on every attempt → UPSTREAM_UNAVAILABLE after 3 attempts', async (status) => {
    await start(faults.status(status));
    await expectCode('UPSTREAM_UNAVAILABLE', 3);
  });

  it('429 with Retry-After: 1 → waits exactly 1 s, then data, 2 attempts', async () => {
    await start(faults.status(429, { 'retry-after': '1' }), ok);
    await expectData(2);
    expect(waits).toEqual([1_000]);
  });

  it('429 with an HTTP-date Retry-After → waits until that date, then data, 2 attempts', async () => {
    await start(faults.status(429, { 'retry-after': new Date(NOW + 2_000).toUTCString() }), ok);
    await expectData(2);
    expect(waits).toEqual([2_000]);
  });

  it('429 asking for a wait past the deadline → UPSTREAM_RATE_LIMITED now, 1 attempt, no wait', async () => {
    await start(faults.status(429, { 'retry-after': '9' }), ok);
    await expectCode('UPSTREAM_RATE_LIMITED', 1);
    expect(waits).toEqual([]);
  });

  it('malformed JSON → UPSTREAM_BAD_RESPONSE, 1 attempt', async () => {
    await start(faults.raw('application/json', '{"client": {"id": '), ok);
    await expectCode('UPSTREAM_BAD_RESPONSE', 1);
  });

  it('a non-JSON content type → UPSTREAM_BAD_RESPONSE, 1 attempt', async () => {
    await start(faults.raw('text/html', '<html>maintenance</html>'), ok);
    await expectCode('UPSTREAM_BAD_RESPONSE', 1);
  });

  it.each([
    ['a declared content-length', true],
    ['a chunked body', false],
  ])('an oversized body with %s → UPSTREAM_BAD_RESPONSE, 1 attempt', async (_name, declared) => {
    await start(faults.oversized(64 * 1024, declared), ok);
    await expectCode('UPSTREAM_BAD_RESPONSE', 1);
  });
});

describe('token endpoint faults', () => {
  async function startWithToken(token: (index: number) => Fault, env: Record<string, string> = {}) {
    await start(ok, ok, env);
    c1.setToken((_request, index) => token(index));
  }

  it('token 500 → UPSTREAM_UNAVAILABLE, 1 token request, no API call', async () => {
    await startWithToken(() => faults.status(500));
    await expectCode('UPSTREAM_UNAVAILABLE', 0);
    expect(c1.tokenRequests).toBe(1);
  });

  it('token 503 once → data after a retry with a freshly signed assertion, 2 token requests', async () => {
    await startWithToken((i) => (i === 0 ? faults.status(503) : tokenGrant('tok-1')));
    await expectData(1);
    expect(c1.tokenRequests).toBe(2);
    const assertions = c1.requests.filter((r) => r.method === 'POST').map((r) => new URLSearchParams(r.body).get('client_assertion'));
    expect(new Set(assertions).size).toBe(2);
  });

  it('token hang → UPSTREAM_TIMEOUT at the deadline, 1 token request, no API call', async () => {
    await startWithToken(() => faults.hang(), { REQUEST_DEADLINE_MS: '300', UPSTREAM_HEADERS_TIMEOUT_MS: '60000' });
    const result = await ask();
    expect(result).toMatchObject({ data: null, codes: ['UPSTREAM_TIMEOUT'] });
    expect(c1.tokenRequests).toBe(1);
    expect(c1.apiRequests).toBe(0);
    expect(result.elapsedMs).toBeLessThan(30_000);
  });

  it('token 400 invalid_client → UPSTREAM_UNAUTHENTICATED, 1 token request, no API call', async () => {
    await startWithToken(() => faults.json({ error: 'invalid_client', error_description: 'unknown client' }, 400));
    await expectCode('UPSTREAM_UNAUTHENTICATED', 0);
    expect(c1.tokenRequests).toBe(1);
  });

  it.each([
    ['0', 0],
    ['missing', undefined],
  ])('expires_in %s → data, and the token is reused (1 token request for 3 queries)', async (_name, expiresIn) => {
    await startWithToken((i) => tokenGrant(`tok-${i}`, expiresIn));
    for (let i = 1; i <= 3; i++) await expectData(i);
    expect(c1.tokenRequests).toBe(1);
  });
});
