import { importJWK } from 'jose';
import type { CryptoKey, KeyObject } from 'jose';
import { GatewayError } from '../kernel/errors.js';

/** A key that jose's `SignJWT#sign` accepts. */
export type SigningKey = CryptoKey | KeyObject;

/** The private Ed25519 JWK a C1 client secret carries, reduced to its key material. */
export interface Ed25519PrivateJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  /** Public key, base64url. */
  x: string;
  /** Private key, base64url. */
  d: string;
}

const PREFIX = 'secret-token';
const ISSUER = 'conductorone.com';
const VERSION = 'v1';
const ED25519_KEY_BYTES = 32;
// Buffer.from(x, 'base64url') silently skips characters outside the alphabet, so a mangled
// secret would decode to garbage instead of failing; check the alphabet first.
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

// Every message below is fixed text: a config error ends up in logs, so it must never echo
// any part of the secret, not even the parts that look harmless.
function invalid(what: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `C1_CLIENT_SECRET: ${what}`);
}

/**
 * Checks and decodes `secret-token:conductorone.com:v1:<base64url JWK>` into the private
 * Ed25519 JWK it carries, synchronously, so configuration can fail fast at start-up.
 * Throws GatewayError('CONFIG_INVALID') whose message says what is wrong and never contains the secret.
 */
export function decodeClientSecret(secret: string): Ed25519PrivateJwk {
  const parts = secret.split(':');
  if (parts.length !== 4) {
    throw invalid(`expected 4 ':'-separated parts, got ${parts.length}`);
  }
  const [prefix, issuer, version, payload] = parts as [string, string, string, string];
  if (prefix !== PREFIX) throw invalid(`must start with '${PREFIX}:'`);
  if (issuer !== ISSUER) throw invalid(`second part must be '${ISSUER}'`);
  if (version !== VERSION) throw invalid(`version must be ${VERSION}`);
  if (!BASE64URL.test(payload)) throw invalid('key part is not base64url');

  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    // No `cause`: JSON.parse's message quotes the input, which is the private key.
    throw invalid('key part does not decode to JSON');
  }
  return requirePrivateEd25519(jwk);
}

function requirePrivateEd25519(jwk: unknown): Ed25519PrivateJwk {
  const notEd25519 = (why: string): GatewayError => invalid(`key is not a private Ed25519 JWK (${why})`);
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw notEd25519('not a JSON object');
  const { kty, crv, x, d } = jwk as Record<string, unknown>;
  if (kty !== 'OKP') throw notEd25519('kty must be OKP');
  if (crv !== 'Ed25519') throw notEd25519('crv must be Ed25519');
  if (!isKeyBytes(x)) throw notEd25519('x must be a 32-byte base64url value');
  if (!isKeyBytes(d)) throw notEd25519('d must be a 32-byte base64url value');
  // Keep only the key material: stray `alg`/`key_ops`/`use` fields could make the import refuse
  // signing for reasons that have nothing to do with the key.
  return { kty, crv, x, d };
}

function isKeyBytes(value: unknown): value is string {
  return typeof value === 'string' && BASE64URL.test(value) && Buffer.from(value, 'base64url').length === ED25519_KEY_BYTES;
}

/**
 * Parses a C1 client secret into a signing key for the client assertion (see {@link decodeClientSecret}).
 * Throws GatewayError('CONFIG_INVALID') that never contains any part of the secret.
 */
export async function parseClientSecret(secret: string): Promise<SigningKey> {
  const jwk = decodeClientSecret(secret);
  try {
    return await importJWK(jwk, 'EdDSA');
  } catch {
    // No `cause` for the same reason as above: keep key handling out of error chains entirely.
    throw invalid('key is not a private Ed25519 JWK (the runtime refused it; does x match d?)');
  }
}
