/**
 * Verifies a client assertion (compact JWS, EdDSA) the way the C1 token endpoint must: written
 * from scratch on node:crypto so it cannot share a bug with the client's signer.
 */
import { verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** An OAuth2 error response: `{error, error_description}` with its HTTP status. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 413,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type',
    description: string,
  ) {
    super(description);
  }
}

/** Clock skew tolerated on `nbf` (s): the client's clock may run a little ahead. */
export const NBF_SKEW_SECONDS = 5;
/** C1 documents that `exp` must be within 5 minutes of now. */
export const MAX_EXP_AHEAD_SECONDS = 300;

export interface AssertionCheck {
  clientId: string;
  /** The client's public key, or undefined when the client id is not registered. */
  publicKey: KeyObject | undefined;
  audiences: ReadonlySet<string>;
  nowMs: number;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const NONCE = /^[0-9a-f]{32}$/; // hex of 16 random bytes

function decodeJson(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new OAuthError(400, 'invalid_request', `client_assertion ${what} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OAuthError(400, 'invalid_request', `client_assertion ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function numericDate(claims: Record<string, unknown>, name: string): number {
  const value = claims[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OAuthError(400, 'invalid_grant', `client_assertion claim ${name} must be a NumericDate`);
  }
  return value;
}

/** Throws an OAuthError naming the first problem; returns when the assertion is acceptable. */
export function verifyAssertion(jws: string, check: AssertionCheck): void {
  const parts = jws.split('.');
  const [headerPart = '', claimsPart = '', signaturePart = ''] = parts;
  if (parts.length !== 3 || ![headerPart, claimsPart, signaturePart].every((p) => B64URL.test(p))) {
    throw new OAuthError(400, 'invalid_request', 'client_assertion is not a compact JWS');
  }

  const header = decodeJson(headerPart, 'header');
  if (header['alg'] !== 'EdDSA') {
    throw new OAuthError(400, 'invalid_request', `client_assertion alg must be EdDSA, got ${JSON.stringify(header['alg'])}`);
  }
  if (typeof header['nonce'] !== 'string' || !NONCE.test(header['nonce'])) {
    throw new OAuthError(400, 'invalid_request', 'client_assertion header nonce must be 32 lowercase hex characters');
  }
  if (header['crit'] !== undefined) {
    throw new OAuthError(400, 'invalid_request', 'client_assertion crit header is not supported');
  }

  if (check.publicKey === undefined) {
    throw new OAuthError(401, 'invalid_client', 'unknown client_id');
  }
  let valid: boolean;
  try {
    const signed = Buffer.from(`${headerPart}.${claimsPart}`, 'ascii');
    valid = verify(null, signed, check.publicKey, Buffer.from(signaturePart, 'base64url'));
  } catch {
    valid = false; // a malformed signature is just a wrong one
  }
  if (!valid) throw new OAuthError(401, 'invalid_client', 'client_assertion signature is invalid');

  const claims = decodeJson(claimsPart, 'payload');
  if (claims['iss'] !== check.clientId) {
    throw new OAuthError(400, 'invalid_grant', 'client_assertion iss must equal client_id');
  }
  if (claims['sub'] !== check.clientId) {
    throw new OAuthError(400, 'invalid_grant', 'client_assertion sub must equal client_id');
  }
  const aud = claims['aud'];
  if (!Array.isArray(aud) || !aud.some((a) => typeof a === 'string' && check.audiences.has(a))) {
    throw new OAuthError(400, 'invalid_grant', `client_assertion aud must be an array holding one of: ${[...check.audiences].join(', ')}`);
  }

  const now = check.nowMs / 1000;
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  numericDate(claims, 'iat');
  if (exp <= now) throw new OAuthError(400, 'invalid_grant', 'client_assertion has expired');
  if (exp - now > MAX_EXP_AHEAD_SECONDS) {
    throw new OAuthError(400, 'invalid_grant', `client_assertion exp is more than ${MAX_EXP_AHEAD_SECONDS} s ahead`);
  }
  if (nbf > now + NBF_SKEW_SECONDS) throw new OAuthError(400, 'invalid_grant', 'client_assertion is not yet valid (nbf)');
}
