import { afterEach, describe, expect, it } from 'vitest';
import { noopObserver, type Observer } from '../../src/kernel/observer.js';
import { faults, grantTokens, startFakeUpstream, type Fault, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const START = 1_700_000_000_000;
const ok: Fault = faults.json({ client: { id: 'pc-1', displayName: 'cached bot' } });
const QUERY = '{ personalClient(id: "pc-1") { displayName } }';

let c1: FakeUpstream;
let gw: TestGateway;
let now: number;
let staleServed: number;
let api: Fault;

afterEach(async () => {
  await gw.close();
  await c1.close();
});

/** TTL 30 s, stale window 5 min (the defaults), on an injected clock. */
async function start(env: Record<string, string> = {}) {
  now = START;
  staleServed = 0;
  api = ok;
  c1 = await startFakeUpstream(() => api, { token: grantTokens });
  const observer: Observer = { ...noopObserver, staleServed: () => void staleServed++ };
  gw = await startGateway({
    env: { C1_API_URL: c1.origin, UPSTREAM_RETRIES: '0', CACHE_TTL_MS: '30000', CACHE_STALE_MS: '300000', ...env },
    deps: { clock: () => now, observer },
  });
  expect((await ask()).data).toBe('cached bot');
  expect(c1.apiRequests).toBe(1);
}

async function ask() {
  const body = await gw.query<{ personalClient: { displayName: string } | null }>(QUERY);
  return { data: body.data?.personalClient?.displayName ?? null, codes: body.errors?.map((e) => e.extensions?.code) };
}

describe('stale-if-error', () => {
  it.each<[string, Fault]>([
    ['503', faults.status(503)],
    ['500', faults.status(500)],
    ['a reset connection', faults.resetMidBody({ client: null })],
  ])('serves the expired entry when C1 answers %s, and counts it', async (_name, fault) => {
    await start();
    api = fault;
    now = START + 30_000; // expired: a fresh fetch is attempted first
    expect(await ask()).toEqual({ data: 'cached bot', codes: undefined });
    expect(c1.apiRequests).toBe(2);
    expect(staleServed).toBe(1);
  });

  it('serves the expired entry when the request deadline passes while C1 hangs', async () => {
    await start({ REQUEST_DEADLINE_MS: '300', UPSTREAM_HEADERS_TIMEOUT_MS: '60000' });
    api = faults.hang();
    now = START + 60_000;
    expect(await ask()).toEqual({ data: 'cached bot', codes: undefined });
    expect(staleServed).toBe(1);
  });

  it('serves the expired entry with no upstream request while the breaker is open', async () => {
    await start({ BREAKER_CONSECUTIVE_FAILURES: '1' });
    api = faults.status(503);
    now = START + 30_000;
    await ask(); // this failure opens the breaker
    expect(await ask()).toEqual({ data: 'cached bot', codes: undefined });
    expect(c1.apiRequests).toBe(2);
    expect(staleServed).toBe(2);
  });

  it('returns the error once the entry is older than the stale window', async () => {
    await start();
    api = faults.status(503);
    now = START + 30_000 + 300_000 - 1;
    expect(await ask()).toEqual({ data: 'cached bot', codes: undefined });
    now += 1;
    expect(await ask()).toEqual({ data: null, codes: ['UPSTREAM_UNAVAILABLE'] });
    expect(staleServed).toBe(1);
  });

  it('never serves stale for an answer that is not an outage (bad response)', async () => {
    await start();
    api = faults.raw('application/json', '{"client": ');
    now = START + 30_000;
    expect(await ask()).toEqual({ data: null, codes: ['UPSTREAM_BAD_RESPONSE'] });
    expect(staleServed).toBe(0);
  });
});
