import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayError } from '../kernel/errors.js';
import { classifyStatus, outcomeError, type OutcomeKind } from '../resilience/outcome.js';
import { parseRetryAfter } from '../resilience/status.js';

/** What a successful token response yields. */
export interface TokenGrant {
  accessToken: string;
  /** Lifetime from `expires_in`; undefined when C1 sent 0 or nothing. */
  expiresInMs: number | undefined;
}

// An access token goes into an Authorization header: visible ASCII only, so a bad response can
// never smuggle a header break into later upstream calls.
const TOKEN_CHARS = /^[\x21-\x7e]+$/;
// OAuth2 error codes are short snake_case tokens; anything else might be free text worth nothing
// in a message (or worse, an echo of what we sent), so it is left out.
const OAUTH_ERROR_CODE = /^[a-z0-9_.-]{1,64}$/i;

function badResponse(what: string, status?: number): GatewayError {
  return outcomeError('unexpected', `C1 token response ${what}`, status === undefined ? {} : { status });
}

/** Parses a 200 body. Messages never quote the body: it holds the token. */
export function parseTokenGrant(text: string): TokenGrant {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // No `cause`: JSON.parse's message quotes the input, which may contain the token.
    throw badResponse('is not JSON', 200);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badResponse('is not a JSON object', 200);
  const { access_token: raw, expires_in: expiresIn } = json as Record<string, unknown>;
  if (typeof raw !== 'string') throw badResponse('has no access_token string', 200);
  // One SDK strips this prefix, so C1 has at some point sent it; we add our own `Bearer `.
  const accessToken = raw.replace(/^bearer /i, '');
  if (accessToken.length === 0) throw badResponse('has an empty access_token', 200);
  if (!TOKEN_CHARS.test(accessToken)) throw badResponse('has an access_token with characters not allowed in a header', 200);
  return { accessToken, expiresInMs: parseExpiresIn(expiresIn) };
}

function parseExpiresIn(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  // Some OAuth servers send the number as a string; accept it rather than fail a good token.
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw badResponse('has an expires_in that is not a non-negative number', 200);
  }
  return seconds === 0 ? undefined : seconds * 1000;
}

/**
 * Maps a non-200 token response to a typed error; what it means (a 500 is not retried, a 503 is)
 * is its row in outcome.ts, as for the API. Only the OAuth2 `error` code is ever quoted.
 */
export function tokenErrorFor(status: number, text: string | undefined, headers: IncomingHttpHeaders, now: number): GatewayError {
  const kind = classifyStatus(status, 'token');
  return outcomeError(kind, messageFor(kind, status, text), { status, retryAfterMs: parseRetryAfter(headers['retry-after'], now) });
}

function messageFor(kind: OutcomeKind, status: number, text: string | undefined): string {
  switch (kind) {
    case 'rejected': {
      const code = oauthErrorCode(text);
      return `C1 rejected the client credentials${code === undefined ? '' : ` (${code})`}`;
    }
    case 'forbidden':
      // e.g. the personal client's allowSourceCidr excludes this gateway's address.
      return 'C1 refused to issue a token for this client';
    case 'throttled':
      return 'C1 token endpoint is rate limiting';
    case 'proxyFailed':
    case 'serverFailed':
      return `C1 token endpoint answered ${status}`;
    default:
      return `C1 token response has unexpected status ${status}`;
  }
}

function oauthErrorCode(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    const error = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['error'] : undefined;
    return typeof error === 'string' && OAUTH_ERROR_CODE.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}
