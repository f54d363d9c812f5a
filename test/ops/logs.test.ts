import { describe, expect, it } from 'vitest';
import { createLogger, isoTime, yogaLogging } from '../../src/kernel/logger.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import type { TestGateway } from '../helpers/gateway.js';
import { FAILING_ID, startBehindFailingUpstream } from '../helpers/failing-upstream.js';
import { closeAfterEach } from '../helpers/closers.js';


type Line = Record<string, unknown>;

function captureLogs(level = 'trace') {
  const chunks: string[] = [];
  const logger = createLogger({ level, destination: { write: (chunk: string) => void chunks.push(chunk) } });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Line),
  };
}

describe('log line timestamps', () => {
  it('are what toISOString writes, across second, day and year boundaries', () => {
    const starts = [Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2027, 1, 28, 23, 59, 58), 0, 1_764_497_711_000];
    for (const start of starts) {
      for (let t = start - 1500; t < start + 2500; t += 7) expect(isoTime(t)).toBe(`,"time":"${new Date(t).toISOString()}"`);
    }
    // Back in time (a clock step): the second is formatted again.
    expect(isoTime(starts[0]!)).toBe(`,"time":"${new Date(starts[0]!).toISOString()}"`);
  });

  it('stamp every line', () => {
    const logs = captureLogs();
    const before = Date.now();
    logs.logger.info('hello');
    const time = Date.parse(logs.lines()[0]?.['time'] as string);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });
});

describe('request logs and request ids', () => {
  const closers = closeAfterEach();

  async function start(env: Record<string, string> = {}) {
    const logs = captureLogs();
    return { ...(await startBehindFailingUpstream(closers, { env, deps: { logger: logs.logger } })), logs };
  }

  async function post(gw: TestGateway, query: string, headers: Record<string, string> = {}) {
    const response = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return { id: response.headers.get('x-request-id'), body: (await response.json()) as { errors?: unknown[] } };
  }

  it('tags every line of a request with its id, forwards the id upstream and returns it', async () => {
    const { gw, sandbox, upstream, logs } = await start();

    const ok = await post(gw, `query GetOne { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`, {
      'x-request-id': 'req-ok-1',
    });
    const failed = await post(gw, `query Broken { personalClient(id: "${FAILING_ID}") { id } }`, {
      'x-request-id': 'req-fail-2',
    });
    const generated = await post(gw, `{ personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);
    const replaced = await post(gw, `{ __typename }`, { 'x-request-id': 'has spaces; and "quotes"' });

    expect(ok.id).toBe('req-ok-1');
    expect(failed.id).toBe('req-fail-2');
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.id).toMatch(/^[0-9a-f-]{36}$/);

    const lines = logs.lines();
    // Lines about one request name it; the others are about shared work (the token, Yoga's debug lines).
    expect(lines.filter((l) => typeof l['requestId'] === 'string').map((l) => l['msg'])).toEqual([
      'graphql request',
      'upstream failure',
      'graphql request',
      'graphql request',
      'graphql request',
    ]);

    const requestLines = lines.filter((l) => l['msg'] === 'graphql request');
    expect(requestLines.map((l) => l['requestId'])).toEqual(['req-ok-1', 'req-fail-2', generated.id, replaced.id]);
    expect(requestLines[0]).toMatchObject({ operation: 'GetOne', outcome: 'ok', status: 200, upstreamCalls: 1, cacheHits: 0 });
    expect(requestLines[1]).toMatchObject({
      level: 'warn',
      operation: 'Broken',
      outcome: 'error',
      errorCodes: ['UPSTREAM_UNAVAILABLE'],
      upstreamCalls: 1,
    });
    expect(requestLines[2]).toMatchObject({ operation: null, outcome: 'ok', upstreamCalls: 0, cacheHits: 1 });
    expect(typeof requestLines[0]?.['durationMs']).toBe('number');

    const failureLines = lines.filter((l) => l['msg'] === 'upstream failure');
    expect(failureLines).toEqual([
      expect.objectContaining({ requestId: 'req-fail-2', code: 'UPSTREAM_UNAVAILABLE', personalClientId: FAILING_ID }),
    ]);

    // The same ids on the wire to C1 (the scripted front) and on to the sandbox behind it.
    const gets = upstream.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.headers['x-request-id'])).toEqual(['req-ok-1', 'req-fail-2']);
    const sandboxGets = sandbox.requests.filter((r) => r.method === 'GET');
    expect(sandboxGets.map((r) => r.headers['x-request-id'])).toEqual(['req-ok-1']);
  });

  it('never writes the secret, the assertion, the bearer token or an authorization header', async () => {
    const { gw, sandbox, upstream, logs } = await start();
    await post(gw, `query GetOne { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);
    await post(gw, `query Broken { personalClient(id: "${FAILING_ID}") { id } }`);
    // An expired token: the 401 path invalidates it, fetches another and retries.
    sandbox.revokeAllTokens();
    await post(gw, `query Again { personalClient(id: "${sandbox.clients[1]?.id}") { id } }`);

    const secret = sandbox.credentials.clientSecret;
    const tokenRequests = upstream.requests.filter((r) => r.path === '/auth/v1/token');
    const assertions = tokenRequests.map((r) => new URLSearchParams(r.body).get('client_assertion') ?? '');
    const bearers = upstream.requests.flatMap((r) => r.headers.authorization ?? []);
    expect(tokenRequests).toHaveLength(2);
    expect(assertions.every((a) => a.split('.').length === 3)).toBe(true);
    expect(bearers.length).toBeGreaterThanOrEqual(3);

    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.split(':').at(-1));
    for (const assertion of assertions) expect(text).not.toContain(assertion);
    for (const bearer of bearers) expect(text).not.toContain(bearer.replace(/^Bearer /, ''));
    expect(text).not.toContain('Bearer ');
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+/); // no JWT of any kind
  });

  it('logs requests that caller auth refuses before parsing, with their id, and never the router secret', async () => {
    const routerSecret = 'router-secret-0123456789abcdef';
    const { gw, logs } = await start({ ROUTER_SECRET: routerSecret });

    const refused = await post(gw, `query GetOne { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`, {
      'x-request-id': 'req-refused',
    });
    await post(gw, `query GetOne { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`, {
      'x-request-id': 'req-allowed',
      'x-router-secret': routerSecret,
    });

    expect(refused.id).toBe('req-refused');
    const requestLines = logs.lines().filter((l) => l['msg'] === 'graphql request');
    expect(requestLines).toEqual([
      expect.objectContaining({ requestId: 'req-refused', status: 401, outcome: 'error' }),
      expect.objectContaining({ requestId: 'req-allowed', status: 200, outcome: 'ok', operation: 'GetOne' }),
    ]);
    expect(logs.text()).not.toContain(routerSecret);
  });

  it('redacts credentials by configuration whatever object a log call is given', () => {
    const logs = captureLogs('info');
    logs.logger.info(
      {
        req: { headers: { authorization: 'Bearer leak-1', cookie: 'session=leak-2' } },
        headers: { authorization: 'Bearer leak-3' },
        token: 'leak-4',
        grant: { access_token: 'leak-5', accessToken: 'leak-6' },
        config: { clientSecret: 'leak-7', C1_CLIENT_SECRET: 'leak-8', C1_ACCESS_TOKEN: 'leak-9' },
        form: { client_assertion: 'leak-10', assertion: 'leak-11', client_secret: 'leak-12' },
      },
      'credentials everywhere',
    );
    const text = logs.text();
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/leak-\d+/);
  });

  it("writes Yoga's lines at their level, builds no message for a level that is off, and demotes Yoga's error lines", () => {
    const logs = captureLogs('info');
    const yoga = yogaLogging(logs.logger);
    let built = 0;
    const arg = { toString: () => `built ${++built}` };
    yoga.debug('parsing', arg);
    yoga.error('masked', arg);
    expect(built).toBe(0);
    yoga.info('listening', arg);
    yoga.warn('odd', arg);
    expect(built).toBe(2);
    expect(logs.lines().map((l) => [l['level'], l['msg']])).toEqual([
      ['info', 'listening built 1'],
      ['warn', 'odd built 2'],
    ]);
  });

  it('logs an unexpected error once, with its cause and the request id, while the client sees it masked', async () => {
    const logs = captureLogs('info');
    const { gw } = await startBehindFailingUpstream(closers, {
      env: { UPSTREAM_RETRIES: '1' },
      deps: {
        logger: logs.logger,
        // Retry jitter that throws, like a bug in the data path would: not an upstream error.
        random: () => {
          throw new Error('jitter exploded');
        },
      },
    });
    const failed = await post(gw, `query Boom { personalClient(id: "${FAILING_ID}") { id } }`, { 'x-request-id': 'req-boom' });

    expect(JSON.stringify(failed.body)).toContain('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(failed.body)).not.toContain('jitter exploded');
    const unexpected = logs.lines().filter((l) => l['msg'] === 'unexpected error');
    expect(unexpected).toEqual([expect.objectContaining({ level: 'error', requestId: 'req-boom' })]);
    expect(JSON.stringify(unexpected[0]?.['err'])).toContain('jitter exploded');
  });
});
