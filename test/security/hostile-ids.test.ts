import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PersonalClient } from '../../src/domain/personal-client.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

type Outcome = 'one encoded segment' | 'BAD_USER_INPUT';

const HOSTILE_IDS: [label: string, outcome: Outcome, id: string][] = [
  ['../x', 'one encoded segment', '../x'],
  ['%2e%2e', 'one encoded segment', '%2e%2e'],
  ['a?b', 'one encoded segment', 'a?b'],
  ['a#b', 'one encoded segment', 'a#b'],
  ['//evil.example', 'one encoded segment', '//evil.example'],
  ['..', 'one encoded segment', '..'],
  ['NUL inside', 'BAD_USER_INPUT', 'a\u0000b'],
  ['a 10 KB id', 'BAD_USER_INPUT', 'k'.repeat(10 * 1024)],
  ['empty', 'BAD_USER_INPUT', ''],
];

// One segment after the route prefix: no raw '/', '?' or '#', and not a dot-segment.
const ONE_SEGMENT = /^\/api\/v1\/iam\/personal_clients\/(?!\.{1,2}$)[^/?#]+$/;

function client(id: string): PersonalClient {
  return {
    id, clientId: null, displayName: `hostile ${id.length}`, userId: null, allowSourceCidr: null, scopedRoles: null,
    createdAt: null, updatedAt: null, deletedAt: null, expiresTime: null, lastUsedAt: null,
  };
}

describe('hostile ids reach C1 as one encoded path segment, or not at all', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    for (const [, outcome, id] of HOSTILE_IDS) if (outcome === 'one encoded segment') gw.sandbox.addClient(client(id));
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.resetStats());

  it.each(HOSTILE_IDS)('%s → %s', async (_label, outcome, id) => {
    const body = await gw.query<{ personalClient: { id: string } | null }>(
      'query($id: ID!) { personalClient(id: $id) { id } }',
      { id },
    );
    const gets = gw.sandbox.requests.filter((r) => r.method === 'GET');
    if (outcome === 'BAD_USER_INPUT') {
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.data?.personalClient ?? null).toBeNull();
      expect(gw.sandbox.stats.apiGets + gw.sandbox.stats.otherRequests).toBe(0);
    } else {
      expect(body).toEqual({ data: { personalClient: { id } } });
      expect(gets).toHaveLength(1);
      expect(gets[0]?.rawPath).toMatch(ONE_SEGMENT);
      expect(gets[0]?.id).toBe(id);
      expect(gw.sandbox.stats.otherRequests).toBe(0);
    }
  });

  it('rejects the same bad ids inside personalClients and _entities, with no upstream call', async () => {
    const bad = HOSTILE_IDS.filter(([, outcome]) => outcome === 'BAD_USER_INPUT').map(([, , id]) => id);
    for (const id of bad) {
      const list = await gw.query('query($ids: [ID!]!) { personalClients(ids: $ids) { id } }', { ids: ['fine', id] });
      expect(list.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const entities = await gw.query(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on PersonalClient { id } } }',
        { r: [{ __typename: 'PersonalClient', id }] },
      );
      expect(entities.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(gw.sandbox.stats.apiGets).toBe(0);
  });
});
