import { describe, expect, it } from 'vitest';
import { parseClientSecret } from '../../src/auth/client-secret.js';
import { decodeClientSecret } from '../../src/domain/client-secret.js';
import { GatewayError } from '../../src/kernel/errors.js';
import { encodeSecretPayload, formatClientSecret, makeTestKey } from './keys.js';

const key = makeTestKey();
const other = makeTestKey();

async function failureOf(secret: string): Promise<GatewayError> {
  const error: unknown = await parseClientSecret(secret).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('parseClientSecret', () => {
  it('parses a valid secret into a private Ed25519 signing key', async () => {
    const signingKey = await parseClientSecret(key.secret);
    expect(signingKey).toMatchObject({ type: 'private', algorithm: { name: 'Ed25519' } });
  });

  it("decodes base64url properly, '-' and '_' included (atob would break on them)", () => {
    // JSON text rarely produces '-' or '_'; '>>>' and '???' do at the right offset, so pad until they show.
    const payloads = [0, 1, 2].map((pad) => encodeSecretPayload({ ...key.jwk, note: 'x'.repeat(pad) + '>>>???' }));
    const payload = payloads.find((p) => p.includes('-') && p.includes('_'));
    expect(payload).toBeDefined();
    expect(decodeClientSecret(formatClientSecret(payload ?? ''))).toEqual(key.jwk);
  });

  it('keeps only the key material of the JWK', () => {
    const secret = formatClientSecret(encodeSecretPayload({ ...key.jwk, alg: 'ES256', key_ops: ['verify'], use: 'enc' }));
    expect(decodeClientSecret(secret)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: key.jwk.x, d: key.jwk.d });
  });

  const [, , , payload] = key.secret.split(':') as [string, string, string, string];
  const cases: [string, string, string][] = [
    ['three parts', `secret-token:conductorone.com:${payload}`, "C1_CLIENT_SECRET: expected 4 ':'-separated parts, got 3"],
    ['five parts', `${key.secret}:extra`, "C1_CLIENT_SECRET: expected 4 ':'-separated parts, got 5"],
    ['a wrong prefix', `secret:conductorone.com:v1:${payload}`, "C1_CLIENT_SECRET: must start with 'secret-token:'"],
    ['a wrong issuer', `secret-token:example.com:v1:${payload}`, "C1_CLIENT_SECRET: second part must be 'conductorone.com'"],
    ['a wrong version', `secret-token:conductorone.com:v2:${payload}`, 'C1_CLIENT_SECRET: version must be v1'],
    ['standard base64 characters', formatClientSecret(Buffer.from(JSON.stringify(key.jwk)).toString('base64').replace(/=+$/, '') + '+/'), 'C1_CLIENT_SECRET: key part is not base64url'],
    ['an empty key part', 'secret-token:conductorone.com:v1:', 'C1_CLIENT_SECRET: key part is not base64url'],
    ['a key part that is not JSON', formatClientSecret(Buffer.from(`{"d":"${key.jwk.d}"`).toString('base64url')), 'C1_CLIENT_SECRET: key part does not decode to JSON'],
    ['a JSON array', formatClientSecret(encodeSecretPayload([key.jwk])), 'C1_CLIENT_SECRET: key is not a private Ed25519 JWK (not a JSON object)'],
    ['an RSA key', formatClientSecret(encodeSecretPayload({ ...key.jwk, kty: 'RSA' })), 'key is not a private Ed25519 JWK (kty must be OKP)'],
    ['an X25519 key', formatClientSecret(encodeSecretPayload({ ...key.jwk, crv: 'X25519' })), 'key is not a private Ed25519 JWK (crv must be Ed25519)'],
    ['a public key only', formatClientSecret(encodeSecretPayload(key.publicJwk)), 'key is not a private Ed25519 JWK (d must be'],
    ['a truncated d', formatClientSecret(encodeSecretPayload({ ...key.jwk, d: key.jwk.d.slice(0, 20) })), 'key is not a private Ed25519 JWK (d must be a 32-byte'],
    ['a missing x', formatClientSecret(encodeSecretPayload({ ...key.jwk, x: undefined })), 'key is not a private Ed25519 JWK (x must be'],
    ['an x that does not match d', formatClientSecret(encodeSecretPayload({ ...key.jwk, x: other.jwk.x })), 'key is not a private Ed25519 JWK (x is not the public key of d)'],
  ];

  it.each(cases)('rejects a secret with %s, saying what is wrong', async (_name, secret, message) => {
    const error = await failureOf(secret);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(message);
  });

  it.each(cases)('never puts any part of the secret in the error for %s', async (_name, secret) => {
    const error = await failureOf(secret);
    const texts = [error.message, String(error.stack), String(error.cause ?? '')];
    const pieces = [secret, payload, key.jwk.d, key.jwk.x, other.jwk.x, ...secret.split(':').filter((p) => p.length > 12)];
    for (const text of texts) {
      for (const piece of pieces) expect(text).not.toContain(piece);
    }
    expect(error.cause).toBeUndefined();
  });
});
