import { createPrivateKey, createPublicKey } from 'node:crypto';
import { GatewayError } from '../kernel/errors.js';

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
export function invalidSecret(what: string): GatewayError {
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
    throw invalidSecret(`expected 4 ':'-separated parts, got ${parts.length}`);
  }
  const [prefix, issuer, version, payload] = parts as [string, string, string, string];
  if (prefix !== PREFIX) throw invalidSecret(`must start with '${PREFIX}:'`);
  if (issuer !== ISSUER) throw invalidSecret(`second part must be '${ISSUER}'`);
  if (version !== VERSION) throw invalidSecret(`version must be ${VERSION}`);
  if (!BASE64URL.test(payload)) throw invalidSecret('key part is not base64url');

  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    // No `cause`: JSON.parse's message quotes the input, which is the private key.
    throw invalidSecret('key part does not decode to JSON');
  }
  return requireMatchingKeys(requirePrivateEd25519(jwk));
}

function requirePrivateEd25519(jwk: unknown): Ed25519PrivateJwk {
  const notEd25519 = (why: string): GatewayError => invalidSecret(`key is not a private Ed25519 JWK (${why})`);
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

/**
 * WebCrypto refuses a JWK whose `x` is not the public half of `d`, but only when the key is first
 * imported, long after start-up; node:crypto derives `x` from `d` synchronously, so check it here.
 */
function requireMatchingKeys(jwk: Ed25519PrivateJwk): Ed25519PrivateJwk {
  let x: unknown;
  try {
    x = createPublicKey(createPrivateKey({ key: { ...jwk }, format: 'jwk' })).export({ format: 'jwk' }).x;
  } catch {
    // No `cause`: key handling stays out of error chains entirely.
    x = undefined;
  }
  if (x !== jwk.x) throw invalidSecret('key is not a private Ed25519 JWK (x is not the public key of d)');
  return jwk;
}

function isKeyBytes(value: unknown): value is string {
  return typeof value === 'string' && BASE64URL.test(value) && Buffer.from(value, 'base64url').length === ED25519_KEY_BYTES;
}
