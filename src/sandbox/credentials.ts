/**
 * Client credentials in C1's real format, minted and parsed by the sandbox itself.
 * Deliberately independent of `src/auth/`: if the client mis-parses a secret, the two sides
 * disagree on the wire instead of sharing the bug.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomInt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface ClientCredential {
  clientId: string;
  clientSecret: string;
}

/** A credential as the sandbox keeps it: the public half is all the token endpoint needs. */
export interface RegisteredCredential extends ClientCredential {
  publicKey: KeyObject;
}

const SECRET_PREFIX = 'secret-token:conductorone.com:v1:';

// Word lists in the spirit of C1's `strange-hydra-68836` ids; any pair is fine.
const ADJECTIVES = ['strange', 'brave', 'quiet', 'amber', 'rapid', 'lucky', 'silent', 'clever', 'gentle', 'bold'];
const NOUNS = ['hydra', 'falcon', 'otter', 'comet', 'badger', 'maple', 'harbor', 'lynx', 'quartz', 'willow'];

function pick(words: readonly string[]): string {
  return words[randomInt(words.length)] ?? 'sandbox';
}

/** `<adjective>-<noun>-<5 digits>@<host>/pcc`, the shape of a real personal-client id. */
export function mintClientId(host: string): string {
  const digits = String(randomInt(100_000)).padStart(5, '0');
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${digits}@${host}/pcc`;
}

/** Mints a fresh Ed25519 key pair and wraps the private JWK the way C1 hands secrets out. */
export function mintCredential(host: string): RegisteredCredential {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  // Only these four members: C1 secrets carry nothing else.
  const payload = JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d });
  const clientSecret = SECRET_PREFIX + Buffer.from(payload, 'utf8').toString('base64url');
  return { clientId: mintClientId(host), clientSecret, publicKey };
}

/** The host part of a client id (between the first `@` and the next `/`), lower-cased. */
export function clientIdHost(clientId: string): string {
  const at = clientId.indexOf('@');
  const slash = clientId.indexOf('/', at + 1);
  if (at <= 0 || slash <= at + 1 || slash === clientId.length - 1) {
    throw new Error(`client id ${JSON.stringify(clientId)} is not of the form <name>@<host>/<use-case>`);
  }
  return clientId.slice(at + 1, slash).toLowerCase();
}

/**
 * Registers a given secret (e.g. a fixed one from docker-compose): validates it strictly and
 * derives the public key from the private scalar `d`, so a secret whose `x` lies is rejected.
 */
export function credentialFromSecret(clientId: string, clientSecret: string): RegisteredCredential {
  clientIdHost(clientId);
  const parts = clientSecret.split(':');
  if (parts.length !== 4 || parts[0] !== 'secret-token' || parts[1] !== 'conductorone.com' || parts[2] !== 'v1') {
    throw new Error('client secret must look like secret-token:conductorone.com:v1:<base64url>');
  }
  const encoded = parts[3] ?? '';
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) {
    throw new Error('client secret payload is not unpadded base64url');
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new Error('client secret payload is not a JSON Web Key', { cause });
  }
  if (!isPrivateEd25519Jwk(jwk)) {
    throw new Error('client secret is not a private OKP/Ed25519 JSON Web Key');
  }
  const publicKey = createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' }));
  if (publicKey.export({ format: 'jwk' }).x !== jwk.x) {
    throw new Error('client secret JWK: x does not match the private key d');
  }
  return { clientId, clientSecret, publicKey };
}

interface PrivateEd25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
  [member: string]: unknown;
}

function isPrivateEd25519Jwk(value: unknown): value is PrivateEd25519Jwk {
  if (typeof value !== 'object' || value === null) return false;
  const jwk = value as Record<string, unknown>;
  return jwk['kty'] === 'OKP' && jwk['crv'] === 'Ed25519' && typeof jwk['x'] === 'string' && typeof jwk['d'] === 'string';
}
