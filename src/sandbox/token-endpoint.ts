/**
 * `POST /auth/v1/token`: OAuth2 client credentials with a JWT client assertion (RFC 7523),
 * as C1's SDKs use it. Strict on purpose: whatever the real endpoint might tolerate, the
 * gateway's client should never rely on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import { OAuthError, verifyAssertion } from './assertion.js';
import { BodyTooLargeError, mediaType, readBody, sendJson } from './http.js';
import type { Principal, TokenStore } from './tokens.js';

export const TOKEN_PATH = '/auth/v1/token';
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Token lifetime when none is configured (s); C1's docs mention both 600 and 3600. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

export interface TokenEndpointContext {
  readonly clock: Clock;
  readonly audiences: ReadonlySet<string>;
  readonly tokens: TokenStore;
  findCredential(clientId: string): { publicKey: KeyObject; principal: Principal } | undefined;
  /** Seconds to put in `expires_in`; null = omit it (the token then lives the default). */
  tokenTtlSeconds(): number | null;
}

// RFC 6749 §5.1: token responses must not be cached.
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** Reads exactly one value of a form field; RFC 6749 §3.2 forbids repeating a parameter. */
function field(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new OAuthError(400, 'invalid_request', `parameter ${name} is repeated`);
  const value = values[0];
  return value === undefined || value === '' ? undefined : value;
}

function required(form: URLSearchParams, name: string): string {
  const value = field(form, name);
  if (value === undefined) throw new OAuthError(400, 'invalid_request', `missing parameter ${name}`);
  return value;
}

async function issue(req: IncomingMessage, ctx: TokenEndpointContext): Promise<Record<string, unknown>> {
  if (req.headers.authorization !== undefined) {
    throw new OAuthError(400, 'invalid_request', 'client credentials belong in the form body, not an Authorization header');
  }
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(400, 'invalid_request', 'content-type must be application/x-www-form-urlencoded');
  }
  let body: string;
  try {
    body = await readBody(req);
  } catch (cause) {
    if (cause instanceof BodyTooLargeError) throw new OAuthError(413, 'invalid_request', cause.message);
    throw cause;
  }
  const form = new URLSearchParams(body);

  const grantType = required(form, 'grant_type');
  if (grantType !== 'client_credentials') {
    throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${JSON.stringify(grantType)} is not supported`);
  }
  if (field(form, 'client_secret') !== undefined) {
    throw new OAuthError(400, 'invalid_request', 'the sandbox accepts only JWT client assertions, not client_secret');
  }
  const assertionType = required(form, 'client_assertion_type');
  if (assertionType !== JWT_BEARER) {
    throw new OAuthError(400, 'invalid_request', `client_assertion_type must be ${JWT_BEARER}`);
  }
  const assertion = required(form, 'client_assertion');
  const clientId = required(form, 'client_id');

  const credential = ctx.findCredential(clientId);
  verifyAssertion(assertion, {
    clientId,
    publicKey: credential?.publicKey,
    audiences: ctx.audiences,
    nowMs: ctx.clock(),
  });
  // verifyAssertion has already rejected an unknown client; this only narrows the type.
  if (credential === undefined) throw new OAuthError(401, 'invalid_client', 'unknown client_id');

  const ttl = ctx.tokenTtlSeconds();
  const accessToken = ctx.tokens.issue(clientId, credential.principal, (ttl ?? DEFAULT_TOKEN_TTL_SECONDS) * 1000);
  return ttl === null
    ? { access_token: accessToken, token_type: 'Bearer' }
    : { access_token: accessToken, token_type: 'Bearer', expires_in: ttl };
}

/** Answers one token request; never throws for a client mistake, only answers it. */
export async function handleTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: TokenEndpointContext,
): Promise<void> {
  try {
    sendJson(res, 200, await issue(req, ctx), NO_STORE);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    const headers: Record<string, string> = { ...NO_STORE };
    // RFC 6749 §5.2: a 401 invalid_client carries a WWW-Authenticate challenge.
    if (err.status === 401) headers['www-authenticate'] = 'Basic realm="c1-sandbox"';
    sendJson(res, err.status, { error: err.error, error_description: err.message }, headers);
  }
}
