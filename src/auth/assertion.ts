import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '../kernel/clock.js';
import type { SigningKey } from './client-secret.js';

/** C1 accepts an assertion only briefly; ±2 minutes absorbs clock skew and stays inside its 5-minute limit. */
const SKEW_SECONDS = 120;
const NONCE_BYTES = 16;

export interface ClientAssertionOptions {
  /** The C1 client id; becomes both `iss` and `sub`. */
  clientId: string;
  /** The API host without port; becomes the one-element `aud` array. */
  audience: string;
  /** The private Ed25519 key from {@link parseClientSecret}. */
  key: SigningKey;
  /** Source of the current time in ms. */
  now: Clock;
  /**
   * Source of random bytes for the header nonce.
   * @default node:crypto randomBytes
   */
  random?: (size: number) => Uint8Array;
}

/**
 * Signs the JWT client assertion C1's token endpoint expects: compact JWS, protected header exactly
 * `{alg: 'EdDSA', nonce}` (no `typ`), claims `iss`/`sub` = client id, `aud` = [audience],
 * `iat` = now, `nbf` = iat − 120, `exp` = iat + 120 (integer seconds), no `jti`.
 * A fresh assertion is signed for every token request: C1 has no refresh tokens.
 */
export async function signClientAssertion(options: ClientAssertionOptions): Promise<string> {
  const { clientId, audience, key, now, random = randomBytes } = options;
  const iat = Math.floor(now() / 1000);
  const nonce = Buffer.from(random(NONCE_BYTES)).toString('hex');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', nonce })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience([audience])
    .setIssuedAt(iat)
    .setNotBefore(iat - SKEW_SECONDS)
    .setExpirationTime(iat + SKEW_SECONDS)
    .sign(key);
}
