import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { encodeSecretPayload, formatClientSecret, makeTestKey } from '../auth/keys.js';

const key = makeTestKey();
const other = makeTestKey();
const CLIENT_ID = 'strange-hydra-68836@acme.conductor.one/pcc';

/** The problems of the one ConfigError `loadConfig(env)` throws. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return expect.unreachable('loadConfig accepted the environment');
}

const dir = mkdtempSync(join(tmpdir(), 'c1gw-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('uses the sandbox outside production when no credentials are set, with documented defaults', () => {
    const config = loadConfig({});
    expect(config.credentials).toEqual({ kind: 'sandbox' });
    expect(config.c1).toBeUndefined();
    expect(config).toMatchObject({ PORT: 4000, CACHE_TTL_MS: 30_000, UPSTREAM_MAX_IN_FLIGHT: 128, GRAPHIQL: true });
  });

  it('prefers client credentials and keeps the secret out of the top-level config', () => {
    const config = loadConfig({ C1_CLIENT_ID: CLIENT_ID, C1_CLIENT_SECRET: key.secret });
    expect(config.credentials).toEqual({ kind: 'client-credentials', clientId: CLIENT_ID, clientSecret: key.secret });
    expect(Object.keys(config)).not.toContain('C1_CLIENT_SECRET');
  });

  it('turns GraphiQL and introspection off by default in production, unless asked', () => {
    const prod = { NODE_ENV: 'production', C1_ACCESS_TOKEN: 't', C1_API_URL: 'https://x.example', CURSOR_SECRET: 'x'.repeat(32) };
    expect(loadConfig(prod)).toMatchObject({ GRAPHIQL: false, INTROSPECTION: false });
    expect(loadConfig({ ...prod, GRAPHIQL: 'true' }).GRAPHIQL).toBe(true);
  });

  it('lists every bad variable in one error', () => {
    const problems = problemsOf({ PORT: '99999', CACHE_TTL_MS: 'soon', C1_CLIENT_ID: CLIENT_ID }).join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/CACHE_TTL_MS/);
    expect(problems).toMatch(/C1_CLIENT_SECRET: required/);
  });

  it('requires C1_API_URL with a static token', () => {
    expect(() => loadConfig({ C1_ACCESS_TOKEN: 't' })).toThrow(/C1_API_URL/);
  });
});

describe('loadConfig: credential formats', () => {
  it('names a malformed client id as a C1_CLIENT_ID problem', () => {
    expect(problemsOf({ C1_CLIENT_ID: 'no-at-sign/pcc', C1_CLIENT_SECRET: key.secret })).toEqual([
      "C1_CLIENT_ID: has no '@' (expected '<name>@<host>/<use-case>')",
    ]);
  });

  it.each([
    ['the wrong shape', `secret-token:conductorone.com:${key.payload}`],
    ['a key part that is not JSON', formatClientSecret(Buffer.from(`{"d":"${key.jwk.d}"`).toString('base64url'))],
    ['an x that is not the public key of d', formatClientSecret(encodeSecretPayload({ ...key.jwk, x: other.jwk.x }))],
  ])('names a secret with %s as a C1_CLIENT_SECRET problem, without any part of it', (_name, secret) => {
    const problems = problemsOf({ C1_CLIENT_ID: CLIENT_ID, C1_CLIENT_SECRET: secret });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^C1_CLIENT_SECRET: /);
    const text = problems.join('\n');
    for (const piece of [secret, key.payload, key.jwk.d, key.jwk.x, other.jwk.x]) expect(text).not.toContain(piece);
  });

  it('lists problems from the schema, the credentials, caller auth and the persisted-operations file in one error', () => {
    const problems = problemsOf({
      PORT: 'not-a-port',
      C1_CLIENT_ID: 'name@bad host/pcc',
      C1_CLIENT_SECRET: 'secret-token:example.com:v1:AAAA',
      JWT_ISSUER: 'issuer',
      PERSISTED_OPERATIONS_FILE: join(dir, 'missing.json'),
    });
    const named = problems.map((p) => p.slice(0, p.indexOf(':')));
    expect(named).toEqual(expect.arrayContaining(['PORT', 'C1_CLIENT_ID', 'C1_CLIENT_SECRET', 'PERSISTED_OPERATIONS_FILE']));
    expect(problems.join('\n')).not.toContain('AAAA');

    const wellTyped = problemsOf({ C1_CLIENT_ID: 'name@bad host/pcc', C1_CLIENT_SECRET: 'nope', JWT_ISSUER: 'issuer' });
    expect(wellTyped.map((p) => p.slice(0, p.indexOf(':')))).toEqual(['C1_CLIENT_ID', 'C1_CLIENT_SECRET', 'JWT_ISSUER/JWT_AUDIENCE']);
  });

  it('reads a valid persisted-operations file at load', () => {
    const file = join(dir, 'ops.json');
    writeFileSync(file, JSON.stringify({ abc: '{ __typename }' }));
    expect(loadConfig({ PERSISTED_OPERATIONS_FILE: file }).persistedOperations).toEqual(new Map([['abc', '{ __typename }']]));
  });
});

describe('loadConfig: where C1 is, derived once', () => {
  const withClient = (clientId: string, env: Record<string, string> = {}) =>
    loadConfig({ C1_CLIENT_ID: clientId, C1_CLIENT_SECRET: key.secret, ...env }).c1;

  it('takes the API, token URL and audience from the client id host', () => {
    expect(withClient(CLIENT_ID)).toEqual({
      apiBaseUrl: 'https://acme.conductor.one',
      origin: 'https://acme.conductor.one',
      tokenUrl: 'https://acme.conductor.one/auth/v1/token',
      audience: 'acme.conductor.one',
    });
  });

  it('keeps a port of the client id host in the URLs but not in the audience', () => {
    expect(withClient('name@localhost:8443/pcc')).toEqual({
      apiBaseUrl: 'https://localhost:8443',
      origin: 'https://localhost:8443',
      tokenUrl: 'https://localhost:8443/auth/v1/token',
      audience: 'localhost',
    });
  });

  it('prefers C1_API_URL, token URL on its origin, audience its bare hostname', () => {
    expect(withClient(CLIENT_ID, { C1_API_URL: 'http://127.0.0.1:9000/base' })).toEqual({
      apiBaseUrl: 'http://127.0.0.1:9000/base',
      origin: 'http://127.0.0.1:9000',
      tokenUrl: 'http://127.0.0.1:9000/auth/v1/token',
      audience: '127.0.0.1',
    });
  });

  it('drops the brackets of an IPv6 C1_API_URL from the audience, not from the URLs', () => {
    expect(withClient(CLIENT_ID, { C1_API_URL: 'http://[::1]:8080' })).toEqual({
      apiBaseUrl: 'http://[::1]:8080',
      origin: 'http://[::1]:8080',
      tokenUrl: 'http://[::1]:8080/auth/v1/token',
      audience: '::1',
    });
  });

  it('derives the origin for a static token and for forward mode from C1_API_URL', () => {
    const apiUrl = 'https://tenant.example:4443';
    expect(loadConfig({ C1_ACCESS_TOKEN: 't', C1_API_URL: apiUrl }).c1?.origin).toBe(apiUrl);
    expect(loadConfig({ C1_AUTH_MODE: 'forward', C1_API_URL: apiUrl }).c1?.origin).toBe(apiUrl);
  });

  it('refuses a C1_API_URL the bearer could not be sent to over http(s), once', () => {
    expect(problemsOf({ C1_ACCESS_TOKEN: 't', C1_API_URL: 'ftp://tenant.example' })).toEqual(['C1_API_URL: must be an absolute http(s) URL']);
  });

  it('freezes what it derived', () => {
    expect(Object.isFrozen(withClient(CLIENT_ID))).toBe(true);
  });
});
