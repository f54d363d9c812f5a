import { importJWK, jwtVerify } from 'jose';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStaticTokenSource } from '../../src/auth/static-token-source.js';
import { createClientCredentialsTokenSource } from '../../src/auth/token-manager.js';
import type { ClientCredentialsOptions } from '../../src/auth/token-manager.js';
import type { TokenSource } from '../../src/kernel/token-source.js';
import { GatewayError } from '../../src/kernel/errors.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import type { Handler, Reply, FakeUpstream } from '../helpers/fake-upstream.js';
import { makeTestKey } from './keys.js';

const CLIENT_ID = 'strange-hydra-68836@acme.conductor.one/pcc';
const AUDIENCE = 'acme.conductor.one';
const START = 1_700_000_000_000;
const testKey = makeTestKey();

/** Answers request n with token `tok-n`, living `expiresIn` seconds. */
const issueTokens = (expiresIn: number | 'missing' = 600): Handler => (_request, index) => ({
  body: { access_token: `tok-${index}`, token_type: 'Bearer', ...(expiresIn === 'missing' ? {} : { expires_in: expiresIn }) },
});

function deferred(): { promise: Promise<void>; release: () => void } {
  let release = (): void => {};
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

async function rejectionOf(promise: Promise<unknown>): Promise<GatewayError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

let server: FakeUpstream;
let agent: Agent;
let now: number;
let fetches: { outcome: string; expiresAtMs: number | undefined }[];
let fetchWaiters: { count: number; resolve: () => void }[];
const sources: TokenSource[] = [];

/** Resolves once onTokenFetch has been called `count` times in total. */
function waitForFetches(count: number): Promise<void> {
  if (fetches.length >= count) return Promise.resolve();
  return new Promise((resolve) => fetchWaiters.push({ count, resolve }));
}

function tokenSource(overrides: Partial<ClientCredentialsOptions> = {}): TokenSource {
  const source = createClientCredentialsTokenSource({
    clientId: CLIENT_ID,
    clientSecret: testKey.secret,
    tokenUrl: `${server.origin}/auth/v1/token`,
    audience: AUDIENCE,
    dispatcher: agent,
    clock: () => now,
    expiryMarginMs: 30_000,
    requestTimeoutMs: 10_000,
    onTokenFetch: (outcome, expiresAtMs) => {
      fetches.push({ outcome, expiresAtMs });
      for (const w of fetchWaiters.filter((w) => fetches.length >= w.count)) w.resolve();
    },
    ...overrides,
  });
  sources.push(source);
  return source;
}

beforeEach(async () => {
  now = START;
  fetches = [];
  fetchWaiters = [];
  server = await startFakeUpstream(issueTokens());
  agent = new Agent();
});

afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await agent.destroy();
  await server.close();
});

describe('client credentials token request', () => {
  it('POSTs exactly the four form fields, as a form, with no Authorization header', async () => {
    expect(await tokenSource().getToken()).toBe('tok-0');
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/auth/v1/token');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers).not.toHaveProperty('authorization');
    const form = new URLSearchParams(request?.body);
    expect([...form.keys()].sort()).toEqual(['client_assertion', 'client_assertion_type', 'client_id', 'grant_type']);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_id')).toBe(CLIENT_ID);
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const { payload } = await jwtVerify(form.get('client_assertion') ?? '', await importJWK(testKey.publicJwk, 'EdDSA'), {
      audience: AUDIENCE,
      issuer: CLIENT_ID,
      currentDate: new Date(now),
    });
    expect(payload.iat).toBe(START / 1000);
  });

  it('signs a fresh assertion for every token request', async () => {
    const source = tokenSource();
    await source.getToken();
    source.invalidate('tok-0');
    await source.getToken();
    const assertions = server.requests.map((r) => new URLSearchParams(r.body).get('client_assertion'));
    expect(new Set(assertions).size).toBe(2);
  });

  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer xyz', 'xyz'],
    ['BEARER q', 'q'],
  ])('strips a leading "bearer " from %j', async (accessToken, expected) => {
    server.setHandler(() => ({ body: { access_token: accessToken, expires_in: 600 } }));
    expect(await tokenSource().getToken()).toBe(expected);
  });

  it.each<[string, Reply, string, string]>([
    ['an empty token', { body: { access_token: '', expires_in: 600 } }, 'UPSTREAM_BAD_RESPONSE', 'has an empty access_token'],
    ['only a prefix', { body: { access_token: 'Bearer ', expires_in: 600 } }, 'UPSTREAM_BAD_RESPONSE', 'has an empty access_token'],
    ['no token', { body: { token_type: 'Bearer' } }, 'UPSTREAM_BAD_RESPONSE', 'has no access_token'],
    ['a body that is not JSON', { body: '<html>oops</html>' }, 'UPSTREAM_BAD_RESPONSE', 'is not JSON'],
    ['a negative expires_in', { body: { access_token: 't', expires_in: -5 } }, 'UPSTREAM_BAD_RESPONSE', 'expires_in'],
    ['400 invalid_client', { status: 400, body: { error: 'invalid_client', error_description: 'bad' } }, 'UPSTREAM_UNAUTHENTICATED', 'C1 rejected the client credentials (invalid_client)'],
    ['401 with no body', { status: 401 }, 'UPSTREAM_UNAUTHENTICATED', 'C1 rejected the client credentials'],
    ['403', { status: 403 }, 'UPSTREAM_FORBIDDEN', 'refused'],
    ['429', { status: 429, headers: { 'retry-after': '7' } }, 'UPSTREAM_RATE_LIMITED', 'rate limiting'],
    ['500', { status: 500, body: 'boom' }, 'UPSTREAM_UNAVAILABLE', 'answered 500'],
    ['503', { status: 503 }, 'UPSTREAM_UNAVAILABLE', 'answered 503'],
    ['302', { status: 302, headers: { location: '/elsewhere' } }, 'UPSTREAM_BAD_RESPONSE', 'unexpected status 302'],
  ])('maps %s to %s', async (_name, response, code, message) => {
    server.setHandler(() => response);
    const error = await rejectionOf(tokenSource().getToken());
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    // A plain 500 is a bug on C1's side: not retried, so not marked retryable (see outcome.ts).
    expect(error.retryable).toBe(code === 'UPSTREAM_RATE_LIMITED' || (code === 'UPSTREAM_UNAVAILABLE' && !message.includes('500')));
    if (code === 'UPSTREAM_RATE_LIMITED') expect(error.retryAfterMs).toBe(7_000);
  });

  it('maps an unreachable endpoint to a retryable UPSTREAM_UNAVAILABLE', async () => {
    const gone = await startFakeUpstream(issueTokens());
    await gone.close();
    const error = await rejectionOf(tokenSource({ tokenUrl: `${gone.origin}/auth/v1/token` }).getToken());
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
  });

  it('gives up on a hanging endpoint after requestTimeoutMs with UPSTREAM_TIMEOUT', async () => {
    server.setHandler(() => new Promise<never>(() => {}));
    const error = await rejectionOf(tokenSource({ requestTimeoutMs: 50 }).getToken());
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryable: true });
  });

  it('never puts the token, the assertion or the secret in an error', async () => {
    let assertion = '';
    // Each handler records the assertion it was sent, then echoes it (and a token) back.
    const echo = (status: number, body: string | object): Handler => (request) => {
      assertion = new URLSearchParams(request.body).get('client_assertion') ?? '';
      return { status, body: typeof body === 'string' ? body : { ...body, error_description: assertion } };
    };
    const handlers: Handler[] = [
      echo(200, '{"access_token":"sekret-token-value-123", "expires_in": '),
      echo(200, { access_token: 'sekret token-value-123', expires_in: 600 }),
      echo(200, { access_token: 'sekret-token-value-123', expires_in: 'soon' }),
      (request) => {
        assertion = new URLSearchParams(request.body).get('client_assertion') ?? '';
        return { status: 400, body: { error: assertion } };
      },
      echo(401, { error: 'invalid_client' }),
      echo(500, 'sekret-token-value-123'),
    ];
    for (const handler of handlers) {
      server.setHandler(handler);
      const error = await rejectionOf(tokenSource().getToken());
      expect(assertion).not.toBe('');
      for (const text of [error.message, String(error.stack), String(error.cause ?? '')]) {
        for (const secret of ['sekret', assertion, assertion.split('.')[2] ?? '', testKey.payload, testKey.jwk.d]) {
          expect(text).not.toContain(secret);
        }
      }
    }
  });

  it('fails a token request with CONFIG_INVALID, sending nothing, for a secret config load would have refused', async () => {
    const error = await rejectionOf(tokenSource({ clientSecret: 'secret-token:conductorone.com:v1' }).getToken());
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain("expected 4 ':'-separated parts, got 3");
    expect(server.requests).toHaveLength(0);
  });
});

describe('token caching', () => {
  it('sends exactly one token request for 50 concurrent callers, again once the token expired', async () => {
    const source = tokenSource();
    const first = await Promise.all(Array.from({ length: 50 }, () => source.getToken()));
    expect(new Set(first)).toEqual(new Set(['tok-0']));
    expect(server.requests).toHaveLength(1);

    now += 600_000;
    const second = await Promise.all(Array.from({ length: 50 }, () => source.getToken()));
    expect(new Set(second)).toEqual(new Set(['tok-1']));
    expect(server.requests).toHaveLength(2);
  });

  it('reuses a token until expires_in minus the margin, then fetches a new one', async () => {
    const source = tokenSource({ refreshAheadRatio: 1 });
    expect(await source.getToken()).toBe('tok-0');
    now = START + 600_000 - 30_000 - 1;
    expect(await source.getToken()).toBe('tok-0');
    expect(source.hasValidToken()).toBe(true);
    expect(server.requests).toHaveLength(1);

    now = START + 600_000 - 30_000;
    expect(source.hasValidToken()).toBe(false);
    expect(await source.getToken()).toBe('tok-1');
    expect(server.requests).toHaveLength(2);
    expect(fetches).toEqual([
      { outcome: 'success', expiresAtMs: START + 600_000 },
      { outcome: 'success', expiresAtMs: now + 600_000 },
    ]);
  });

  it('still uses a token shorter-lived than the margin, for half its life', async () => {
    server.setHandler(issueTokens(10));
    const source = tokenSource();
    await source.getToken();
    now = START + 4_999;
    expect(await source.getToken()).toBe('tok-0');
    now = START + 5_000;
    expect(await source.getToken()).toBe('tok-1');
  });

  it.each<[string, number | 'missing']>([
    ['0', 0],
    ['missing', 'missing'],
  ])('uses the short default lifetime when expires_in is %s, without a refresh loop', async (_name, expiresIn) => {
    server.setHandler(issueTokens(expiresIn));
    const source = tokenSource();
    for (let i = 0; i < 100; i++) expect(await source.getToken()).toBe('tok-0');
    expect(server.requests).toHaveLength(1);
    expect(fetches).toEqual([{ outcome: 'success', expiresAtMs: START + 60_000 }]);
    now = START + 30_000 - 1;
    for (let i = 0; i < 100; i++) expect(await source.getToken()).toBe('tok-0');
    expect(server.requests).toHaveLength(1);
    now = START + 30_000;
    for (let i = 0; i < 100; i++) expect(await source.getToken()).toBe('tok-1');
    expect(server.requests).toHaveLength(2);
  });

  it('after refreshAheadRatio of the lifetime, returns the cached token and refreshes once in the background', async () => {
    // Counted where requests leave the client, so an extra refresh shows even before it reaches the server.
    let dispatched = 0;
    const counting = agent.compose((dispatch) => (options, handler) => {
      dispatched++;
      return dispatch(options, handler);
    });
    const source = tokenSource({ dispatcher: counting });
    await source.getToken();
    now = START + 480_000 - 1;
    expect(await source.getToken()).toBe('tok-0');
    expect(server.requests).toHaveLength(1);

    const gate = deferred();
    server.setHandler(async (request, index) => {
      await gate.promise;
      return issueTokens()(request, index);
    });
    now = START + 480_000;
    for (let i = 0; i < 20; i++) expect(await source.getToken()).toBe('tok-0');
    await server.waitForRequests(2);
    expect(dispatched).toBe(2);
    gate.release();
    await waitForFetches(2);

    expect(await source.getToken()).toBe('tok-1');
    expect(server.requests).toHaveLength(2);
    expect(dispatched).toBe(2);
  });

  it('keeps serving the cached token while the endpoint fails, and fails once it is unusable', async () => {
    const source = tokenSource();
    await source.getToken();
    server.setHandler(() => ({ status: 500 }));

    now = START + 500_000;
    expect(await source.getToken()).toBe('tok-0');
    await waitForFetches(2);
    expect(fetches[1]).toEqual({ outcome: 'failure', expiresAtMs: undefined });
    expect(await source.getToken()).toBe('tok-0'); // within the backoff: no new attempt
    expect(server.requests).toHaveLength(2);

    now += 1_000;
    expect(await source.getToken()).toBe('tok-0'); // backoff over: one more background attempt
    await waitForFetches(3);
    expect(server.requests).toHaveLength(3);

    now = START + 570_000;
    const error = await rejectionOf(source.getToken());
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('failures', () => {
  it('shares a failure with callers inside the backoff window instead of asking again', async () => {
    server.setHandler(() => ({ status: 500 }));
    const source = tokenSource();
    expect((await rejectionOf(source.getToken())).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(1);

    now += 999;
    const errors = await Promise.all(Array.from({ length: 20 }, () => rejectionOf(source.getToken())));
    expect(errors.every((e) => e.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
    expect(server.requests).toHaveLength(1);

    now += 1;
    server.setHandler(issueTokens());
    expect(await source.getToken()).toBe('tok-1');
    expect(server.requests).toHaveLength(2);
  });

  it('lets one caller give up waiting without failing the others', async () => {
    const gate = deferred();
    server.setHandler(async (request, index) => {
      await gate.promise;
      return issueTokens()(request, index);
    });
    const source = tokenSource();
    const controller = new AbortController();
    const impatient = source.getToken(controller.signal);
    const patient = source.getToken();
    await server.waitForRequests(1);
    controller.abort(new Error('caller gave up'));
    await expect(impatient).rejects.toThrow('caller gave up');
    gate.release();
    expect(await patient).toBe('tok-0');
    expect(server.requests).toHaveLength(1);
  });

  it('ignores an onTokenFetch hook that throws', async () => {
    const source = tokenSource({ onTokenFetch: () => { throw new Error('metrics broke'); } });
    expect(await source.getToken()).toBe('tok-0');
  });
});

describe('invalidate and close', () => {
  it('invalidate(token) drops the current token so the next call fetches a new one', async () => {
    const source = tokenSource();
    expect(await source.getToken()).toBe('tok-0');
    source.invalidate('tok-0');
    expect(source.hasValidToken()).toBe(false);
    expect(await source.getToken()).toBe('tok-1');
    expect(server.requests).toHaveLength(2);
  });

  it('invalidate(oldToken) after a refresh keeps the new token', async () => {
    const source = tokenSource();
    await source.getToken();
    now = START + 480_000;
    expect(await source.getToken()).toBe('tok-0');
    await waitForFetches(2);
    source.invalidate('tok-0');
    expect(await source.getToken()).toBe('tok-1');
    expect(server.requests).toHaveLength(2);
  });

  it('rejects getToken and reports no valid token once closed', async () => {
    const source = tokenSource();
    await source.getToken();
    source.close();
    expect(source.hasValidToken()).toBe(false);
    expect((await rejectionOf(source.getToken())).message).toBe('token source is closed');
  });
});

describe('createStaticTokenSource', () => {
  it('always returns the given token; invalidate does nothing', async () => {
    const source = createStaticTokenSource('Bearer fixed-token');
    expect(await source.getToken()).toBe('fixed-token');
    source.invalidate('fixed-token');
    expect(source.hasValidToken()).toBe(true);
    expect(await source.getToken()).toBe('fixed-token');
    source.close();
    expect(source.hasValidToken()).toBe(false);
  });

  it('refuses an empty token', () => {
    expect(() => createStaticTokenSource('  ')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
