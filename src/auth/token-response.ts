import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../kernel/errors.js';
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
  return new GatewayError('UPSTREAM_BAD_RESPONSE', `C1 token response ${what}`, status === undefined ? {} : { status });
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

/** Maps a non-200 token response to a typed error. Only the OAuth2 `error` code is ever quoted. */
export function tokenErrorFor(status: number, text: string | undefined, headers: IncomingHttpHeaders, now: number): GatewayError {
  if (status === 400 || status === 401) {
    const code = oauthErrorCode(text);
    const detail = code === undefined ? '' : ` (${code})`;
    return new GatewayError('UPSTREAM_UNAUTHENTICATED', `C1 rejected the client credentials${detail}`, { status });
  }
  if (status === 403) {
    // e.g. the personal client's allowSourceCidr excludes this gateway's address.
    return new GatewayError('UPSTREAM_FORBIDDEN', 'C1 refused to issue a token for this client', { status });
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
    return new GatewayError('UPSTREAM_RATE_LIMITED', 'C1 token endpoint is rate limiting', {
      status,
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 500) {
    return new GatewayError('UPSTREAM_UNAVAILABLE', `C1 token endpoint answered ${status}`, { status, retryable: true });
  }
  return badResponse(`has unexpected status ${status}`, status);
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
