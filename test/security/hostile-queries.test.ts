import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type GraphQLBody, type TestGateway } from '../helpers/gateway.js';

type Body = GraphQLBody<unknown> & { errors?: { extensions?: { code?: string; reason?: string } }[] };

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

/** `__type { fields { type { ofType { … 50 levels … } } } }`: valid GraphQL, 54 levels deep. */
function deepQuery(levels: number): string {
  let inner = 'name';
  for (let i = 0; i < levels; i++) inner = `ofType { ${inner} }`;
  return `{ __type(name: "PersonalClient") { fields { type { ${inner} } } } }`;
}

interface Hostile {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  reason: string;
}

function hostileOperations(knownId: string): Hostile[] {
  const ids = (n: number, prefix: string) => range(n, (i) => `${prefix}-${i}`);
  return [
    {
      name: 'an alias bomb of 1,000 aliases (with default limits it is 9,000+ tokens)',
      query: `{ ${range(1000, (i) => `a${i}: personalClient(id: "${knownId}") { id }`).join(' ')} }`,
      reason: 'MAX_TOKENS_EXCEEDED',
    },
    { name: 'a query 50 levels deep', query: deepQuery(50), reason: 'MAX_DEPTH_EXCEEDED' },
    { name: 'a 10,000-token query', query: `{ ${'x '.repeat(10_000)}}`, reason: 'MAX_TOKENS_EXCEEDED' },
    {
      name: '100 directives',
      query: `{ ${'__typename @skip(if: false) '.repeat(100)}}`,
      reason: 'MAX_DIRECTIVES_EXCEEDED',
    },
    {
      name: 'personalClients with 101 ids in a variable',
      query: 'query($ids: [ID!]!) { personalClients(ids: $ids) { id } }',
      variables: { ids: ids(101, 'v') },
      reason: 'FAN_OUT_LIMIT_EXCEEDED',
    },
    {
      name: 'personalClients with 101 ids as a literal',
      query: `{ personalClients(ids: ${JSON.stringify(ids(101, 'l'))}) { id } }`,
      reason: 'FAN_OUT_LIMIT_EXCEEDED',
    },
    {
      name: 'fragments and aliases that together fan out to 121 ids',
      query: `query($a: [ID!]!, $b: [ID!]!) { ...A ...B ...A }
        fragment A on Query { x: personalClients(ids: $a) { id } one: personalClient(id: "lone") { id } }
        fragment B on Query { ... on Query { y: personalClients(ids: $b) { id } } }`,
      variables: { a: ids(60, 'a'), b: ids(60, 'b') },
      reason: 'FAN_OUT_LIMIT_EXCEEDED',
    },
    {
      name: '_entities with 101 PersonalClient representations',
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on PersonalClient { id } } }',
      variables: { r: ids(101, 'e').map((id) => ({ __typename: 'PersonalClient', id })) },
      reason: 'FAN_OUT_LIMIT_EXCEEDED',
    },
  ];
}

function expectRejected(body: Body, reason: string): void {
  expect(body.data ?? null).toBeNull();
  expect(body.errors?.map((e) => e.extensions)).toContainEqual(expect.objectContaining({ code: 'BAD_USER_INPUT', reason }));
}

describe('hostile operations are rejected before any upstream request', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.resetStats());

  it.each(hostileOperations('2placeholder'))('rejects $name with its reason and 0 upstream requests', async (op) => {
    const body = (await gw.query(op.query, op.variables)) as Body;
    expectRejected(body, op.reason);
    expect(gw.sandbox.stats.apiGets).toBe(0);
    expect(gw.sandbox.stats.tokenRequests).toBe(0);
  });

  it('keeps answering a normal query while every hostile operation arrives at once', async () => {
    const id = gw.sandbox.clients[0]?.id ?? '';
    const normal = () => gw.query<{ personalClient: { id: string } }>(`{ personalClient(id: "${id}") { id } }`);
    const hostile = hostileOperations(id).map((op) => gw.query(op.query, op.variables) as Promise<Body>);
    const [hostileBodies, normalBodies] = await Promise.all([
      Promise.all(hostile),
      Promise.all(range(8, () => '').map(() => normal())),
    ]);
    hostileBodies.forEach((body, i) => expectRejected(body, hostileOperations(id)[i]?.reason ?? ''));
    for (const body of normalBodies) expect(body).toEqual({ data: { personalClient: { id } } });
    // The one id the normal queries share, fetched once; nothing for any hostile operation.
    expect(gw.sandbox.stats.apiGets).toBe(1);
  });

  it('accepts exactly the cap: 100 distinct ids across aliases and a list', async () => {
    // clients[0] is already cached by the test above, so it is left out.
    const seeded = gw.sandbox.clients.slice(1).map((c) => c.id as string);
    // Ids C1 does not know cost a GET (answered 404) just like known ones.
    const ids = [...seeded, ...range(100 - seeded.length, (i) => `unknown-${i}`)];
    const body = await gw.query<{ a: { id: string }; rest: { id: string }[] }>(
      'query($a: ID!, $rest: [ID!]!) { a: personalClient(id: $a) { id } b: personalClient(id: $a) { id } rest: personalClients(ids: $rest) { id } }',
      { a: ids[0], rest: ids.slice(1) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.rest).toHaveLength(99);
    expect(gw.sandbox.stats.apiGets).toBe(100);
  });
});

describe('each limit stops its own attack', () => {
  it('the alias limit stops a 1,000-alias bomb when the token limit is raised out of the way', async () => {
    const gw = await startGateway({ env: { LIMIT_MAX_TOKENS: '20000' } });
    try {
      const id = gw.sandbox.clients[0]?.id ?? '';
      gw.sandbox.resetStats();
      const body = (await gw.query(`{ ${range(1000, (i) => `a${i}: personalClient(id: "${id}") { id }`).join(' ')} }`)) as Body;
      expectRejected(body, 'MAX_ALIASES_EXCEEDED');
      expect(gw.sandbox.stats.apiGets).toBe(0);
    } finally {
      await gw.close();
    }
  });

  it('hides field suggestions outside development', async () => {
    const gw = await startGateway();
    try {
      const body = await gw.query('{ personalClien(id: "x") { id } }');
      expect(body.errors?.[0]?.message).toContain('Cannot query field');
      expect(JSON.stringify(body)).not.toMatch(/Did you mean/);
    } finally {
      await gw.close();
    }
  });
});
