import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream, type FakeUpstream, type Handler } from '../helpers/fake-upstream.js';

const client = (id: string, userId: string) => ({ id, userId, displayName: `client ${id}`, clientId: null, allowSourceCidr: [], scopedRoles: [] });
const SEARCH_PATH = '/api/v1/search/iam/personal_clients';

describe('List and Search against a scripted C1', () => {
  let c1: FakeUpstream | undefined;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    await c1?.close();
    gw = undefined;
    c1 = undefined;
  });

  async function start(handler: Handler) {
    c1 = await startFakeUpstream(handler);
    gw = await startGateway({ env: { C1_ACCESS_TOKEN: 'static-test-token', C1_API_URL: c1.origin, UPSTREAM_RETRIES: '0' } });
    return { c1, gw };
  }

  it('refuses a page with an item without an id as UPSTREAM_BAD_RESPONSE, and primes none of that page', async () => {
    const { c1, gw } = await start((req) =>
      req.path.startsWith(SEARCH_PATH)
        ? { body: { list: [client('good-1', 'u1'), { ...client('', 'u1'), id: null }], nextPageToken: '' } }
        : { body: { client: client('good-1', 'u1') } },
    );
    const listed = await gw.query('{ searchPersonalClients { nodes { id } } }');
    expect(listed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(listed.data).toBeNull();

    const byId = await gw.query<{ personalClient: { id: string } }>('{ personalClient(id: "good-1") { id } }');
    expect(byId.data?.personalClient.id).toBe('good-1');
    expect(c1.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([`POST ${SEARCH_PATH}`, 'GET /api/v1/iam/personal_clients/good-1']);
  });

  it('sends 4 references to 3 users as one Search for the 3, and splits its page by userId', async () => {
    const page = { list: [client('a1', 'u1'), client('b1', 'u2'), client('a2', 'u1'), client('x1', 'stranger')], nextPageToken: '' };
    const { c1, gw } = await start(() => ({ body: page }));
    const answer = await gw.query<{ _entities: { id: string; personalClients: { nodes: { id: string }[] } }[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id personalClients(first: 10) { nodes { id } } } } }`,
      { r: ['u1', 'u2', 'u3', 'u1'].map((id) => ({ __typename: 'User', id })) },
    );

    expect(answer.errors).toBeUndefined();
    expect(answer.data?._entities.map((u) => [u.id, u.personalClients.nodes.map((n) => n.id)])).toEqual([
      ['u1', ['a1', 'a2']],
      ['u2', ['b1']],
      ['u3', []],
      ['u1', ['a1', 'a2']],
    ]);
    expect(c1.requests).toHaveLength(1);
    expect(JSON.parse(c1.requests[0]?.body ?? '{}')).toEqual({ pageSize: 100, pageToken: '', query: '', users: [{ id: 'u1' }, { id: 'u2' }, { id: 'u3' }] });
    expect(c1.requests[0]?.headers.authorization).toBe('Bearer static-test-token');
  });
});
