import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_USER_ID, SAMPLE_CLIENT_ID, SEED_USER_IDS } from '../../src/sandbox/index.js';
import { forwardTo, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startRouter, type Router } from './router.js';
import { emailOf, startUsersSubgraph, type UsersSubgraph } from './users-subgraph.js';

const OWNERLESS_ID = '2OwnerLessC1ient00000000000';
/** Users the users subgraph hands out; one twice, as a directory listing might. */
const REVIEWED_USERS = [ADMIN_USER_ID, SEED_USER_IDS[1] as string, SEED_USER_IDS[2] as string, ADMIN_USER_ID];

describe('our subgraph behind a real federation router (@apollo/gateway)', () => {
  let gw: TestGateway;
  /** Between the router and our in-process app: records what reached us, with no hooks in either. */
  let proxy: FakeUpstream;
  let users: UsersSubgraph;
  let router: Router;
  /** 25 references over 8 distinct seeded ids, in a scrambled order with repeats. */
  let refs: string[];

  beforeAll(async () => {
    gw = await startGateway();
    // Each test asks for its own ids (these 8, the sample, the ownerless one), so each starts cold.
    const distinct = gw.sandbox.clients.filter((c) => c.id !== SAMPLE_CLIENT_ID).slice(0, 8).map((c) => c.id as string);
    refs = Array.from({ length: 25 }, (_, i) => distinct[(i * 3) % distinct.length] as string);
    const [template] = gw.sandbox.clients;
    if (template === undefined) throw new Error('the sandbox seed is empty');
    gw.sandbox.addClient({ ...template, id: OWNERLESS_ID, userId: null, displayName: 'No owner' });
    proxy = await startFakeUpstream(forwardTo(gw.fetch));
    users = await startUsersSubgraph(refs, REVIEWED_USERS);
    router = await startRouter([
      { name: 'c1', url: `${proxy.origin}/graphql` },
      { name: 'users', url: users.url },
    ]);
  });
  afterAll(async () => {
    await router?.stop();
    await Promise.all([users?.close(), proxy?.close()]);
    await gw?.close();
  });
  beforeEach(() => {
    // No counted GETs, no recorded subgraph calls.
    gw.sandbox.resetStats();
    proxy.requests.length = 0;
  });

  it('answers personalClient with fields from our subgraph and the user\'s email from the users subgraph', async () => {
    const seeded = gw.sandbox.clients.find((c) => c.id === SAMPLE_CLIENT_ID);
    const result = await router.execute(
      'query($id: ID!) { personalClient(id: $id) { displayName user { id email } } }',
      { id: SAMPLE_CLIENT_ID },
    );

    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      personalClient: {
        displayName: seeded?.displayName,
        user: { id: SEED_USER_IDS[0], email: emailOf(SEED_USER_IDS[0] as string) },
      },
    });
    expect(gw.sandbox.stats.apiGets).toBe(1);
  });

  it('returns user: null for a client without an owner id', async () => {
    const result = await router.execute(`{ personalClient(id: "${OWNERLESS_ID}") { displayName user { id email } } }`);

    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ personalClient: { displayName: 'No owner', user: null } });
  });

  it('resolves 25 references (8 distinct) from the users subgraph with one _entities call and 8 GETs', async () => {
    const result = await router.execute('{ clientsToReview { id displayName } }');

    expect(result.errors).toBeUndefined();
    const byId = new Map(gw.sandbox.clients.map((c) => [c.id, c.displayName]));
    expect(result.data).toEqual({ clientsToReview: refs.map((id) => ({ id, displayName: byId.get(id) })) });

    const entityCalls = proxy.requests.filter((r) => r.body.includes('_entities'));
    expect(entityCalls).toHaveLength(1);
    expect(proxy.requests).toHaveLength(1);
    const sent = JSON.parse(entityCalls[0]?.body ?? '{}') as { variables?: { representations?: unknown[] } };
    // The router sends every reference, repeats included; de-duplication is our loader's job.
    const representations = sent.variables?.representations ?? [];
    expect(representations).toHaveLength(25);
    expect(new Set(representations.map((r) => JSON.stringify(r))).size).toBe(8);
    expect(gw.sandbox.stats.apiGets).toBe(8);
  });

  it('adds each user\'s own personal clients to users from the users subgraph: one _entities call, one Search', async () => {
    const result = await router.execute('{ usersToReview { id email personalClients(first: 3) { nodes { id userId } pageInfo { hasNextPage } } } }');

    expect(result.errors).toBeUndefined();
    const own = (userId: string) => gw.sandbox.clients.filter((c) => c.userId === userId).map((c) => ({ id: c.id, userId }));
    expect(result.data).toEqual({
      usersToReview: REVIEWED_USERS.map((id) => ({
        id,
        email: emailOf(id),
        personalClients: { nodes: own(id).slice(0, 3), pageInfo: { hasNextPage: own(id).length > 3 } },
      })),
    });
    expect(proxy.requests.filter((r) => r.body.includes('_entities'))).toHaveLength(1);
    expect(gw.sandbox.stats.apiPages).toBe(1);
    expect(gw.sandbox.stats.apiGets).toBe(0);
  });
});
