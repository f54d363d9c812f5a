import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { noopObserver } from '../../src/kernel/observer.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

const SECRET = 'router-secret-0123456789abcdef';
const LIST = 'query($ids: [ID!]!) { personalClients(ids: $ids) { id } }';
/** 1 call per second, 5 at once: small enough to count every call. */
const BUDGET = { CALLER_UPSTREAM_RATE: '1', CALLER_UPSTREAM_BURST: '5' };

interface ListBody {
  data?: { personalClients: ({ id: string } | null)[] } | null;
  errors?: { path?: (string | number)[]; extensions?: { code?: string; retryAfter?: number } }[];
}

let gw: TestGateway;
let now: number;
let refused: number;
afterEach(() => gw.close());

/** The clock starts at the real time (the sandbox checks the token flow's assertions against it), then moves only when told. */
async function start(env: Record<string, string> = {}, listen = false) {
  now = Date.now();
  refused = 0;
  gw = await startGateway({
    env: { ...BUDGET, ROUTER_SECRET: SECRET, ...env },
    deps: { clock: () => now, observer: { ...noopObserver, budgetRefused: () => void refused++ } },
    listen,
  });
  gw.sandbox.resetStats();
}

const ids = (from: number, to: number) => gw.sandbox.clients.slice(from, to).map((c) => c.id as string);
const asClient = (name: string) => ({ 'x-router-secret': SECRET, 'apollographql-client-name': name });
const list = (wanted: string[], headers: Record<string, string>) => gw.query(LIST, { ids: wanted }, headers) as Promise<ListBody>;
const served = (body: ListBody) => (body.data?.personalClients ?? []).filter((c) => c !== null).map((c) => c.id);
const limitedAt = (body: ListBody) =>
  (body.errors ?? []).filter((e) => e.extensions?.code === 'RATE_LIMITED').map((e) => e.path?.[1]);

describe('per-caller budget on upstream calls', () => {
  it('gives a caller asking for more fresh ids than its burst exactly the burst, and RATE_LIMITED for the rest', async () => {
    await start();
    const wanted = ids(0, 8);
    const body = await list(wanted, asClient('web'));
    expect(served(body)).toEqual(wanted.slice(0, 5));
    expect(limitedAt(body)).toEqual([5, 6, 7]);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 1 });
    expect(gw.sandbox.stats.apiGets).toBe(5);
    expect(refused).toBe(3);
    const metrics = await (await gw.fetch('/metrics')).text();
    expect(metrics).toMatch(/^c1_gateway_caller_budget_refused_total 3$/m);
  });

  it('never counts a refusal against the circuit breaker: it never reached C1', async () => {
    await start({ BREAKER_CONSECUTIVE_FAILURES: '1', BREAKER_MIN_REQUESTS: '1' });
    await list(ids(0, 5), asClient('web'));
    for (let i = 0; i < 3; i += 1) expect(limitedAt(await list(ids(5, 10), asClient('web')))).toHaveLength(5);
    expect((await gw.fetch('/ready')).status).toBe(200);
    expect(served(await list(ids(5, 10), asClient('other')))).toEqual(ids(5, 10));
  });

  it('still answers cached ids, free, for a caller whose budget is spent', async () => {
    await start();
    await list(ids(0, 5), asClient('web'));
    const body = await list([...ids(0, 5), ...ids(5, 6)], asClient('web'));
    expect(served(body)).toEqual(ids(0, 5));
    expect(limitedAt(body)).toEqual([5]);
    expect(gw.sandbox.stats.apiGets).toBe(5);
  });

  it('refills at its rate as the clock moves', async () => {
    await start();
    await list(ids(0, 5), asClient('web'));
    now += 2_000; // two tokens
    const body = await list(ids(5, 9), asClient('web'));
    expect(served(body)).toEqual(ids(5, 7));
    expect(limitedAt(body)).toEqual([2, 3]);
    expect(gw.sandbox.stats.apiGets).toBe(7);
  });

  it('keeps a separate budget for each router-authenticated client name', async () => {
    await start();
    await list(ids(0, 5), asClient('web'));
    const body = await list(ids(5, 10), asClient('batch-job'));
    expect(served(body)).toEqual(ids(5, 10));
    expect(gw.sandbox.stats.apiGets).toBe(10);
  });

  it('ignores the client name of a request no router secret vouched for: a caller cannot rotate names for budgets', async () => {
    await start({ ROUTER_SECRET: '' });
    await list(ids(0, 5), { 'apollographql-client-name': 'first-name' });
    const body = await list(ids(5, 7), { 'apollographql-client-name': 'second-name' });
    expect(limitedAt(body)).toEqual([0, 1]);
    expect(gw.sandbox.stats.apiGets).toBe(5);
  });

  it('serves an expired copy instead of RATE_LIMITED, since it costs C1 nothing', async () => {
    await start({ CACHE_TTL_MS: '30000' });
    await list(ids(0, 5), asClient('web'));
    now += 30_000; // expired, still within the stale window; five tokens back
    await list(ids(5, 10), asClient('web')); // spends them
    const body = await list(ids(0, 1), asClient('web'));
    expect(body.errors).toBeUndefined();
    expect(served(body)).toEqual(ids(0, 1));
    expect(gw.sandbox.stats.apiGets).toBe(10);
    expect(refused).toBe(1);
  });

  it("charges nothing to a request that joins another request's fetch in flight", async () => {
    await start();
    gw.sandbox.setLatency(50);
    const [first, second] = await Promise.all([list(ids(0, 5), asClient('web')), list(ids(0, 5), asClient('other'))]);
    expect(served(first)).toEqual(ids(0, 5));
    expect(served(second)).toEqual(ids(0, 5));
    expect(gw.sandbox.stats.apiGets).toBe(5);
    // Whichever fetched spent its burst; the one that joined kept all of its own.
    const after = await Promise.all([list(ids(5, 10), asClient('web')), list(ids(10, 15), asClient('other'))]);
    expect(after.map((body) => served(body).length).sort()).toEqual([0, 5]);
    expect(gw.sandbox.stats.apiGets).toBe(10);
  });
});

describe('per-caller budget keyed by the verified JWT subject', () => {
  let jwks: FakeUpstream;
  let key: CryptoKey;
  afterEach(() => jwks.close());

  const bearer = async (sub: string) => ({
    authorization: `Bearer ${await new SignJWT({ sub })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://idp.example')
      .setAudience('c1-gateway')
      .setExpirationTime(Math.floor(now / 1000) + 300)
      .sign(key)}`,
  });

  it('gives each subject its own budget, whatever address it calls from', async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = await startFakeUpstream(() => ({ body: { keys: [publicJwk] } }));
    await start({ ROUTER_SECRET: '', JWKS_URL: `${jwks.origin}/jwks.json`, JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'c1-gateway' });
    const alice = await bearer('alice');
    await list(ids(0, 5), alice);
    expect(limitedAt(await list(ids(5, 6), alice))).toEqual([0]);
    expect(served(await list(ids(6, 11), await bearer('bob')))).toEqual(ids(6, 11));
    expect(gw.sandbox.stats.apiGets).toBe(10);
  });

  it('gives each client address its own budget when nothing else names the caller', async () => {
    await start({}, true); // the peer address is the socket's
    // Two callers on two loopback addresses, neither authenticated as the router nor by JWT.
    const from = (localAddress: string) => new Agent({ localAddress });
    const [first, second] = [from('127.0.0.1'), from('127.0.0.2')];
    const ask = async (agent: Agent, wanted: string[]) => {
      const response = await request(`${gw.url}/graphql`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-router-secret': SECRET },
        body: JSON.stringify({ query: LIST, variables: { ids: wanted } }),
      });
      return (await response.body.json()) as ListBody;
    };
    try {
      expect(limitedAt(await ask(first, ids(0, 8)))).toEqual([5, 6, 7]);
      expect(served(await ask(second, ids(8, 13)))).toEqual(ids(8, 13));
      expect(gw.sandbox.stats.apiGets).toBe(10);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
