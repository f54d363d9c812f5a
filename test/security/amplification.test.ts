import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_FIELDS, startGateway, type GraphQLBody, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';

type Body = GraphQLBody<unknown> & { errors?: { extensions?: { code?: string; reason?: string } }[] };

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const aliases = (n: number, field: (i: number) => string) => range(n, field).join(' ');
const rep = (id: string) => ({ __typename: 'PersonalClient', id });

function expectRefused(body: Body, reason: string): void {
  expect(body.data ?? null).toBeNull();
  expect(body.errors?.map((e) => e.extensions)).toContainEqual({ code: 'BAD_USER_INPUT', reason });
}

describe('amplification: a small request that would resolve, fetch or answer too much is refused before it runs', () => {
  let gw: TestGateway;
  let id: string;
  beforeAll(async () => {
    gw = await startGateway();
    id = gw.sandbox.clients[0]?.id ?? '';
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.resetStats());

  const send = async (query: string, variables?: Record<string, unknown>) => {
    const payload = JSON.stringify({ query, variables });
    const response = await gw.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    return { bytesIn: payload.length, body: (await response.json()) as Body };
  };

  it('_entities with 1,350 copies of one representation under 100 aliases (~98 KB in)', async () => {
    const query = `query($r: [_Any!]!) { ${aliases(100, (i) => `e${i}: _entities(representations: $r) { ... on PersonalClient { id } }`)} }`;
    const { bytesIn, body } = await send(query, { r: range(1_350, () => rep(id)) });
    expect(bytesIn).toBeGreaterThan(90_000);
    expect(bytesIn).toBeLessThan(gw.config.MAX_REQUEST_BYTES);
    expectRefused(body, 'RESOLUTION_LIMIT_EXCEEDED');
    expect(gw.sandbox.stats.apiGets + gw.sandbox.stats.tokenRequests).toBe(0);
  });

  it('personalClients with 100 repeated ids under 100 aliases', async () => {
    const query = `query($ids: [ID!]!) { ${aliases(100, (i) => `p${i}: personalClients(ids: $ids) { id }`)} }`;
    const { body } = await send(query, { ids: range(100, () => id) });
    expectRefused(body, 'RESOLUTION_LIMIT_EXCEEDED');
    expect(gw.sandbox.stats.apiGets + gw.sandbox.stats.tokenRequests).toBe(0);
  });

  it('500 aliased __typename fields, at the root or under one object', async () => {
    for (const query of [
      `{ ${aliases(500, (i) => `t${i}: __typename`)} }`,
      `{ personalClient(id: "${id}") { ${aliases(500, (i) => `t${i}: __typename`)} } }`,
    ]) {
      expectRefused((await send(query)).body, 'MAX_ALIASES_EXCEEDED');
    }
    expect(gw.sandbox.stats.apiGets + gw.sandbox.stats.tokenRequests).toBe(0);
  });

  it('a wide selection over many objects: 1,000 representations with 100 aliased fields each', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on PersonalClient { ${aliases(99, (i) => `f${i}: displayName`)} id } } }`;
    const { body } = await send(query, { r: range(1_000, () => rep(id)) });
    expectRefused(body, 'FIELD_LIMIT_EXCEEDED');
    expect(gw.sandbox.stats.apiGets + gw.sandbox.stats.tokenRequests).toBe(0);
  });

  it('counts every root field once per response key, so 1,001 root fields are refused', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { __typename } t: __typename }`;
    const { body } = await send(query, { r: range(1_000, () => rep(id)) });
    expectRefused(body, 'RESOLUTION_LIMIT_EXCEEDED');
  });

  it('lets a router-sized _entities batch through: 300 references to 100 clients, every field', async () => {
    const known = gw.sandbox.clients.map((c) => c.id as string);
    const distinct = [...known, ...range(100 - known.length, (i) => `unknown-${i}`)];
    const representations = range(300, (i) => rep(distinct[i % distinct.length] as string));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on PersonalClient { ${ALL_FIELDS} user { id } } } }`;
    const { body } = await send(query, { r: representations });
    expect(body.errors).toBeUndefined();
    expect((body.data as { _entities: unknown[] })._entities).toHaveLength(300);
    expect(gw.sandbox.stats.apiGets).toBe(100);
  });
});

describe('the response-size bound', () => {
  it('turns a response larger than MAX_RESPONSE_BYTES into an error, and smaller ones pass', async () => {
    const gw = await startGateway({ env: { MAX_RESPONSE_BYTES: '2048' } });
    try {
      const ids = gw.sandbox.clients.slice(0, 10).map((c) => c.id as string);
      const big = (await gw.query(`query($ids: [ID!]!) { personalClients(ids: $ids) { ${ALL_FIELDS} } }`, { ids })) as Body;
      expectRefused(big, 'RESPONSE_SIZE_LIMIT_EXCEEDED');
      const small = await gw.query(`query($ids: [ID!]!) { personalClients(ids: $ids) { id } }`, { ids });
      expect(small.errors).toBeUndefined();
    } finally {
      await gw.close();
    }
  });
});

describe('the heavy lane', () => {
  it('runs heavy operations a few at a time, refuses them with OVERLOADED past its queue, and never holds up a light one', async () => {
    // C1 answers only when the test says so; `holding(n)` resolves once n answers are held.
    const held: (() => void)[] = [];
    let heldChanged = (): void => undefined;
    const holding = (n: number) =>
      new Promise<void>((resolve) => {
        heldChanged = () => held.length >= n && resolve();
        heldChanged();
      });
    const upstream = await startFakeUpstream(
      (request) =>
        new Promise((answer) => {
          const requested = decodeURIComponent(request.path.split('/').pop() ?? '');
          held.push(() => answer({ body: { client: { id: requested, displayName: 'held' } } }));
          heldChanged();
        }),
    );
    const gw = await startGateway({
      env: {
        C1_ACCESS_TOKEN: 'static-test-token',
        C1_API_URL: upstream.origin,
        HEAVY_OPERATION_FIELDS: '5',
        HEAVY_OPERATIONS_IN_FLIGHT: '1',
        HEAVY_OPERATIONS_QUEUE: '0',
      },
    });
    try {
      const heavy = (clientId: string) =>
        gw.query(`{ personalClient(id: "${clientId}") { id clientId displayName userId scopedRoles allowSourceCidr } }`) as Promise<Body>;
      const first = heavy('held-1');
      await holding(1); // the first heavy operation holds the lane, waiting for C1

      const refused = await heavy('held-2');
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['OVERLOADED']);
      const light = gw.query('{ personalClient(id: "light-1") { id } }');
      await holding(2); // the light one went straight to C1
      expect(upstream.requests.map((r) => r.path)).toEqual([
        '/api/v1/iam/personal_clients/held-1',
        '/api/v1/iam/personal_clients/light-1',
      ]);
      for (const release of held.splice(0)) release();
      expect((await first).errors).toBeUndefined();
      expect((await light).errors).toBeUndefined();
      // The lane is free again once the first one is done.
      const again = heavy('held-3');
      await holding(1);
      for (const release of held.splice(0)) release();
      expect((await again).errors).toBeUndefined();
    } finally {
      for (const release of held) release();
      await gw.close();
      await upstream.close();
    }
  });
});
