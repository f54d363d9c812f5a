/**
 * List (`GET /api/v1/iam/personal_clients`) and Search (`POST /api/v1/search/iam/personal_clients`),
 * paged as C1 pages: the page size is clamped, the token is opaque and empty on the last page.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PersonalClient } from '../domain/personal-client.js';
import { authenticate, RPC, rpcError, toWire } from './api.js';
import type { ApiContext } from './api.js';
import { BodyTooLargeError, mediaType, readBody, sendJson } from './http.js';
import type { Principal } from './tokens.js';

export const LIST_PATH = '/api/v1/iam/personal_clients';
export const SEARCH_PATH = '/api/v1/search/iam/personal_clients';

/** C1's page sizes: absent or 0 asks for the default, anything else is clamped to [min, max]. */
export const PAGE_SIZE = { min: 10, max: 100, default: 25 } as const;

/** What a page token is valid for: C1 documents a token as good only for the same query. */
interface PageQuery {
  route: string;
  query: string;
  userIds: readonly string[];
}

class BadRequest extends Error {}

function clampPageSize(requested: number): number {
  if (requested === 0) return PAGE_SIZE.default;
  return Math.min(PAGE_SIZE.max, Math.max(PAGE_SIZE.min, requested));
}

/** A 32-bit integer as proto3 JSON accepts one: a number, or a string of digits. */
function parsePageSize(value: unknown): number {
  if (value === undefined || value === null || value === '') return PAGE_SIZE.default;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > 2 ** 31 - 1) throw new BadRequest('invalid page size');
  return clampPageSize(n);
}

function bindingOf(q: PageQuery): string {
  return createHash('sha256').update(JSON.stringify([q.route, q.query, q.userIds])).digest('base64url').slice(0, 16);
}

// Opaque to clients, but not secret: C1's tokens are not documented as anything more.
function encodeToken(offset: number, q: PageQuery): string {
  return Buffer.from(JSON.stringify({ o: offset, b: bindingOf(q) })).toString('base64url');
}

function decodeToken(token: string, q: PageQuery): number {
  if (token === '') return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequest('invalid page token');
  }
  const { o, b } = (parsed ?? {}) as { o?: unknown; b?: unknown };
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 1 || b !== bindingOf(q)) throw new BadRequest('invalid page token');
  return o;
}

function visible(principal: Principal, client: PersonalClient): boolean {
  return principal === 'admin' || client.userId === principal.userId;
}

function sendPage(res: ServerResponse, matches: readonly PersonalClient[], pageSize: number, token: string, q: PageQuery): void {
  const offset = decodeToken(token, q);
  const end = offset + pageSize;
  const nextPageToken = end < matches.length ? encodeToken(end, q) : '';
  sendJson(res, 200, { list: matches.slice(offset, end).map(toWire), nextPageToken });
}

/** List: the caller's own clients. The admin credential is a personal client of `adminUserId`. */
export async function handleList(req: IncomingMessage, res: ServerResponse, ctx: ApiContext): Promise<void> {
  const token = await authenticate(req, res, ctx);
  if (token === undefined) return;
  const params = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const owner = token.principal === 'admin' ? ctx.adminUserId : token.principal.userId;
  const q: PageQuery = { route: LIST_PATH, query: '', userIds: [] };
  try {
    const pageSize = parsePageSize(params.get('page_size') ?? undefined);
    sendPage(res, ctx.allClients().filter((c) => c.userId === owner), pageSize, params.get('page_token') ?? '', q);
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    rpcError(res, 400, RPC.invalidArgument, error.message);
  }
}

interface SearchBody {
  pageSize?: unknown;
  pageToken?: unknown;
  query?: unknown;
  users?: unknown;
}

function parseSearch(text: string): { pageSize: number; pageToken: string; query: string; userIds: string[] } {
  let body: unknown;
  try {
    body = JSON.parse(text === '' ? '{}' : text);
  } catch {
    throw new BadRequest('malformed JSON body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('body must be a JSON object');
  const { pageSize, pageToken, query, users } = body as SearchBody;
  const str = (v: unknown, name: string): string => {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new BadRequest(`invalid ${name}`);
    return v;
  };
  const list = users ?? [];
  if (!Array.isArray(list)) throw new BadRequest('invalid users');
  const userIds = list.map((u: unknown) => {
    const id = (u as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') throw new BadRequest('invalid users: every entry needs a string id');
    return id;
  });
  return { pageSize: parsePageSize(pageSize), pageToken: str(pageToken, 'pageToken'), query: str(query, 'query'), userIds };
}

/** Search: across users, within what the token may see; by owner and by a displayName substring. */
export async function handleSearch(req: IncomingMessage, res: ServerResponse, ctx: ApiContext): Promise<void> {
  const token = await authenticate(req, res, ctx);
  // node:http drains an unread body once the answer is sent, so early refusals keep the socket.
  if (token === undefined) return;
  try {
    if (mediaType(req) !== 'application/json') throw new BadRequest('content type must be application/json');
    const search = parseSearch(await readBody(req));
    const needle = search.query.toLowerCase();
    const users = new Set(search.userIds);
    const matches = ctx.allClients().filter(
      (c) =>
        visible(token.principal, c) &&
        (users.size === 0 || (c.userId !== null && users.has(c.userId))) &&
        (needle === '' || (c.displayName ?? '').toLowerCase().includes(needle)),
    );
    const q: PageQuery = { route: SEARCH_PATH, query: search.query, userIds: search.userIds };
    sendPage(res, matches, search.pageSize, search.pageToken, q);
  } catch (error) {
    if (error instanceof BodyTooLargeError) rpcError(res, 413, RPC.invalidArgument, error.message);
    else if (error instanceof BadRequest) rpcError(res, 400, RPC.invalidArgument, error.message);
    else throw error;
  }
}
