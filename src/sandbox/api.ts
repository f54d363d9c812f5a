/**
 * The C1 API routes the sandbox serves: `GET /api/v1/iam/personal_clients/{id}` and `/health`
 * (List and Search are in pages.ts). Error bodies use grpc-gateway's `{code, message, details}`
 * shape, as C1's API does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { PERSONAL_CLIENT_FIELDS } from '../domain/personal-client.js';
import type { PersonalClient } from '../domain/personal-client.js';
import { sendJson } from './http.js';
import type { IssuedToken, TokenStore } from './tokens.js';

export const PERSONAL_CLIENTS_PREFIX = '/api/v1/iam/personal_clients/';
export const HEALTH_PATH = '/health';

// google.rpc.Code values that grpc-gateway puts in `code`.
export const RPC = { invalidArgument: 3, notFound: 5, permissionDenied: 7, unauthenticated: 16 } as const;

export interface ApiContext {
  readonly tokens: TokenStore;
  /** The stored client, null for the id that answers `{"client": null}`, undefined if unknown. */
  findClient(id: string): PersonalClient | null | undefined;
  /** Every stored client, in a stable order (List and Search page through it). */
  allClients(): readonly PersonalClient[];
  /** Whose own clients List shows to the admin credential: it is a personal client of this user. */
  readonly adminUserId: string;
  latencyMs(): number;
  /** Aborted when the sandbox closes, so no delayed answer outlives it. */
  readonly closing: AbortSignal;
}

export function rpcError(res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>): void {
  sendJson(res, status, { code, message, details: [] }, headers);
}

/**
 * The raw `{id}` segment of a personal-client GET, or undefined when the path is another route.
 * A raw `/` means more segments, and a raw `.`/`..` is a dot-segment that servers and proxies
 * resolve away: both are other routes, so a client that forgets to encode them gets a 404.
 */
export function personalClientSegment(pathname: string): string | undefined {
  if (!pathname.startsWith(PERSONAL_CLIENTS_PREFIX)) return undefined;
  const segment = pathname.slice(PERSONAL_CLIENTS_PREFIX.length);
  if (segment === '' || segment === '.' || segment === '..' || segment.includes('/')) return undefined;
  return segment;
}

/** Every field, in the documented order; a field missing from a test client is emitted as null. */
export function toWire(client: PersonalClient): Record<string, unknown> {
  return Object.fromEntries(PERSONAL_CLIENT_FIELDS.map((f) => [f, client[f] ?? null]));
}

/**
 * Answers one personal-client GET. Resolves the decoded id (for the request log), or undefined
 * when the answer came before decoding. Rejects with an AbortError if the sandbox closes meanwhile.
 */
export async function handlePersonalClientGet(
  req: IncomingMessage,
  res: ServerResponse,
  segment: string,
  ctx: ApiContext,
): Promise<string | undefined> {
  const token = await authenticate(req, res, ctx);
  if (token === undefined) return undefined;

  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    rpcError(res, 400, RPC.invalidArgument, 'malformed percent-encoding in id');
    return undefined;
  }

  const client = ctx.findClient(id);
  if (client === undefined) {
    rpcError(res, 404, RPC.notFound, 'not found');
  } else if (client === null) {
    sendJson(res, 200, { client: null });
  } else if (token.principal !== 'admin' && client.userId !== token.principal.userId) {
    rpcError(res, 403, RPC.permissionDenied, 'permission denied');
  } else {
    sendJson(res, 200, { client: toWire(client) });
  }
  return id;
}

/**
 * Waits out the artificial latency, then checks the bearer: the issued token's record, or
 * undefined once a 401 has been sent. Every API route starts here, so all refuse alike.
 */
export async function authenticate(req: IncomingMessage, res: ServerResponse, ctx: ApiContext): Promise<IssuedToken | undefined> {
  const latency = ctx.latencyMs();
  if (latency > 0) await delay(latency, undefined, { signal: ctx.closing });
  const bearer = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const token = bearer === undefined ? undefined : ctx.tokens.lookup(bearer);
  if (token === undefined) {
    rpcError(res, 401, RPC.unauthenticated, 'unauthenticated', { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
  return token;
}

export function handleHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}
