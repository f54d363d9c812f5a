import { afterEach, describe, expect, it } from 'vitest';
import { PERSONAL_CLIENT_FIELDS } from '../src/domain/personal-client.js';
import { ADMIN_USER_ID, createSandbox, LIST_PATH, SEARCH_PATH, SEED_USER_IDS } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';

interface Page {
  list: { id: string; userId: string; displayName: string }[];
  nextPageToken: string;
}

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start() {
  const sandbox = createSandbox();
  open.push(sandbox);
  const url = await sandbox.listen();
  return { sandbox, url, admin: sandbox.issueToken(sandbox.credentials.clientId) };
}

async function list(url: string, token: string | undefined, params: Record<string, string> = {}) {
  const query = new URLSearchParams(params).toString();
  const res = await fetch(`${url}${LIST_PATH}${query ? `?${query}` : ''}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Page & Record<string, unknown> };
}

async function search(url: string, token: string | undefined, body: unknown, contentType = 'application/json') {
  const res = await fetch(`${url}${SEARCH_PATH}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Page & Record<string, unknown> };
}

/** Follows nextPageToken to the end and returns every page. */
async function allPages(next: (token: string) => Promise<{ status: number; body: Page }>): Promise<Page[]> {
  const pages: Page[] = [];
  let token = '';
  do {
    const { status, body } = await next(token);
    expect(status).toBe(200);
    pages.push(body);
    token = body.nextPageToken;
  } while (token !== '' && pages.length < 50);
  return pages;
}

describe('sandbox List (GET /api/v1/iam/personal_clients)', () => {
  it("pages through the admin credential's own user's clients, 25 by default, with an empty token on the last page", async () => {
    const { sandbox, url, admin } = await start();
    const owned = sandbox.clients.filter((c) => c.userId === ADMIN_USER_ID).map((c) => c.id);
    expect(owned).toHaveLength(30);
    const pages = await allPages((token) => list(url, admin, token ? { page_token: token } : {}));
    expect(pages.map((p) => p.list.length)).toEqual([25, 5]);
    expect(pages.flatMap((p) => p.list.map((c) => c.id))).toEqual(owned);
    expect(pages[0]?.nextPageToken).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Object.keys(pages[0]?.list[0] ?? {})).toEqual([...PERSONAL_CLIENT_FIELDS]);
  });

  it.each([
    ['1', 10],
    ['10', 10],
    ['99', 30],
    ['500', 30],
    ['0', 25],
  ])('clamps page_size=%s to C1 bounds (10..100, 0 = 25)', async (pageSize, length) => {
    const { url, admin } = await start();
    expect((await list(url, admin, { page_size: pageSize })).body.list).toHaveLength(length);
  });

  it("shows a user credential only that user's clients", async () => {
    const { sandbox, url } = await start();
    const user = SEED_USER_IDS[3] ?? '';
    const token = sandbox.issueToken(sandbox.registerUser(user).clientId);
    const { body } = await list(url, token, { page_size: '100' });
    expect(body.list.length).toBe(sandbox.clients.filter((c) => c.userId === user).length);
    expect(body.list.every((c) => c.userId === user)).toBe(true);
    expect(body.nextPageToken).toBe('');
  });

  it('refuses a junk page token, a token from Search, and a non-integer page size with 400 invalidArgument', async () => {
    const { url, admin } = await start();
    const fromSearch = (await search(url, admin, { pageSize: 10 })).body.nextPageToken;
    for (const params of [{ page_token: 'junk' }, { page_token: fromSearch }, { page_size: 'ten' }]) {
      expect(await list(url, admin, params)).toMatchObject({ status: 400, body: { code: 3, details: [] } });
    }
  });

  it('answers 401 with the GET route error shape without a valid bearer, and counts page requests', async () => {
    const { sandbox, url } = await start();
    for (const token of [undefined, 'not-issued']) {
      expect(await list(url, token)).toEqual({ status: 401, body: { code: 16, message: 'unauthenticated', details: [] } });
    }
    expect(sandbox.stats).toMatchObject({ apiPages: 2, apiGets: 0, otherRequests: 0 });
  });
});

describe('sandbox Search (POST /api/v1/search/iam/personal_clients)', () => {
  it('lets the admin page through every client, with clamped page sizes', async () => {
    const { sandbox, url, admin } = await start();
    const pages = await allPages((pageToken) => search(url, admin, { pageSize: 40, pageToken }));
    expect(pages.map((p) => p.list.length)).toEqual([40, 40, sandbox.clients.length - 80]);
    expect(pages.flatMap((p) => p.list.map((c) => c.id))).toEqual(sandbox.clients.map((c) => c.id));
    expect((await search(url, admin, { pageSize: 3 })).body.list).toHaveLength(10);
    expect((await search(url, admin, { pageSize: '1000' })).body.list).toHaveLength(sandbox.clients.length);
    expect((await search(url, admin, {})).body.list).toHaveLength(25);
  });

  it('filters by owners and by a case-insensitive substring of displayName', async () => {
    const { sandbox, url, admin } = await start();
    const users = [SEED_USER_IDS[1] ?? '', SEED_USER_IDS[2] ?? ''];
    const expected = sandbox.clients.filter((c) => users.includes(c.userId ?? '') && /terraform/i.test(c.displayName ?? ''));
    expect(expected.length).toBeGreaterThan(0);
    const { body } = await search(url, admin, { pageSize: 100, query: 'TERRAform', users: users.map((id) => ({ id })) });
    expect(body.list.map((c) => c.id)).toEqual(expected.map((c) => c.id));
    expect(body.nextPageToken).toBe('');
  });

  it('shows a user credential only its own clients, whatever users it asks for', async () => {
    const { sandbox, url } = await start();
    const user = SEED_USER_IDS[2] ?? '';
    const token = sandbox.issueToken(sandbox.registerUser(user).clientId);
    const { body } = await search(url, token, { pageSize: 100, users: [{ id: user }, { id: SEED_USER_IDS[4] }] });
    expect(body.list.length).toBe(sandbox.clients.filter((c) => c.userId === user).length);
    expect(body.list.every((c) => c.userId === user)).toBe(true);
  });

  it('refuses a page token used with another query or with the users reordered', async () => {
    const { url, admin } = await start();
    const users = [{ id: SEED_USER_IDS[0] }, { id: SEED_USER_IDS[1] }];
    const first = await search(url, admin, { pageSize: 10, users });
    expect(first.body.nextPageToken).not.toBe('');
    const pageToken = first.body.nextPageToken;
    expect((await search(url, admin, { pageSize: 10, users, pageToken })).status).toBe(200);
    expect((await search(url, admin, { pageSize: 10, users, pageToken, query: 'x' })).status).toBe(400);
    expect((await search(url, admin, { pageSize: 10, users: [...users].reverse(), pageToken })).status).toBe(400);
  });

  it.each([
    ['malformed JSON', '{"pageSize":', 'application/json'],
    ['a body that is not an object', '[1]', 'application/json'],
    ['a user without an id', JSON.stringify({ users: [{}] }), 'application/json'],
    ['a query that is not a string', JSON.stringify({ query: 5 }), 'application/json'],
    ['a fractional page size', JSON.stringify({ pageSize: 2.5 }), 'application/json'],
    ['a junk page token', JSON.stringify({ pageToken: '!!' }), 'application/json'],
    ['a form body', 'pageSize=10', 'application/x-www-form-urlencoded'],
  ])('answers 400 invalidArgument to %s', async (_name, body, type) => {
    const { url, admin } = await start();
    expect(await search(url, admin, body, type)).toMatchObject({ status: 400, body: { code: 3, details: [] } });
  });

  it('answers 401 without a valid bearer', async () => {
    const { url } = await start();
    expect(await search(url, 'nope', {})).toEqual({ status: 401, body: { code: 16, message: 'unauthenticated', details: [] } });
  });
});
