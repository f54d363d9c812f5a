import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import type { PersonalClient } from '../../src/domain/personal-client.js';

const ODD_IDS = ['a/b', 'a?b=c', 'a#b', '..', '.', 'x/../y', '100%', '%2F', 'with space', 'ünïcødé-✓', '日本', 'a+b&c=d'];

function clientWithId(id: string): PersonalClient {
  return {
    id,
    clientId: null,
    displayName: `odd ${id}`,
    userId: null,
    allowSourceCidr: null,
    scopedRoles: null,
    createdAt: null,
    updatedAt: null,
    deletedAt: null,
    expiresTime: null,
    lastUsedAt: null,
  };
}

describe('ids travel as exactly one encoded path segment', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    for (const id of ODD_IDS) gw.sandbox.addClient(clientWithId(id));
  });
  afterAll(() => gw.close());

  it.each(ODD_IDS)('%s reaches the sandbox intact and comes back', async (id) => {
    gw.sandbox.resetStats();
    const body = await gw.query<{ personalClient: { id: string; displayName: string } }>(
      `query($id: ID!) { personalClient(id: $id) { id displayName } }`,
      { id },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.personalClient).toEqual({ id, displayName: `odd ${id}` });
    const seen = gw.sandbox.requests.filter((r) => r.method === 'GET');
    expect(seen.map((r) => r.id)).toEqual([id]);
    expect(seen[0]?.rawPath).toMatch(/^\/api\/v1\/iam\/personal_clients\/[^/?#]+$/);
  });
});
