import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_USER_ID, SEED_USER_IDS } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

interface Page {
  edges: { cursor: string; node: { id: string; userId: string } }[];
  nodes: { id: string }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}
interface Answer {
  data?: Record<string, Page | null> | null;
  errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
}

const PAGE_FIELDS = 'edges { cursor node { id userId } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const SEARCH = `query($filter: PersonalClientFilter, $first: Int, $after: String) {
  searchPersonalClients(filter: $filter, first: $first, after: $after) { ${PAGE_FIELDS} } }`;
const MINE = `query($first: Int, $after: String) { myPersonalClients(first: $first, after: $after) { ${PAGE_FIELDS} } }`;

describe('searchPersonalClients and myPersonalClients: Relay connections over C1 paging', () => {
  let gw: TestGateway;
  /** The admin user's 30 seeded clients, in the sandbox's (C1's) order. */
  let adminIds: string[];

  beforeAll(async () => {
    gw = await startGateway();
    adminIds = gw.sandbox.clients.filter((c) => c.userId === ADMIN_USER_ID).map((c) => c.id as string);
  });
  afterAll(async () => {
    await gw?.close();
  });
  beforeEach(() => gw.sandbox.resetStats());

  const search = async (variables: Record<string, unknown>) => (await gw.query(SEARCH, variables)) as Answer;

  async function pageThrough(query: string, field: string, variables: Record<string, unknown>) {
    const seen: string[] = [];
    let after: string | null = null;
    for (let round = 0; round < 20; round += 1) {
      const answer = (await gw.query(query, { ...variables, after })) as Answer;
      expect(answer.errors).toBeUndefined();
      const page = answer.data?.[field] as Page;
      expect(page.nodes.map((n) => n.id)).toEqual(page.edges.map((e) => e.node.id));
      expect(page.pageInfo.hasPreviousPage).toBe(false);
      seen.push(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasNextPage) return seen;
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
      after = page.pageInfo.endCursor;
    }
    throw new Error('did not reach the last page');
  }

  it('paging 7 at a time through a user\'s 30 clients yields each exactly once, in C1\'s order', async () => {
    const seen = await pageThrough(SEARCH, 'searchPersonalClients', { filter: { userIds: [ADMIN_USER_ID] }, first: 7 });
    expect(seen).toEqual(adminIds);
    // 5 slices of 7 over pages of 10 (1 + 2 + 2 + 1 + 1): a slice that starts inside a page asks for it again.
    expect(gw.sandbox.stats.apiPages).toBe(7);
    expect(gw.sandbox.stats.apiGets).toBe(0);
  });

  it('a by-id read of every listed client right after costs no GET: listing primed the cache', async () => {
    await pageThrough(SEARCH, 'searchPersonalClients', { filter: { userIds: [ADMIN_USER_ID] }, first: 30 });
    gw.sandbox.resetStats();
    const answer = (await gw.query('query($ids: [ID!]!) { personalClients(ids: $ids) { id displayName } }', { ids: adminIds })) as {
      data?: { personalClients: { id: string }[] };
    };
    expect(answer.data?.personalClients.map((c) => c.id)).toEqual(adminIds);
    expect(gw.sandbox.stats.apiGets).toBe(0);
    expect(gw.sandbox.stats.apiPages).toBe(0);
  });

  it('filters by query (case-insensitive displayName substring) and by several users', async () => {
    const users = [SEED_USER_IDS[1] as string, SEED_USER_IDS[2] as string];
    const expected = gw.sandbox.clients
      .filter((c) => users.includes(c.userId ?? '') && (c.displayName ?? '').toLowerCase().includes('terraform'))
      .map((c) => c.id);
    const answer = await search({ filter: { query: 'TERRAFORM', userIds: users }, first: 100 });
    expect(answer.data?.searchPersonalClients?.nodes.map((n) => n.id)).toEqual(expected);
    expect(gw.sandbox.stats.apiPages).toBe(1);
  });

  it('answers an empty page for userIds: [] (the clients of no user) without asking C1, which would read it as no filter', async () => {
    const empty = { edges: [], nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
    expect(await search({ filter: { userIds: [] } })).toEqual({ data: { searchPersonalClients: empty } });
    expect(await search({ filter: { query: 'terraform', userIds: [] }, first: 100 })).toEqual({ data: { searchPersonalClients: empty } });
    expect(gw.sandbox.stats.apiPages).toBe(0);
    // Absent or null is no filter: every visible client.
    for (const filter of [{}, { userIds: null }, null]) {
      expect((await search({ filter, first: 100 })).data?.searchPersonalClients?.nodes, JSON.stringify(filter)).toHaveLength(86);
    }
    // first and after are checked all the same.
    expect((await search({ filter: { userIds: [] }, first: 0 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await search({ filter: { userIds: [] }, after: 'junk' })).errors?.[0]?.extensions?.reason).toBe('INVALID_CURSOR');
  });

  it('takes first from 1 to 100 and refuses anything else with BAD_USER_INPUT and no upstream call', async () => {
    for (const first of [0, -1, 101, null]) {
      const answer = await search({ first });
      expect(answer.errors?.[0]?.extensions?.code, `first: ${String(first)}`).toBe('BAD_USER_INPUT');
    }
    expect(gw.sandbox.stats.apiPages).toBe(0);
    expect((await search({ first: 1 })).data?.searchPersonalClients?.nodes).toHaveLength(1);
    expect((await search({ first: 100 })).data?.searchPersonalClients?.nodes).toHaveLength(86);
    expect(gw.sandbox.stats.apiPages).toBe(2);
  });

  it('refuses a cursor used with another filter, tampered with, or junk, with no upstream call', async () => {
    const filter = { userIds: [ADMIN_USER_ID] };
    const cursor = (await search({ filter, first: 5 })).data?.searchPersonalClients?.pageInfo.endCursor ?? '';
    gw.sandbox.resetStats();
    const flipped = `${cursor.slice(0, 20)}${cursor[20] === 'A' ? 'B' : 'A'}${cursor.slice(21)}`;
    const refusals = [
      { filter: { userIds: [SEED_USER_IDS[1]] }, first: 5, after: cursor },
      { filter: { ...filter, query: 'bot' }, first: 5, after: cursor },
      { filter, first: 5, after: flipped },
      { filter, first: 5, after: 'not-a-cursor' },
      { filter, first: 5, after: '' },
    ];
    for (const variables of refusals) {
      const answer = await search(variables);
      expect(answer.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
    }
    const mine = (await gw.query(MINE, { first: 5, after: cursor })) as Answer;
    expect(mine.errors?.[0]?.extensions?.reason).toBe('INVALID_CURSOR');
    expect(gw.sandbox.stats.apiPages).toBe(0);
  });

  it('refuses a bad filter with BAD_USER_INPUT and no upstream call', async () => {
    const bad = [
      { userIds: Array.from({ length: 101 }, (_, i) => `u${i}`) },
      { userIds: [''] },
      { userIds: ['a\u0000b'] },
      { query: 'x'.repeat(257) },
    ];
    for (const filter of bad) expect((await search({ filter })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gw.sandbox.stats.apiPages).toBe(0);
  });

  it('myPersonalClients with the service credential lists its owner\'s clients, 25 then 5', async () => {
    const first = (await gw.query(MINE, {})) as Answer;
    const page = first.data?.myPersonalClients as Page;
    expect(page.nodes.map((n) => n.id)).toEqual(adminIds.slice(0, 25));
    expect(page.pageInfo.hasNextPage).toBe(true);
    const rest = (await gw.query(MINE, { after: page.pageInfo.endCursor })) as Answer;
    expect(rest.data?.myPersonalClients?.nodes.map((n) => n.id)).toEqual(adminIds.slice(25));
    expect(rest.data?.myPersonalClients?.pageInfo.hasNextPage).toBe(false);
    // The first page ended exactly at C1's page end, so its cursor holds the next page's token: 2 calls.
    expect(gw.sandbox.stats.apiPages).toBe(2);
    expect(gw.sandbox.requests.every((r) => r.method === 'GET' && r.rawPath.startsWith('/api/v1/iam/personal_clients?'))).toBe(true);
  });
});
