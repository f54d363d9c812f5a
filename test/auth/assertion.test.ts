import { createPublicKey, verify } from 'node:crypto';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signClientAssertion } from '../../src/auth/assertion.js';
import { parseClientSecret } from '../../src/auth/client-secret.js';
import { makeTestKey } from './keys.js';

const CLIENT_ID = 'strange-hydra-68836@acme.conductor.one/pcc';
const HOST = 'acme.conductor.one';
const NOW_MS = 1_700_000_000_987;
const IAT = 1_700_000_000;

const testKey = makeTestKey();

async function sign(random?: (n: number) => Uint8Array): Promise<string> {
  const key = await parseClientSecret(testKey.secret);
  return signClientAssertion({ clientId: CLIENT_ID, audience: HOST, key, now: () => NOW_MS, ...(random ? { random } : {}) });
}

describe('signClientAssertion', () => {
  it('verifies with the public key and carries exactly the claims C1 expects', async () => {
    const publicKey = await importJWK(testKey.publicJwk, 'EdDSA');
    const { payload, protectedHeader } = await jwtVerify(await sign(), publicKey, {
      algorithms: ['EdDSA'],
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
      audience: HOST,
      currentDate: new Date(NOW_MS),
    });
    expect(Object.keys(protectedHeader).sort()).toEqual(['alg', 'nonce']);
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(protectedHeader['nonce']).toMatch(/^[0-9a-f]{32}$/);
    expect(payload).toEqual({ iss: CLIENT_ID, sub: CLIENT_ID, aud: [HOST], iat: IAT, nbf: IAT - 120, exp: IAT + 120 });
    expect(payload).not.toHaveProperty('jti');
  });

  it('produces a signature node:crypto verifies on its own, without jose', async () => {
    const [header, claims, signature] = (await sign()).split('.') as [string, string, string];
    const publicKey = createPublicKey({ key: testKey.publicJwk, format: 'jwk' });
    expect(verify(null, Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString('utf8'))).toMatchObject({ aud: [HOST], iat: IAT });
  });

  it('uses the injected random bytes, hex-encoded, as the nonce', async () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const header = decodeProtectedHeader(await sign(() => bytes));
    expect(header).toEqual({ alg: 'EdDSA', nonce: '00112233445566778899aabbccddeeff' });
  });

  it('draws a fresh nonce for every assertion by default', async () => {
    const nonces = new Set<unknown>();
    for (let i = 0; i < 5; i++) nonces.add(decodeProtectedHeader(await sign())['nonce']);
    expect(nonces.size).toBe(5);
  });
});
