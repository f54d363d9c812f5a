import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, SEED_USER_IDS } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

interface Answer {
  data?: Record<string, { nodes?: { id: string; userId: string }[]; id?: string } | null> | null;
  errors?: { extensions?: { code?: string } }[];
}

const MINE = '{ myPersonalClients(first: 100) { nodes { id userId } } }';
const BY_ID = 'query($id: ID!) { personalClient(id: $id) { id } }';

/** Two callers with their own C1 tokens: each owns the seeded clients of one user. */
async function startCallers() {
  const sandbox = createSandbox({ latencyMs: 0 });
  const [ownerA, ownerB] = [SEED_USER_IDS[1] as string, SEED_USER_IDS[2] as string];
  const tokenA = sandbox.issueToken(sandbox.registerUser(ownerA).clientId);
  const tokenB = sandbox.issueToken(sandbox.registerUser(ownerB).clientId);
  await sandbox.listen(0);
  const gw = await startGateway({ sandbox, env: { C1_AUTH_MODE: 'forward' } });
  const as = (token: string) => (query: string, variables?: Record<string, unknown>) =>
    gw.query(query, variables, { authorization: `Bearer ${token}` }) as Promise<Answer>;
  const bearers = () => gw.sandbox.requests.map((r) => (r.headers.authorization === `Bearer ${tokenA}` ? 'A' : r.headers.authorization === `Bearer ${tokenB}` ? 'B' : '?'));
  return { gw, ownerA, ownerB, asA: as(tokenA), asB: as(tokenB), bearers };
}

describe('forward mode: listing with the caller\'s token, priming the caller\'s partition only', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    await gw?.sandbox.close();
    gw = undefined;
  });

  it('myPersonalClients lists the caller\'s own clients, with the caller\'s token', async () => {
    const c = await startCallers();
    gw = c.gw;
    const mine = await c.asB(MINE);
    expect(mine.errors).toBeUndefined();
    const expected = c.gw.sandbox.clients.filter((client) => client.userId === c.ownerB).map((client) => client.id);
    expect(mine.data?.myPersonalClients?.nodes?.map((n) => n.id)).toEqual(expected);
    expect(c.bearers()).toEqual(['B']);
  });

  it('what B listed is served to B by id with no GET, while A still asks C1 with A\'s token and is refused', async () => {
    const c = await startCallers();
    gw = c.gw;
    const listed = (await c.asB(MINE)).data?.myPersonalClients?.nodes ?? [];
    const id = listed[0]?.id ?? '';
    c.gw.sandbox.resetStats();

    expect((await c.asB(BY_ID, { id })).data?.personalClient?.id).toBe(id);
    expect(c.gw.sandbox.stats.apiGets).toBe(0);

    const a = await c.asA(BY_ID, { id });
    expect(a.data?.personalClient ?? null).toBeNull();
    expect(a.errors?.[0]?.extensions?.code).toBe('UPSTREAM_FORBIDDEN');
    expect(c.bearers()).toEqual(['A']);
  });

  it('a search by A fills A\'s partition only: B\'s read of the same client goes to C1 with B\'s token', async () => {
    const c = await startCallers();
    gw = c.gw;
    // A may search every owner, but the sandbox shows A only A's clients: nothing of B's is primed.
    const found = await c.asA('{ searchPersonalClients(first: 100) { nodes { id userId } } }');
    expect(found.data?.searchPersonalClients?.nodes?.every((n) => n.userId === c.ownerA)).toBe(true);
    const id = found.data?.searchPersonalClients?.nodes?.[0]?.id ?? '';
    c.gw.sandbox.resetStats();
    const b = await c.asB(BY_ID, { id });
    expect(b.errors?.[0]?.extensions?.code).toBe('UPSTREAM_FORBIDDEN');
    expect(c.bearers()).toEqual(['B']);
  });
});
