import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createStaticTokenSource } from '../../src/auth/static-token-source.js';
import { isGatewayError, type GatewayError } from '../../src/kernel/errors.js';
import type { TokenSource } from '../../src/kernel/token-source.js';
import { createRetryPolicy } from '../../src/resilience/retry-policy.js';
import { ADMIN_USER_ID, createSandbox, SEED_USER_IDS, type Sandbox } from '../../src/sandbox/index.js';
import {
  createPersonalClientsApi,
  PERSONAL_CLIENTS_LIST_ROUTE,
  PERSONAL_CLIENTS_SEARCH_ROUTE,
  type PersonalClientPage,
} from '../../src/upstream/personal-clients-api.js';
import { startFakeUpstream, type FakeUpstream, type Handler } from '../helpers/fake-upstream.js';
import { RETRY_BOUNDS } from '../helpers/bounds.js';

const agent = new Agent();
afterAll(() => agent.destroy());

let sandbox: Sandbox | undefined;
let c1: FakeUpstream | undefined;
afterEach(async () => {
  await sandbox?.close();
  await c1?.close();
  sandbox = undefined;
  c1 = undefined;
});

// Two retries, no waiting: the attempt count is what these tests look at.
const retry = () => createRetryPolicy({ ...RETRY_BOUNDS, retries: 2, sleep: async () => undefined });

function apiFor(baseUrl: string, attempts: [number, string][] = []) {
  return createPersonalClientsApi({
    baseUrl,
    dispatcher: agent,
    maxBodyBytes: 1_048_576,
    policy: retry(),
    onAttempt: (status, _ms, route) => void attempts.push([status, route]),
  });
}

async function failureOf(promise: Promise<unknown>): Promise<GatewayError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  if (!isGatewayError(error)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

async function startSandbox() {
  sandbox = createSandbox();
  const url = await sandbox.listen();
  return { sandbox, api: apiFor(url), call: { tokens: createStaticTokenSource(sandbox.issueToken(sandbox.credentials.clientId)) } };
}

async function scripted(handler: Handler) {
  c1 = await startFakeUpstream(handler);
  return c1;
}

const CALL = { tokens: createStaticTokenSource('tok') };
const PAGE = { pageSize: 25, pageToken: '' };
const SEARCH = { ...PAGE, query: '', userIds: [] };

describe('list and search against the sandbox', () => {
  it("lists the caller's own clients page by page, decoded like a GET's client", async () => {
    const { sandbox, api, call } = await startSandbox();
    const first = await api.list(PAGE, call);
    const second = await api.list({ pageSize: 25, pageToken: first.nextPageToken }, call);
    expect([first.items.length, second.items.length, second.nextPageToken]).toEqual([25, 5, '']);
    expect([...first.items, ...second.items]).toEqual(sandbox.clients.filter((c) => c.userId === ADMIN_USER_ID));
  });

  it('searches by owner and text, passing the token back for the next page of the same filter', async () => {
    const { sandbox, api, call } = await startSandbox();
    const userIds = [SEED_USER_IDS[0] ?? '', SEED_USER_IDS[5] ?? ''];
    const expected = sandbox.clients.filter((c) => userIds.includes(c.userId ?? '') && /o/i.test(c.displayName ?? ''));
    expect(expected.length).toBeGreaterThan(10);
    const pages: PersonalClientPage[] = [];
    let pageToken = '';
    do {
      const page = await api.search({ pageSize: 10, pageToken, query: 'O', userIds }, call);
      pages.push(page);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(pages.flatMap((p) => p.items)).toEqual(expected);
  });

  it('asks C1 only for page sizes within 10..100', async () => {
    const { sandbox, api, call } = await startSandbox();
    expect((await api.list({ pageSize: 1, pageToken: '' }, call)).items).toHaveLength(10);
    await api.list({ pageSize: 1_000, pageToken: '' }, call);
    expect(sandbox.requests.map((r) => r.rawPath)).toEqual([
      '/api/v1/iam/personal_clients?page_size=10',
      '/api/v1/iam/personal_clients?page_size=100',
    ]);
  });
});

describe('list and search on the wire (scripted C1)', () => {
  it('sends List as a GET with page_size and page_token, and Search as a JSON POST, under their own route labels', async () => {
    const server = await scripted(() => ({ body: { list: [], nextPageToken: '' } }));
    const attempts: [number, string][] = [];
    const api = apiFor(server.origin, attempts);
    await api.list({ pageSize: 30, pageToken: 'a b/c' }, CALL);
    await api.search({ pageSize: 5, pageToken: 'tok-2', query: 'ci', userIds: ['u1', 'u/2'] }, CALL);
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/api/v1/iam/personal_clients?page_size=30&page_token=a+b%2Fc'],
      ['POST', '/api/v1/search/iam/personal_clients'],
    ]);
    expect(server.requests[1]?.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer tok' });
    expect(JSON.parse(server.requests[1]?.body ?? '')).toEqual({ pageSize: 10, pageToken: 'tok-2', query: 'ci', users: [{ id: 'u1' }, { id: 'u/2' }] });
    expect(attempts).toEqual([[200, PERSONAL_CLIENTS_LIST_ROUTE], [200, PERSONAL_CLIENTS_SEARCH_ROUTE]]);
  });

  it('reads an absent list and token as an empty last page', async () => {
    const server = await scripted(() => ({ body: { list: null } }));
    expect(await apiFor(server.origin).search(SEARCH, CALL)).toEqual({ items: [], nextPageToken: '' });
  });

  it.each([
    ['a body that is not JSON', { headers: { 'content-type': 'application/json' }, body: '{"list": [' }],
    ['a non-JSON content type', { headers: { 'content-type': 'text/html' }, body: '<html>' }],
    ['a list that is not an array', { body: { list: { id: 'x' }, nextPageToken: '' } }],
    ['a token that is not a string', { body: { list: [], nextPageToken: 7 } }],
    ['an item without an id', { body: { list: [{ id: 'ok' }, { displayName: 'no id' }], nextPageToken: '' } }],
    ['an item with an empty id', { body: { list: [{ id: '' }], nextPageToken: '' } }],
    ['an item with a bad timestamp', { body: { list: [{ id: 'x', createdAt: 'yesterday' }], nextPageToken: '' } }],
    ['a 404', { status: 404, body: {} }],
  ])('refuses %s as UPSTREAM_BAD_RESPONSE after one attempt, for List and Search alike', async (_name, answer) => {
    const server = await scripted(() => answer);
    const api = apiFor(server.origin);
    for (const call of [() => api.list(PAGE, CALL), () => api.search(SEARCH, CALL)]) {
      expect(await failureOf(call())).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', retryable: false });
    }
    expect(server.requests).toHaveLength(2);
  });

  it('retries a 503 like a GET, for the List GET and the Search POST alike', async () => {
    const server = await scripted((_r, i) => (i % 3 < 2 ? { status: 503, body: {} } : { body: { list: [{ id: `c${i}` }], nextPageToken: 'n' } }));
    const api = apiFor(server.origin);
    expect((await api.list(PAGE, CALL)).items.map((c) => c.id)).toEqual(['c2']);
    expect((await api.search(SEARCH, CALL)).items.map((c) => c.id)).toEqual(['c5']);
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET', 'POST', 'POST', 'POST']);
    expect(new Set(server.requests.filter((r) => r.method === 'POST').map((r) => r.body)).size).toBe(1);
  });

  it('after a 401, drops the token and tries once more with a fresh one', async () => {
    const server = await scripted((r) => (r.headers.authorization === 'Bearer old' ? { status: 401, body: {} } : { body: { list: [] } }));
    const issued = ['old', 'new'];
    const invalidated: string[] = [];
    const tokens: TokenSource = {
      getToken: async () => issued[0] ?? 'none',
      invalidate: (token) => void (invalidated.push(token), issued.shift()),
      hasValidToken: () => true,
      close: () => undefined,
    };
    expect(await apiFor(server.origin).search(SEARCH, { tokens })).toEqual({ items: [], nextPageToken: '' });
    expect(invalidated).toEqual(['old']);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
  });
});
