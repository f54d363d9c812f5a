import { request } from 'node:http';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SignJWT, importJWK } from 'jose';
import type { JWK } from 'jose';
import { PERSONAL_CLIENT_FIELDS } from '../src/domain/personal-client.js';
import type { PersonalClient } from '../src/domain/personal-client.js';
import {
  createSandbox,
  credentialFromSecret,
  DELETED_CLIENT_ID,
  EXPIRED_CLIENT_ID,
  MISSING_CLIENT_ID,
  NULL_CLIENT_ID,
  SAMPLE_CLIENT_ID,
  seedClients,
  SEED_USER_IDS,
} from '../src/sandbox/index.js';
import type { ClientCredential, Sandbox, SandboxOptions } from '../src/sandbox/index.js';

const T0 = Date.UTC(2026, 4, 1, 12, 0, 0); // the injected "now"
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const PATH = '/api/v1/iam/personal_clients/';

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A listening sandbox on port 0 whose clock the test moves by hand. */
async function start(options: SandboxOptions = {}) {
  const time = { now: T0 };
  const sandbox = createSandbox({ clock: () => time.now, ...options });
  open.push(sandbox);
  const url = await sandbox.listen();
  return { sandbox, url, time };
}

function privateJwk(secret: string): JWK {
  const payload = secret.split(':')[3] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWK;
}

interface AssertionTweaks {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  alg?: string;
  jwk?: JWK;
}

/** Signs an assertion as the C1 SDKs do, with jose; tweaks break one thing at a time. */
async function assertion(cred: ClientCredential, nowMs = T0, tweaks: AssertionTweaks = {}): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  const alg = tweaks.alg ?? 'EdDSA';
  const claims = { iss: cred.clientId, sub: cred.clientId, aud: ['localhost'], iat: now, nbf: now - 120, exp: now + 120, ...tweaks.claims };
  const header = { alg, nonce: randomBytes(16).toString('hex'), ...tweaks.header };
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(await importJWK(tweaks.jwk ?? privateJwk(cred.clientSecret), alg));
}

function tokenForm(clientId: string, jws: string, extra: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'client_credentials', client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: jws, ...extra };
}

async function postToken(url: string, form: Record<string, string> | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/auth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * GETs `PATH + rawIdSegment` with node:http, which sends the path byte for byte: fetch's URL
 * parser would resolve `%2E%2E` as a dot-segment before the sandbox could see it.
 */
function get(url: string, rawIdSegment: string, token?: string) {
  const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
  return new Promise<{ status: number; type: string | undefined; body: Record<string, unknown> }>((resolve, reject) => {
    request(url, { path: PATH + rawIdSegment, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: JSON.parse(text) as Record<string, unknown> }));
    })
      .on('error', reject)
      .end();
  });
}

async function tokenFor(url: string, cred: ClientCredential): Promise<string> {
  const { status, body } = await postToken(url, tokenForm(cred.clientId, await assertion(cred)));
  expect(status).toBe(200);
  return body['access_token'] as string;
}

describe('sandbox token endpoint', () => {
  it('gives a bearer token for a correctly signed assertion', async () => {
    const { sandbox, url } = await start();
    const { status, body } = await postToken(url, tokenForm(sandbox.credentials.clientId, await assertion(sandbox.credentials)));
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
  });

  it('mints client ids and secrets in the real C1 format', async () => {
    const { sandbox } = await start();
    expect(sandbox.credentials.clientId).toMatch(/^[a-z]+-[a-z]+-\d{5}@localhost\/pcc$/);
    expect(sandbox.credentials.clientSecret).toMatch(/^secret-token:conductorone\.com:v1:[A-Za-z0-9_-]+$/);
    expect(Object.keys(privateJwk(sandbox.credentials.clientSecret)).sort()).toEqual(['crv', 'd', 'kty', 'x']);
  });

  const otherKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JWK;
  const now = Math.floor(T0 / 1000);
  it.each([
    ['a signature by another key', { jwk: otherKey }, 401, 'invalid_client', /signature/],
    ['an aud naming another host', { claims: { aud: ['acme.conductor.one'] } }, 400, 'invalid_grant', /aud/],
    ['an aud that is a string, not an array', { claims: { aud: 'localhost' } }, 400, 'invalid_grant', /aud/],
    ['an expired assertion', { claims: { exp: now } }, 400, 'invalid_grant', /expired/],
    ['an exp more than 5 minutes ahead', { claims: { exp: now + 301 } }, 400, 'invalid_grant', /exp/],
    ['an nbf beyond the 5 s skew', { claims: { nbf: now + 6 } }, 400, 'invalid_grant', /nbf/],
    ['a missing iat', { claims: { iat: undefined } }, 400, 'invalid_grant', /iat/],
    ['an iss other than client_id', { claims: { iss: 'someone-else@localhost/pcc' } }, 400, 'invalid_grant', /iss/],
    ['a sub other than client_id', { claims: { sub: 'someone-else@localhost/pcc' } }, 400, 'invalid_grant', /sub/],
    ['alg Ed25519 instead of EdDSA', { alg: 'Ed25519' }, 400, 'invalid_request', /alg/],
    ['a missing nonce', { header: { nonce: undefined } }, 400, 'invalid_request', /nonce/],
    ['an upper-case nonce', { header: { nonce: 'ABCDEF0123456789ABCDEF0123456789' } }, 400, 'invalid_request', /nonce/],
  ] as const)('rejects %s', async (_name, tweaks, status, error, description) => {
    const { sandbox, url } = await start();
    const jws = await assertion(sandbox.credentials, T0, tweaks as AssertionTweaks);
    const res = await postToken(url, tokenForm(sandbox.credentials.clientId, jws));
    expect(res).toEqual({ status, body: { error, error_description: expect.stringMatching(description) } });
  });

  it('accepts an nbf within the 5 s skew and an exp exactly 5 minutes ahead', async () => {
    const { sandbox, url } = await start();
    const jws = await assertion(sandbox.credentials, T0, { claims: { nbf: now + 5, exp: now + 300 } });
    expect((await postToken(url, tokenForm(sandbox.credentials.clientId, jws))).status).toBe(200);
  });

  it('answers the right OAuth2 error to malformed requests', async () => {
    const { sandbox, url } = await start();
    const cred = sandbox.credentials;
    const jws = await assertion(cred);
    const error = async (form: Record<string, string> | string, headers?: Record<string, string>) => {
      const { status, body } = await postToken(url, form, headers);
      return `${status} ${String(body['error'])}`;
    };
    expect(await error(tokenForm(cred.clientId, jws, { grant_type: 'password' }))).toBe('400 unsupported_grant_type');
    expect(await error(tokenForm(cred.clientId, jws, { client_assertion_type: 'urn:x' }))).toBe('400 invalid_request');
    expect(await error(tokenForm('nobody-here-00000@localhost/pcc', jws))).toBe('401 invalid_client');
    expect(await error(tokenForm(cred.clientId, 'not.a-jws'))).toBe('400 invalid_request');
    expect(await error(`${new URLSearchParams(tokenForm(cred.clientId, jws))}&grant_type=client_credentials`)).toBe('400 invalid_request');
    expect(await error(tokenForm(cred.clientId, jws), { authorization: 'Basic eDp5' })).toBe('400 invalid_request');
    expect(await error(JSON.stringify(tokenForm(cred.clientId, jws)), { 'content-type': 'application/json' })).toBe('400 invalid_request');
  });

  it('omits expires_in when the TTL is null and issues dead-on-arrival tokens when it is 0', async () => {
    const { sandbox, url } = await start({ tokenTtlSeconds: null });
    const cred = sandbox.credentials;
    const omitted = await postToken(url, tokenForm(cred.clientId, await assertion(cred)));
    expect(omitted.body).not.toHaveProperty('expires_in');
    expect((await get(url, SAMPLE_CLIENT_ID, omitted.body['access_token'] as string)).status).toBe(200);

    sandbox.setTokenTtl(0);
    const zero = await postToken(url, tokenForm(cred.clientId, await assertion(cred)));
    expect(zero.body['expires_in']).toBe(0);
    expect((await get(url, SAMPLE_CLIENT_ID, zero.body['access_token'] as string)).status).toBe(401);
  });

  it('registers a fixed credential and accepts its host as audience', async () => {
    const minted = createSandbox().credentials; // any valid secret will do
    const fixed = { clientId: 'fixed-client-12345@sandbox/pcc', clientSecret: minted.clientSecret };
    const { sandbox, url } = await start({ adminCredential: fixed });
    expect(sandbox.credentials).toEqual(fixed);
    const jws = await assertion(fixed, T0, { claims: { aud: ['sandbox'] } });
    expect((await postToken(url, tokenForm(fixed.clientId, jws))).status).toBe(200);
  });

  it('refuses a secret that is not a private Ed25519 JWK in the C1 format', () => {
    const good = createSandbox().credentials.clientSecret;
    const jwk = privateJwk(good);
    const reencode = (o: object) => `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(o)).toString('base64url')}`;
    expect(() => credentialFromSecret('a-b-12345@h/pcc', good.replace(':v1:', ':v2:'))).toThrow();
    expect(() => credentialFromSecret('a-b-12345@h/pcc', `${good}==`)).toThrow();
    expect(() => credentialFromSecret('a-b-12345@h/pcc', reencode({ ...jwk, d: undefined }))).toThrow();
    expect(() => credentialFromSecret('a-b-12345@h/pcc', reencode({ ...jwk, x: otherKey.x }))).toThrow();
    expect(() => credentialFromSecret('no-host-here', good)).toThrow();
  });
});

describe('sandbox personal-client API', () => {
  it('answers 401 without a token, with an unknown token and with an expired one', async () => {
    const { sandbox, url, time } = await start({ tokenTtlSeconds: 600 });
    expect(await get(url, SAMPLE_CLIENT_ID)).toMatchObject({ status: 401, body: { code: 16 } });
    expect((await get(url, SAMPLE_CLIENT_ID, 'made-up')).status).toBe(401);
    const token = await tokenFor(url, sandbox.credentials);
    time.now += 599_999;
    expect((await get(url, SAMPLE_CLIENT_ID, token)).status).toBe(200);
    time.now += 1;
    expect((await get(url, SAMPLE_CLIENT_ID, token)).status).toBe(401);
  });

  it('returns a found client with all 11 fields, 404 for an unknown id and {client: null} for the null id', async () => {
    const { sandbox, url } = await start();
    const token = sandbox.issueToken(sandbox.credentials.clientId);
    const found = await get(url, SAMPLE_CLIENT_ID, token);
    expect(found.status).toBe(200);
    expect(found.type).toBe('application/json');
    expect(Object.keys(found.body['client'] as object)).toEqual([...PERSONAL_CLIENT_FIELDS]);
    expect(found.body['client']).toEqual(sandbox.clients.find((c) => c.id === SAMPLE_CLIENT_ID));
    expect(await get(url, MISSING_CLIENT_ID, token)).toMatchObject({ status: 404, body: { code: 5, message: 'not found' } });
    expect(await get(url, NULL_CLIENT_ID, token)).toEqual({ status: 200, type: 'application/json', body: { client: null } });
  });

  it('decodes an encoded id segment, so odd ids round-trip', async () => {
    const { sandbox, url } = await start();
    const token = sandbox.issueToken(sandbox.credentials.clientId);
    for (const id of ['a/b?c#d %é..', '..', 'plus+sign', '💥']) {
      const client: PersonalClient = { ...sandbox.clients[0]!, id };
      sandbox.addClient(client);
      const segment = id === '..' ? '%2E%2E' : encodeURIComponent(id); // a raw '..' is a dot-segment
      expect(await get(url, segment, token)).toMatchObject({ status: 200, body: { client: { id } } });
      expect(sandbox.requests.at(-1)).toMatchObject({ rawPath: PATH + segment, id, status: 200 });
    }
  });

  it('treats a raw slash or dot-segment as another route and malformed encoding as 400', async () => {
    const { sandbox, url } = await start();
    const token = sandbox.issueToken(sandbox.credentials.clientId);
    expect((await get(url, 'a/b', token)).status).toBe(404);
    expect((await get(url, '..', token)).status).toBe(404);
    expect((await get(url, '%E0%A4%A', token)).status).toBe(400);
    expect((await get(url, '%', token)).status).toBe(400);
    expect(sandbox.stats).toMatchObject({ apiGets: 2, otherRequests: 2, apiGetsByStatus: { 400: 2 } });
  });

  it('lets a user credential see its own clients and answers 403 for others', async () => {
    const { sandbox, url } = await start();
    const owner = SEED_USER_IDS[0]!;
    const token = await tokenFor(url, sandbox.registerUser(owner));
    const mine = sandbox.clients.find((c) => c.userId === owner)!;
    const theirs = sandbox.clients.find((c) => c.userId !== owner)!;
    expect((await get(url, mine.id!, token)).status).toBe(200);
    expect(await get(url, theirs.id!, token)).toMatchObject({ status: 403, body: { code: 7 } });
    expect((await get(url, MISSING_CLIENT_ID, token)).status).toBe(404);
  });

  it('counts requests per route and status, and resets the counters', async () => {
    const { sandbox, url } = await start();
    const token = await tokenFor(url, sandbox.credentials);
    await postToken(url, tokenForm(sandbox.credentials.clientId, 'x.y.z'));
    await get(url, SAMPLE_CLIENT_ID, token);
    await get(url, SAMPLE_CLIENT_ID, token);
    await get(url, MISSING_CLIENT_ID, token);
    await fetch(`${url}/health`).then((r) => r.json());
    expect(sandbox.stats).toEqual({
      tokenRequests: 2, tokenSuccesses: 1, tokenFailures: 1, apiGets: 3, apiGetsByStatus: { 200: 2, 404: 1 },
      inFlightGets: 0, maxInFlightGets: 1, apiPages: 0, otherRequests: 1,
    });
    expect(sandbox.requests.map((r) => r.status)).toEqual([200, 400, 200, 200, 404, 200]);
    sandbox.resetStats();
    expect(sandbox.stats).toMatchObject({ tokenRequests: 0, apiGets: 0, apiGetsByStatus: {} });
    expect(sandbox.requests).toEqual([]);
  });

  it('tracks concurrent GETs held by artificial latency', async () => {
    const { sandbox, url } = await start({ latencyMs: 30 });
    const token = sandbox.issueToken(sandbox.credentials.clientId);
    await Promise.all([1, 2, 3].map(() => get(url, SAMPLE_CLIENT_ID, token)));
    expect(sandbox.stats).toMatchObject({ apiGets: 3, inFlightGets: 0, maxInFlightGets: 3 });
  });

  it('makes every issued token fail with 401 after revokeAllTokens', async () => {
    const { sandbox, url } = await start();
    const token = await tokenFor(url, sandbox.credentials);
    expect((await get(url, SAMPLE_CLIENT_ID, token)).status).toBe(200);
    sandbox.revokeAllTokens();
    expect((await get(url, SAMPLE_CLIENT_ID, token)).status).toBe(401);
    expect((await get(url, SAMPLE_CLIENT_ID, await tokenFor(url, sandbox.credentials))).status).toBe(200);
  });

  it('keeps connections alive and close() drops a request still in flight', async () => {
    const { sandbox, url } = await start({ latencyMs: 60_000 });
    const health = await new Promise<string | undefined>((resolve, reject) =>
      request(`${url}/health`, (res) => resolve(res.headers.connection)).on('error', reject).end(),
    );
    expect(health).toBe('keep-alive');
    const pending = fetch(`${url}${PATH}${SAMPLE_CLIENT_ID}`);
    await expect.poll(() => sandbox.stats.inFlightGets).toBe(1);
    await sandbox.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('sandbox seed', () => {
  const seed = seedClients();

  it('is deterministic and holds at least 60 clients with unique 27-char base62 ids', () => {
    expect(seedClients()).toEqual(seed);
    expect(seed.length).toBeGreaterThanOrEqual(60);
    const ids = seed.map((c) => c.id);
    expect(new Set(ids).size).toBe(seed.length);
    for (const id of [...ids, NULL_CLIENT_ID, MISSING_CLIENT_ID]) expect(id).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(ids).not.toContain(NULL_CLIENT_ID);
    expect(ids).not.toContain(MISSING_CLIENT_ID);
  });

  it('looks like C1 data: RFC 3339 times, nulls, expired and deleted clients', () => {
    const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;
    for (const c of seed) {
      expect(c.clientId).toMatch(/^[a-z-]+-\d{5}@localhost\/pcc$/);
      for (const t of [c.createdAt, c.updatedAt, c.deletedAt, c.expiresTime, c.lastUsedAt]) if (t !== null) expect(t).toMatch(rfc3339);
    }
    expect(new Set(seed.map((c) => c.userId)).size).toBe(8);
    expect(seed.some((c) => c.allowSourceCidr === null) && seed.some((c) => c.allowSourceCidr?.length === 0)).toBe(true);
    expect(seed.some((c) => c.allowSourceCidr?.some((cidr) => cidr.includes(':')))).toBe(true);
    expect(seed.some((c) => c.scopedRoles === null) && seed.some((c) => c.lastUsedAt === null)).toBe(true);
    const byId = (id: string) => seed.find((c) => c.id === id)!;
    expect(Date.parse(byId(EXPIRED_CLIENT_ID).expiresTime!)).toBeLessThan(Date.now());
    expect(byId(DELETED_CLIENT_ID).deletedAt).not.toBeNull();
    expect(byId(SAMPLE_CLIENT_ID).deletedAt).toBeNull();
  });
});
