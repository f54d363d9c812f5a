import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CSRF_REASON } from '../../src/security/http-edge.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example';
const TYPENAME = JSON.stringify({ query: '{ __typename }' });
const JSON_POST = { method: 'POST', headers: { 'content-type': 'application/json' }, body: TYPENAME };

function preflight(gw: TestGateway, origin: string) {
  return gw.fetch('/graphql', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
}

describe('CORS with an allow-list', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { CORS_ORIGINS: `${APP}, https://admin.example.com` } });
  });
  afterAll(() => gw.close());

  it('gives a listed origin the CORS headers on preflight and on the request', async () => {
    const pre = await preflight(gw, APP);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    const res = await gw.fetch('/graphql', { ...JSON_POST, headers: { ...JSON_POST.headers, origin: APP } });
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('gives an unlisted origin no CORS headers at all, on preflight or request', async () => {
    const pre = await preflight(gw, OTHER);
    const res = await gw.fetch('/graphql', { ...JSON_POST, headers: { ...JSON_POST.headers, origin: OTHER } });
    for (const response of [pre, res]) {
      expect([...response.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });
});

describe('CORS with a single listed origin', () => {
  it('still gives an unlisted origin nothing (Yoga alone would echo the listed one)', async () => {
    const gw = await startGateway({ env: { CORS_ORIGINS: APP } });
    try {
      expect((await preflight(gw, APP)).headers.get('access-control-allow-origin')).toBe(APP);
      expect((await preflight(gw, OTHER)).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await gw.close();
    }
  });
});

describe('the HTTP edge with default settings', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('allows no cross-origin caller when CORS_ORIGINS is empty', async () => {
    expect((await preflight(gw, APP)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a GET operation without a CSRF header (a "simple" cross-site request) and accepts it with one', async () => {
    const path = `/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const refused = await gw.fetch(path, { headers: { accept: 'application/json' } });
    expect({ status: refused.status, body: await refused.json() }).toEqual({
      status: 403,
      body: { errors: [{ message: 'Required CSRF header(s) not present', extensions: { code: 'BAD_REQUEST', reason: CSRF_REASON } }] },
    });
    const ok = await gw.fetch(path, { headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(await ok.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a form-encoded POST (no preflight in browsers) without a CSRF header', async () => {
    const res = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B__typename%7D',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST', reason: CSRF_REASON } }] });
  });

  it('answers variables or extensions that are not JSON, in a GET or a form-encoded POST, with 400 BAD_REQUEST', async () => {
    const badJson = {
      errors: [{ message: 'The "variables" or "extensions" parameter is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    };
    const csrf = { 'x-graphql-yoga-csrf': '1', accept: 'application/json' };
    const query = `query=${encodeURIComponent('query($id: ID!) { personalClient(id: $id) { id } }')}`;
    for (const params of ['variables=%7Bbad', 'variables=%7B%7D&extensions=%5B']) {
      const get = await gw.fetch(`/graphql?${query}&${params}`, { headers: csrf });
      expect({ status: get.status, body: await get.json() }).toEqual({ status: 400, body: badJson });
      const form = await gw.fetch('/graphql', {
        method: 'POST',
        headers: { ...csrf, 'content-type': 'application/x-www-form-urlencoded' },
        body: `${query}&${params}`,
      });
      expect({ status: form.status, body: await form.json() }).toEqual({ status: 400, body: badJson });
    }
    // Valid JSON in the same places still runs.
    const ok = await gw.fetch(`/graphql?${query}&variables=${encodeURIComponent('{"id":"nope"}')}`, { headers: csrf });
    expect(await ok.json()).toEqual({ data: { personalClient: null } });
  });

  it('answers a POST whose Content-Type it cannot read with 415 UNSUPPORTED_MEDIA_TYPE and a typed error', async () => {
    for (const type of ['text/plain', 'application/xml', undefined]) {
      const res = await gw.fetch('/graphql', {
        method: 'POST',
        headers: { 'x-graphql-yoga-csrf': '1', ...(type === undefined ? {} : { 'content-type': type }) },
        body: TYPENAME,
      });
      expect({ type, status: res.status, code: ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code }).toEqual({
        type,
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
    }
  });

  it('turns batched operations away unless BATCHING_LIMIT is set', async () => {
    const res = await gw.fetch('/graphql', { ...JSON_POST, body: `[${TYPENAME},${TYPENAME}]` });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(await res.json())).not.toContain('"__typename":"Query"');
  });
});

describe('routes', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // Over a socket, so the path arrives as a client sent it (a URL object would normalise `//graphql`).
    gw = await startGateway({ listen: true, env: { GRAPHIQL: 'true' } });
  });
  afterAll(() => gw.close());

  it('serves GraphQL at exactly /graphql: other spellings Yoga would run (a trailing slash, //graphql, a prefix) get 404 and run nothing', async () => {
    const post = (path: string) =>
      fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    for (const path of ['/graphql/', '//graphql', '/x/graphql', '/ready/graphql', '/nope?/graphql']) {
      const response = await post(path);
      expect({ path, status: response.status, body: await response.text() }).toEqual({ path, status: 404, body: '' });
    }
    expect(await (await post('/graphql?x=1')).json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('serves GraphiQL at /graphql only, and the operations endpoints at their own paths', async () => {
    const page = (path: string) => fetch(`${gw.url}${path}`, { headers: { accept: 'text/html' } });
    expect((await page('/graphql')).status).toBe(200);
    expect((await page('/graphql/')).status).toBe(404);
    for (const path of ['/health', '/ready', '/metrics']) expect((await fetch(`${gw.url}${path}`)).status).toBe(200);
  });
});

/**
 * Over a socket: only there does a string body arrive with the Content-Length Node's parser vouches
 * for (the declared path of body-limit.ts); in-process, every body is counted as it streams.
 */
describe('MAX_REQUEST_BYTES at the socket', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ listen: true });
  });
  afterAll(() => gw.close());

  it('answers 413 to a body over MAX_REQUEST_BYTES, declared or streamed without a length', async () => {
    const big = JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(110 * 1024) } });
    expect((await gw.fetch('/graphql', { ...JSON_POST, body: big })).status).toBe(413);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode(i === 0 ? big.slice(0, 40 * 1024) : 'x'.repeat(40 * 1024)));
        controller.close();
      },
    });
    const streamed = await gw.fetch('/graphql', { ...JSON_POST, body: chunked, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('answers a body just under MAX_REQUEST_BYTES, declared or streamed, with data', async () => {
    const pad = 'x'.repeat(100 * 1024 - 200);
    const fits = JSON.stringify({ query: '{ __typename }', variables: { pad } });
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(102_400);
    const declared = await gw.fetch('/graphql', { ...JSON_POST, body: fits });
    expect(await declared.json()).toEqual({ data: { __typename: 'Query' } });
    const chunks = [fits.slice(0, 50_000), fits.slice(50_000)];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const streamed = await gw.fetch('/graphql', { ...JSON_POST, body, duplex: 'half' } as RequestInit);
    expect(await streamed.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('switches', () => {
  it('runs up to BATCHING_LIMIT operations per batch when configured', async () => {
    const gw = await startGateway({ env: { BATCHING_LIMIT: '2' } });
    try {
      const two = await gw.fetch('/graphql', { ...JSON_POST, body: `[${TYPENAME},${TYPENAME}]` });
      expect(await two.json()).toEqual([{ data: { __typename: 'Query' } }, { data: { __typename: 'Query' } }]);
      const three = await gw.fetch('/graphql', { ...JSON_POST, body: `[${TYPENAME},${TYPENAME},${TYPENAME}]` });
      expect(three.status).toBeGreaterThanOrEqual(400);
    } finally {
      await gw.close();
    }
  });

  it('refuses introspection with INTROSPECTION=false, while the router still gets _service.sdl', async () => {
    const gw = await startGateway({ env: { INTROSPECTION: 'false' } });
    try {
      const intro = await gw.query('{ __schema { queryType { name } } }');
      expect(intro.data ?? null).toBeNull();
      expect(intro.errors?.[0]?.message).toMatch(/introspection/i);
      const sdl = await gw.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
      expect(sdl.data?._service.sdl).toContain('type PersonalClient');
    } finally {
      await gw.close();
    }
  });
});

describe('persisted operations allow-list', () => {
  const query = 'query One($id: ID!) { personalClient(id: $id) { id } }';
  const hash = createHash('sha256').update(query).digest('hex');
  const dir = mkdtempSync(join(tmpdir(), 'c1gw-pq-'));
  let gw: TestGateway;
  afterAll(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (body: object) =>
    gw.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } }),
    );

  it.each([
    ['a plain { hash: document } object', { [hash]: query }],
    ['an Apollo persisted query manifest', { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: hash, name: 'One', type: 'query', body: query }] }],
  ])('runs a listed operation sent by its hash, from %s', async (_label, content) => {
    const file = join(dir, `ops-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(content));
    await gw?.close();
    gw = await startGateway({ env: { PERSISTED_OPERATIONS_FILE: file } });
    const id = gw.sandbox.clients[0]?.id;
    const res = await send({ variables: { id }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(res.body).toEqual({ data: { personalClient: { id } } });
  });

  it('refuses an unknown hash and any document sent in full, before any upstream call', async () => {
    gw.sandbox.resetStats();
    const unknown = await send({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const full = await send({ query, variables: { id: gw.sandbox.clients[0]?.id } });
    expect(full.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(gw.sandbox.stats.apiGets).toBe(0);
  });

  it.each([
    ['a non-string document', { [hash]: 42 }],
    ['an empty list', {}],
    ['not JSON', '{ nope'],
    ['a missing file', undefined],
  ])('refuses %s at config load, naming the variable in the one ConfigError', (_label, content) => {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    if (content !== undefined) writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    expect(() => loadConfig({ PERSISTED_OPERATIONS_FILE: file })).toThrow(ConfigError);
    expect(() => loadConfig({ PERSISTED_OPERATIONS_FILE: file })).toThrow(/\n {2}- PERSISTED_OPERATIONS_FILE: /);
  });
});
