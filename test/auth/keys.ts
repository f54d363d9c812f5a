import { generateKeyPairSync } from 'node:crypto';

export interface TestKey {
  /** The private JWK, as node:crypto exports it. */
  jwk: { kty: string; crv: string; x: string; d: string };
  /** The public part only, for verifiers. */
  publicJwk: { kty: string; crv: string; x: string };
  /** The base64url part of the secret. */
  payload: string;
  /** `secret-token:conductorone.com:v1:<payload>` */
  secret: string;
}

export function encodeSecretPayload(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function formatClientSecret(payload: string): string {
  return `secret-token:conductorone.com:v1:${payload}`;
}

/** A fresh Ed25519 key pair in C1's client-secret format. */
export function makeTestKey(): TestKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as TestKey['jwk'];
  const payload = encodeSecretPayload(jwk);
  return { jwk, publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, payload, secret: formatClientSecret(payload) };
}
