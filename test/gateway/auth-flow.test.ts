import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, mintCredential } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('the gateway over the real C1 token flow', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('makes exactly one token request for 50 concurrent first requests', async () => {
    gw = await startGateway({ sandboxOptions: { latencyMs: 5 } });
    const ids = gw.sandbox.clients.slice(0, 50).map((c) => c.id);
    const bodies = await Promise.all(ids.map((id) => gw!.query(`{ personalClient(id: "${id}") { id } }`)));
    expect(bodies.every((b) => b.errors === undefined)).toBe(true);
    expect(gw.sandbox.stats.tokenRequests).toBe(1);
  });

  it('after an upstream 401 refreshes the token once, retries once, and returns data', async () => {
    gw = await startGateway();
    const [a, b] = gw.sandbox.clients;
    await gw.query(`{ personalClient(id: "${a?.id}") { id } }`);
    gw.sandbox.resetStats();
    gw.sandbox.revokeAllTokens();

    const body = await gw.query<{ personalClient: { id: string } }>(`{ personalClient(id: "${b?.id}") { id } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data?.personalClient.id).toBe(b?.id);
    expect(gw.sandbox.stats.tokenRequests).toBe(1);
    expect(gw.sandbox.stats.apiGetsByStatus).toEqual({ 401: 1, 200: 1 });
  });

  it('maps a credential C1 rejects (wrong key for the client id) to UPSTREAM_UNAUTHENTICATED', async () => {
    const sandbox = createSandbox();
    await sandbox.listen(0);
    const impostor = mintCredential('localhost');
    gw = await startGateway({
      sandbox,
      env: { C1_CLIENT_SECRET: impostor.clientSecret },
    });
    const body = await gw.query(`{ personalClient(id: "${sandbox.clients[0]?.id}") { id } }`);
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_UNAUTHENTICATED']);
    expect(JSON.stringify(body)).not.toContain(impostor.clientSecret.split(':')[3]);
    expect(sandbox.stats.apiGets).toBe(0);
    await gw.close();
    gw = undefined;
    await sandbox.close();
  });
});
