import { afterEach, describe, expect, it } from 'vitest';
import { noopObserver, type Observer } from '../../src/kernel/observer.js';
import { faults, grantTokens, startFakeUpstream, type Fault, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const CLIENT = { id: 'pc-1', displayName: 'bot' };
const ok: Fault = faults.json({ client: CLIENT });

let c1: FakeUpstream;
let gw: TestGateway;
let now: number;
let states: string[];
let api: Fault;

afterEach(async () => {
  await gw.close();
  await c1.close();
});

async function start(env: Record<string, string> = {}) {
  now = 1_700_000_000_000;
  states = [];
  api = ok;
  c1 = await startFakeUpstream(() => api, { token: grantTokens });
  const observer: Observer = { ...noopObserver, breakerState: (_upstream, state) => states.push(state) };
  gw = await startGateway({
    env: {
      C1_API_URL: c1.origin,
      UPSTREAM_RETRIES: '0',
      CACHE_TTL_MS: '0',
      CACHE_STALE_MS: '0',
      BREAKER_CONSECUTIVE_FAILURES: '3',
      BREAKER_COOLDOWN_MS: '5000',
      ...env,
    },
    deps: { clock: () => now, observer },
  });
}

/** Asks for `count` distinct ids in one operation (one loader batch); returns each field's code. */
async function ask(count = 1): Promise<(string | undefined)[]> {
  const fields = Array.from({ length: count }, (_, i) => `a${i}: personalClient(id: "pc-${i}") { displayName }`);
  const body = await gw.query<Record<string, unknown>>(`{ ${fields.join(' ')} }`);
  return Array.from({ length: count }, (_, i) => body.errors?.find((e) => e.path?.[0] === `a${i}`)?.extensions?.code);
}

const status = async (path: string) => (await gw.fetch(path)).status;

describe('circuit breaker in the gateway', () => {
  it('after 3 failures the next calls make 0 upstream requests; after the cool-down one probe goes out and closes it', async () => {
    await start();
    api = faults.status(503);
    for (let i = 0; i < 3; i++) expect(await ask()).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(c1.apiRequests).toBe(3);
    expect(states).toEqual(['open']);

    for (let i = 0; i < 5; i++) expect(await ask()).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(c1.apiRequests).toBe(3);

    api = ok;
    now += 5_000;
    // Five ids in one batch: one becomes the probe, the other four still fail fast.
    const codes = await ask(5);
    expect(codes.filter((c) => c === undefined)).toHaveLength(1);
    expect(codes.filter((c) => c === 'UPSTREAM_UNAVAILABLE')).toHaveLength(4);
    expect(c1.apiRequests).toBe(4);
    expect(states).toEqual(['open', 'half-open', 'closed']);

    expect(await ask(5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(c1.apiRequests).toBe(9);
  });

  it('stops retrying as soon as the breaker opens mid-retry', async () => {
    await start({ UPSTREAM_RETRIES: '5', UPSTREAM_RETRY_BASE_MS: '1', UPSTREAM_RETRY_MAX_MS: '1' });
    api = faults.status(503);
    expect(await ask()).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(c1.apiRequests).toBe(3); // not 6: the 4th attempt met the open breaker
  });
});

describe('/health and /ready', () => {
  it('/health is 200 whatever C1 does; /ready is 200 once a token is obtained', async () => {
    await start();
    expect(await status('/health')).toBe(200);
    expect(gw.app.isReady()).toBe(true);
    expect(await status('/ready')).toBe(200);
    expect(c1.tokenRequests).toBe(1); // /ready warmed the token
  });

  it('/ready is 503 while the breaker is open and 200 again after the cool-down', async () => {
    await start();
    api = faults.status(503);
    for (let i = 0; i < 3; i++) await ask();
    expect(await status('/ready')).toBe(503);
    expect(gw.app.isReady()).toBe(false);
    expect(await status('/health')).toBe(200);
    now += 5_000;
    expect(await status('/ready')).toBe(200); // traffic may come back to send the probe
  });

  it('/ready is 503 when no token can be obtained, 200 once the token endpoint recovers', async () => {
    await start();
    c1.setToken(() => faults.status(500));
    expect(await status('/ready')).toBe(503);
    expect(gw.app.isReady()).toBe(false);
    expect(await status('/ready')).toBe(503);
    expect(c1.tokenRequests).toBe(1); // the second probe shared the failure (backoff), no new request

    c1.setToken(() => faults.json({ access_token: 'tok', expires_in: 3600 }));
    now += 1_000;
    expect(await status('/ready')).toBe(200);
    expect(gw.app.isReady()).toBe(true);
  });

  it('/ready is 503 once shutdown begins, while GraphQL still answers in-flight work', async () => {
    await start();
    expect(await status('/ready')).toBe(200);
    gw.app.beginShutdown();
    expect(await status('/ready')).toBe(503);
    expect(await ask()).toEqual([undefined]);
  });
});
