import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MISSING_CLIENT_ID, NULL_CLIENT_ID } from '../../src/sandbox/index.js';
import { ALL_FIELDS, startGateway, type TestGateway } from '../helpers/gateway.js';

describe('personalClient over the sandbox', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('returns all 11 fields exactly as the sandbox holds them', async () => {
    const seeded = gw.sandbox.clients.filter((c) => c.deletedAt === null).slice(0, 5);
    for (const client of seeded) {
      const body = await gw.query(`query($id: ID!) { personalClient(id: $id) { ${ALL_FIELDS} } }`, { id: client.id });
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({
        personalClient: { ...client, allowSourceCidr: client.allowSourceCidr ?? [], scopedRoles: client.scopedRoles ?? [] },
      });
    }
  });

  it('serves deleted and expired clients with their timestamps, and null lists as empty lists', async () => {
    const deleted = gw.sandbox.clients.find((c) => c.deletedAt !== null);
    const nullLists = gw.sandbox.clients.find((c) => c.allowSourceCidr === null);
    expect(deleted && nullLists).toBeTruthy();
    const body = await gw.query<{ a: { deletedAt: string }; b: { allowSourceCidr: string[] } }>(
      `query($a: ID!, $b: ID!) { a: personalClient(id: $a) { deletedAt } b: personalClient(id: $b) { allowSourceCidr } }`,
      { a: deleted?.id, b: nullLists?.id },
    );
    expect(body.data?.a.deletedAt).toBe(deleted?.deletedAt);
    expect(body.data?.b.allowSourceCidr).toEqual([]);
  });

  it('answers null without an error for both not-found forms (404 and {"client": null})', async () => {
    const body = await gw.query(`query($a: ID!, $b: ID!) { a: personalClient(id: $a) { id } b: personalClient(id: $b) { id } }`, {
      a: MISSING_CLIENT_ID,
      b: NULL_CLIENT_ID,
    });
    expect(body).toEqual({ data: { a: null, b: null } });
  });

  it('keeps order and length in personalClients, with null where not found', async () => {
    const [x, y] = gw.sandbox.clients;
    const ids = [y?.id, MISSING_CLIENT_ID, x?.id, y?.id];
    const body = await gw.query<{ personalClients: ({ id: string } | null)[] }>(
      `query($ids: [ID!]!) { personalClients(ids: $ids) { id } }`,
      { ids },
    );
    expect(body.data?.personalClients).toEqual([{ id: y?.id }, null, { id: x?.id }, { id: y?.id }]);
  });

  it('rejects personalClients beyond the maximum list length with BAD_USER_INPUT and no upstream call', async () => {
    gw.sandbox.resetStats();
    const ids = Array.from({ length: 101 }, (_, i) => `id-${i}`);
    const body = await gw.query(`query($ids: [ID!]!) { personalClients(ids: $ids) { id } }`, { ids });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gw.sandbox.stats.apiGets).toBe(0);
  });

  it('reports the owning user as a User reference, null when there is no user id', async () => {
    const owned = gw.sandbox.clients.find((c) => c.userId);
    const body = await gw.query<{ personalClient: { user: { id: string } | null } }>(
      `query($id: ID!) { personalClient(id: $id) { user { id } } }`,
      { id: owned?.id },
    );
    expect(body.data?.personalClient.user).toEqual({ id: owned?.userId });
  });
});
