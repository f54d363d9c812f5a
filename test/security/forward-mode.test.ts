import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, SEED_USER_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

/**
 * Two callers with their own C1 tokens. The sandbox lets a user see only the clients they own, so
 * B (the owner) may read `target` and A (another user) may not: C1 answers A with 403.
 */
interface Callers {
  gw: TestGateway;
  target: string;
  tokenA: string;
  tokenB: string;
  asA: () => Promise<Answer>;
  asB: () => Promise<Answer>;
}

interface Answer {
  data?: { personalClient: { id: string; displayName: string } | null } | null;
  errors?: { extensions?: { code?: string } }[];
}

const QUERY = 'query($id: ID!) { personalClient(id: $id) { id displayName } }';

async function startCallers(options: { clock?: () => number; latencyMs?: number } = {}): Promise<Callers> {
  const sandbox: Sandbox = createSandbox({ ...(options.clock ? { clock: options.clock } : {}), latencyMs: options.latencyMs ?? 0 });
  const target = sandbox.clients.find((c) => c.userId !== null && c.deletedAt === null);
  const owner = target?.userId ?? '';
  const other = SEED_USER_IDS.find((u) => u !== owner) ?? '';
  const tokenA = sandbox.issueToken(sandbox.registerUser(other).clientId);
  const tokenB = sandbox.issueToken(sandbox.registerUser(owner).clientId);
  await sandbox.listen(0);
  const gw = await startGateway({
    sandbox,
    env: { C1_AUTH_MODE: 'forward' },
    ...(options.clock ? { deps: { clock: options.clock } } : {}),
  });
  const id = target?.id ?? '';
  const ask = (token: string) => () =>
    gw.query(QUERY, { id }, { authorization: `Bearer ${token}` }) as Promise<Answer>;
  return { gw, target: id, tokenA, tokenB, asA: ask(tokenA), asB: ask(tokenB) };
}

function expectDenied(answer: Answer): void {
  expect(answer.data?.personalClient ?? null).toBeNull();
  expect(answer.errors?.[0]?.extensions?.code).toBe('UPSTREAM_FORBIDDEN');
}

function expectServed(answer: Answer, id: string): void {
  expect(answer.errors).toBeUndefined();
  expect(answer.data?.personalClient?.id).toBe(id);
}

/** Which caller's token each upstream GET carried, in order. */
function tokensSeen(gw: TestGateway, c: Callers): string[] {
  return gw.sandbox.requests
    .filter((r) => r.method === 'GET')
    .map((r) => (r.headers.authorization === `Bearer ${c.tokenA}` ? 'A' : r.headers.authorization === `Bearer ${c.tokenB}` ? 'B' : '?'));
}

describe('forward mode: each caller sees only what C1 lets their own token see', () => {
  let c: Callers | undefined;
  afterEach(async () => {
    await c?.gw.close();
    await c?.gw.sandbox.close();
    c = undefined;
  });

  it('A is denied, B is served, and A is denied again after B cached the client', async () => {
    c = await startCallers();
    expectDenied(await c.asA());
    expectServed(await c.asB(), c.target);
    expectDenied(await c.asA());
    expect(tokensSeen(c.gw, c)).toEqual(['A', 'B', 'A']);
  });

  it('B first fills only B\'s partition: A still goes upstream with A\'s token and is denied', async () => {
    c = await startCallers();
    expectServed(await c.asB(), c.target);
    expectDenied(await c.asA());
    expectServed(await c.asB(), c.target); // from B's cache
    expect(tokensSeen(c.gw, c)).toEqual(['B', 'A']);
  });

  it('A and B at the same time, repeatedly: every answer matches its caller', async () => {
    c = await startCallers({ latencyMs: 30 });
    const calls = [c.asA, c.asB, c.asA, c.asB, c.asB, c.asA];
    const answers = await Promise.all(calls.map((call) => call()));
    answers.forEach((answer, i) => (calls[i] === c?.asA ? expectDenied(answer) : expectServed(answer, c?.target ?? '')));
    const seen = tokensSeen(c.gw, c);
    expect(seen).toContain('A');
    expect(seen).toContain('B');
    expect(seen).not.toContain('?');
  });

  it('never serves B\'s stale copy to A when C1 is down after the TTL', async () => {
    let now = 1_700_000_000_000;
    c = await startCallers({ clock: () => now });
    expectServed(await c.asB(), c.target);
    now += 30_001; // past CACHE_TTL_MS, inside CACHE_STALE_MS
    await c.gw.sandbox.close(); // C1 unreachable: stale-if-error applies
    const a = await c.asA();
    expect(a.data?.personalClient ?? null).toBeNull();
    expect(['UPSTREAM_UNAVAILABLE', 'OVERLOADED']).toContain(a.errors?.[0]?.extensions?.code);
    expectServed(await c.asB(), c.target); // B's own stale copy: stale-if-error is live here
  });

  it('refuses a request without a bearer with 401 and no upstream call', async () => {
    c = await startCallers();
    const response = await c.gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables: { id: c.target } }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Answer).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(c.gw.sandbox.stats.apiGets).toBe(0);
  });
});

describe('forward mode: concurrent callers never share an in-flight fetch', () => {
  let upstream: FakeUpstream | undefined;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('sends one GET per caller even when both are in flight at once', async () => {
    const client = { id: 'shared-id', displayName: 'only for B' };
    // Hold every answer until two GETs are in: if the gateway shared A's fetch with B (or the
    // reverse), the second never arrives and the answers go out after the fallback instead.
    const bothArrived = () => Promise.race([upstream?.waitForRequests(2), new Promise((r) => setTimeout(r, 3_000))]);
    upstream = await startFakeUpstream(async (request) => {
      await bothArrived();
      return request.headers.authorization === 'Bearer token-b'
        ? { body: { client } }
        : { status: 403, body: { code: 7, message: 'permission denied' } };
    });
    gw = await startGateway({ env: { C1_AUTH_MODE: 'forward', C1_API_URL: upstream.origin } });
    const ask = (token: string) =>
      gw?.query(QUERY, { id: client.id }, { authorization: `Bearer ${token}` }) as Promise<Answer>;
    const [a, b] = await Promise.all([ask('token-a'), ask('token-b')]);
    expectDenied(a);
    expectServed(b, client.id);
    expect(upstream.requests.map((r) => r.headers.authorization).sort()).toEqual(['Bearer token-a', 'Bearer token-b']);
  });
});
