import { importJWK } from 'jose';
import type { CryptoKey, KeyObject } from 'jose';
import { decodeClientSecret, invalidSecret } from '../domain/client-secret.js';

/** A key that jose's `SignJWT#sign` accepts. */
export type SigningKey = CryptoKey | KeyObject;

/**
 * Parses a C1 client secret into a signing key for the client assertion. Config loading has
 * already checked the format ({@link decodeClientSecret}); this only turns the JWK into a key.
 * Throws GatewayError('CONFIG_INVALID') that never contains any part of the secret.
 */
export async function parseClientSecret(secret: string): Promise<SigningKey> {
  const jwk = decodeClientSecret(secret);
  try {
    return await importJWK(jwk, 'EdDSA');
  } catch {
    // No `cause`: keep key handling out of error chains entirely.
    throw invalidSecret('key is not a private Ed25519 JWK (the runtime refused it)');
  }
}
