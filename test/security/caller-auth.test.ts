import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

const SECRET = 'router-secret-0123456789abcdef';

async function post(gw: TestGateway, headers: Record<string, string> = {}) {
  const id = gw.sandbox.clients[0]?.id;
  const response = await gw.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: `{ personalClient(id: "${id}") { id } }` }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
}

describe('router-secret mode', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { ROUTER_SECRET: SECRET } });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.resetStats());

  it.each([
    ['missing', {}],
    ['wrong', { 'x-router-secret': 'not-the-secret' }],
    ['a prefix of the right one', { 'x-router-secret': SECRET.slice(0, 10) }],
    ['in the wrong header', { authorization: `Bearer ${SECRET}` }],
  ])('answers 401 UNAUTHENTICATED with no upstream call when the secret is %s', async (_label, headers) => {
    const answer = await post(gw, headers);
    expect(answer.status).toBe(401);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.text).not.toContain(SECRET);
    expect(gw.sandbox.stats.apiGets + gw.sandbox.stats.tokenRequests).toBe(0);
  });

  it('answers with data when the secret is right', async () => {
    const answer = await post(gw, { 'x-router-secret': SECRET });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { personalClient: { id: gw.sandbox.clients[0]?.id } } });
    expect(gw.sandbox.stats.apiGets).toBe(1);
  });

  it('leaves /health and /ready open by default (OPS_ENDPOINTS_REQUIRE_AUTH=false)', async () => {
    expect((await gw.fetch('/health')).status).toBe(200);
    expect((await gw.fetch('/ready')).status).toBe(200);
  });
});

describe('ops endpoints with OPS_ENDPOINTS_REQUIRE_AUTH=true', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { ROUTER_SECRET: SECRET, OPS_ENDPOINTS_REQUIRE_AUTH: 'true', METRICS_ENABLED: 'true' } });
  });
  afterAll(() => gw.close());

  it.each(['/health', '/ready', '/metrics'])('%s needs the secret too', async (path) => {
    expect((await gw.fetch(path)).status).toBe(401);
    expect((await gw.fetch(path, { headers: { 'x-router-secret': SECRET } })).status).toBe(200);
  });
});

describe('caller JWTs verified against a JWKS', () => {
  const ISSUER = 'https://idp.example';
  const AUDIENCE = 'c1-gateway';
  let jwks: FakeUpstream;
  let gw: TestGateway;
  let key: CryptoKey;
  let otherKey: CryptoKey;

  const sign = (claims: { iss?: string; aud?: string; exp?: number }, signingKey = key) =>
    new SignJWT({ sub: 'frontend' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(claims.iss ?? ISSUER)
      .setAudience(claims.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
      .sign(signingKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = await startFakeUpstream(() => ({ body: { keys: [publicJwk] } }));
    gw = await startGateway({ env: { JWKS_URL: `${jwks.origin}/jwks.json`, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
  });
  afterAll(async () => {
    await gw.close();
    await jwks.close();
  });
  beforeEach(() => gw.sandbox.resetStats());

  it('serves a caller whose token verifies', async () => {
    const answer = await post(gw, { authorization: `Bearer ${await sign({})}` });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });

  it.each([
    ['no token', async () => ''],
    ['a token for another audience', async () => sign({ aud: 'someone-else' })],
    ['a token from another issuer', async () => sign({ iss: 'https://evil.example' })],
    ['an expired token', async () => sign({ exp: Math.floor(Date.now() / 1000) - 60 })],
    ['a token signed by another key', async () => sign({}, otherKey)],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses %s with 401 and no upstream call', async (_label, token) => {
    const value = await token();
    const answer = await post(gw, value === '' ? {} : { authorization: `Bearer ${value}` });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(gw.sandbox.stats.apiGets + gw.sandbox.stats.tokenRequests).toBe(0);
  });
});

describe('caller-auth configuration', () => {
  const base = { C1_API_URL: 'http://127.0.0.1:1', C1_ACCESS_TOKEN: 't' };

  it('refuses JWKS verification in forward mode, where Authorization carries the C1 token', () => {
    expect(() =>
      loadConfig({ ...base, C1_AUTH_MODE: 'forward', JWKS_URL: 'https://idp.example/jwks', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' }),
    ).toThrow(/JWKS_URL: cannot be used with C1_AUTH_MODE=forward/);
  });

  it('requires an issuer and an audience with a JWKS, and a JWKS with either', () => {
    expect(() => loadConfig({ ...base, JWKS_URL: 'https://idp.example/jwks' })).toThrow(/JWT_ISSUER: required[\s\S]*JWT_AUDIENCE: required/);
    expect(() => loadConfig({ ...base, JWT_AUDIENCE: 'a' })).toThrow(/set without JWKS_URL/);
  });

  it('refuses CORS entries that are not origins', () => {
    expect(() => loadConfig({ ...base, CORS_ORIGINS: 'https://ok.example, https://x.example/path' })).toThrow(/CORS_ORIGINS: entry 2/);
  });
});
