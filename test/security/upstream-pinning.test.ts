import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { mintCredential } from '../../src/sandbox/index.js';
import { pinToOrigin } from '../../src/security/upstream-pin.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

const BEARER = 'static-bearer-that-must-stay-home';

describe('the C1 bearer never leaves the configured C1 origin', () => {
  let c1: FakeUpstream | undefined;
  let elsewhere: FakeUpstream | undefined;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    await c1?.close();
    await elsewhere?.close();
  });

  it.each([301, 302, 303, 307, 308])('does not follow an API %i redirect to another origin', async (status) => {
    elsewhere = await startFakeUpstream(() => ({ body: { client: null } }));
    const target = elsewhere.origin;
    c1 = await startFakeUpstream((request) => ({ status, headers: { location: `${target}${request.path}` } }));
    gw = await startGateway({ env: { C1_ACCESS_TOKEN: BEARER, C1_API_URL: c1.origin } });

    const body = await gw.query('{ personalClient(id: "some-id") { id } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(c1.requests.length).toBeGreaterThan(0);
    expect(c1.requests[0]?.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(elsewhere.requests).toEqual([]);
    expect(JSON.stringify(body)).not.toContain(target);
  });

  it('does not follow a token-endpoint redirect with the client assertion', async () => {
    elsewhere = await startFakeUpstream(() => ({ body: { access_token: 'stolen', expires_in: 3600 } }));
    const target = elsewhere.origin;
    c1 = await startFakeUpstream((request) => ({ status: 307, headers: { location: `${target}${request.path}` } }));
    const credential = mintCredential('127.0.0.1');
    gw = await startGateway({
      env: { C1_CLIENT_ID: credential.clientId, C1_CLIENT_SECRET: credential.clientSecret, C1_API_URL: c1.origin },
    });

    const body = await gw.query('{ personalClient(id: "some-id") { id } }');
    expect(body.errors?.[0]?.extensions?.code).toMatch(/^UPSTREAM_/);
    expect(c1.requests.some((r) => r.path === '/auth/v1/token')).toBe(true);
    expect(elsewhere.requests).toEqual([]);
  });
});

describe('pinToOrigin', () => {
  let allowed: FakeUpstream | undefined;
  let other: FakeUpstream | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await agent?.close();
    await allowed?.close();
    await other?.close();
  });

  it('lets requests to the pinned origin through and refuses any other origin or absolute-form target', async () => {
    allowed = await startFakeUpstream(() => ({ body: { ok: true } }));
    other = await startFakeUpstream(() => ({ body: { ok: true } }));
    agent = new Agent();
    const pinned = pinToOrigin(agent, allowed.origin);
    const headers = { authorization: `Bearer ${BEARER}` };

    const ok = await pinned.request({ origin: allowed.origin, path: '/x', method: 'GET', headers });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();

    // The gateway's own refusal: nothing reached C1, so it is no verdict on C1 (the breaker stays out of it).
    await expect(pinned.request({ origin: other.origin, path: '/x', method: 'GET', headers })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      origin: 'gateway',
    });
    await expect(
      pinned.request({ origin: allowed.origin, path: `${other.origin}/x`, method: 'GET', headers }),
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(other.requests).toEqual([]);
    expect(allowed.requests).toHaveLength(1);
  });
});
