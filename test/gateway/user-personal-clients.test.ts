import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PersonalClient } from '../../src/domain/personal-client.js';
import { ADMIN_USER_ID, SEED_USER_IDS } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

interface UserAnswer {
  data?: { _entities: { id: string; personalClients: { nodes: { id: string; userId: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }[] } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const ENTITIES = `query($r: [_Any!]!, $first: Int) { _entities(representations: $r) {
  ... on User { id personalClients(first: $first) { nodes { id userId } pageInfo { hasNextPage endCursor } } } } }`;

/** A user the seed does not know, given 120 clients of their own: more than one C1 page. */
const PROLIFIC_USER = '2Pr011f1cUser00000000000000';

describe('User.personalClients for many User references at once (_entities)', () => {
  let gw: TestGateway;
  const own = (userId: string) => gw.sandbox.clients.filter((c) => c.userId === userId).map((c) => c.id as string);
  const refs = (...ids: string[]) => ids.map((id) => ({ __typename: 'User', id }));
  const searches = () => gw.sandbox.requests.filter((r) => r.method === 'POST' && r.rawPath === '/api/v1/search/iam/personal_clients');

  beforeAll(async () => {
    gw = await startGateway();
    const [template] = gw.sandbox.clients;
    if (template === undefined) throw new Error('the sandbox seed is empty');
    for (let i = 0; i < 120; i += 1) {
      const client: PersonalClient = { ...template, id: `2Pr011f1cC1ient${String(i).padStart(12, '0')}`, userId: PROLIFIC_USER };
      gw.sandbox.addClient(client);
    }
  });
  afterAll(async () => {
    await gw?.close();
  });
  beforeEach(() => gw.sandbox.resetStats());

  it('answers 4 references to 3 users with each user\'s own clients from one combined Search', async () => {
    const [u0, u1, u2] = [ADMIN_USER_ID, SEED_USER_IDS[1] as string, SEED_USER_IDS[2] as string];
    const answer = (await gw.query(ENTITIES, { r: refs(u0, u1, u2, u0), first: 5 })) as UserAnswer;

    expect(answer.errors).toBeUndefined();
    const users = answer.data?._entities ?? [];
    expect(users.map((u) => u.id)).toEqual([u0, u1, u2, u0]);
    users.forEach((user) => {
      expect(user.personalClients.nodes.map((n) => n.id)).toEqual(own(user.id).slice(0, 5));
      expect(user.personalClients.pageInfo.hasNextPage).toBe(own(user.id).length > 5);
    });
    expect(searches()).toHaveLength(1);
    expect(gw.sandbox.stats.apiPages).toBe(1);
    expect(gw.sandbox.stats.apiGets).toBe(0);
  });

  it('continues a user\'s list from a cursor issued off the combined Search, each client once', async () => {
    const first = (await gw.query(ENTITIES, { r: refs(ADMIN_USER_ID, SEED_USER_IDS[1] as string), first: 12 })) as UserAnswer;
    const admin = first.data?._entities[0]?.personalClients;
    const query = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) {
      ... on User { personalClients(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage } } } } }`;
    const rest = (await gw.query(query, { r: refs(ADMIN_USER_ID), after: admin?.pageInfo.endCursor })) as {
      data?: { _entities: { personalClients: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean } } }[] };
    };
    const ids = [...(admin?.nodes.map((n) => n.id) ?? []), ...(rest.data?._entities[0]?.personalClients.nodes.map((n) => n.id) ?? [])];
    expect(ids).toEqual(own(ADMIN_USER_ID));
    expect(rest.data?._entities[0]?.personalClients.pageInfo.hasNextPage).toBe(false);
  });

  it('groups users so each combined Search asks for at most 100: 3 users of 40 are 2 calls', async () => {
    const users = [ADMIN_USER_ID, SEED_USER_IDS[1] as string, SEED_USER_IDS[2] as string];
    const answer = (await gw.query(ENTITIES, { r: refs(...users), first: 40 })) as UserAnswer;

    expect(answer.errors).toBeUndefined();
    answer.data?._entities.forEach((user) => expect(user.personalClients.nodes.map((n) => n.id)).toEqual(own(user.id).slice(0, 40)));
    expect(searches()).toHaveLength(2);
    expect(gw.sandbox.stats.apiPages).toBe(2);
  });

  it('gives a user the combined page cannot vouch for a Search of their own', async () => {
    // The combined page is full of the prolific user's clients, and a next page exists: it cannot
    // tell whether the other user has clients past it, so that user gets their own Search.
    const other = SEED_USER_IDS[3] as string;
    const answer = (await gw.query(ENTITIES, { r: refs(PROLIFIC_USER, other), first: 25 })) as UserAnswer;

    expect(answer.errors).toBeUndefined();
    const [prolific, second] = answer.data?._entities ?? [];
    expect(prolific?.personalClients.nodes.map((n) => n.id)).toEqual(own(PROLIFIC_USER).slice(0, 25));
    expect(prolific?.personalClients.pageInfo.hasNextPage).toBe(true);
    expect(second?.personalClients.nodes.map((n) => n.id)).toEqual(own(other));
    expect(second?.personalClients.pageInfo.hasNextPage).toBe(false);
    expect(gw.sandbox.stats.apiPages).toBe(2);
  });
});
