/**
 * Deterministic seed data: the same ids on every run (a seeded PRNG, never Math.random), so
 * docs, benchmarks and tests can name clients. Values mimic what C1 returns, nulls included.
 */
import type { PersonalClient } from '../domain/personal-client.js';

/** mulberry32: tiny, fast, good enough for fixtures, and reproducible across Node versions. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 27 base62 characters, like a KSUID; leading '2' as real KSUIDs minted since 2021 have. */
function ksuid(rand: () => number): string {
  let id = '2';
  while (id.length < 27) id += BASE62[Math.floor(rand() * 62)];
  return id;
}

function pickFrom<T>(rand: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pickFrom: empty list');
  return item;
}

const BASE_MS = Date.UTC(2024, 0, 2, 9, 0, 0); // every seeded timestamp is at or after this
const DAY_MS = 86_400_000;

/**
 * RFC 3339 in UTC. protobuf's JSON mapping prints 0, 3, 6 or 9 fractional digits, so all four
 * appear: a client that parses only one width fails here rather than in production.
 */
function timestamp(rand: () => number, ms: number): string {
  const base = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
  const width = pickFrom(rand, [6, 6, 6, 6, 3, 9, 0]);
  if (width === 0) return `${base}Z`;
  const fraction = String(Math.floor(rand() * 10 ** width)).padStart(width, '0');
  return `${base}.${fraction}Z`;
}

const NAMES = [
  'CI deploy bot', 'Terraform (staging)', 'Terraform (prod)', 'GitHub Actions', 'Backstage plugin',
  'Access review export', 'Okta sync job', 'Jenkins nightly', 'Local dev laptop', 'Grafana reporter',
  'Slack approvals bot', 'Data warehouse loader', 'cone CLI', 'Audit log shipper', 'Incident tooling',
];
const SLUGS = ['ci-deploy', 'terraform', 'gha', 'backstage', 'review', 'okta', 'jenkins', 'laptop', 'grafana', 'slack'];
const CIDRS = [
  '10.0.0.0/8', '192.168.1.0/24', '203.0.113.17/32', '198.51.100.0/22', '172.16.4.0/24',
  '2001:db8::/32', '2001:db8:abcd:12::/64', 'fd00:1234:5678::/48', '2001:db8::7/128',
];

/** The users who own the seeded clients (about 8, like a small tenant). */
export const SEED_USER_IDS: readonly string[] = (() => {
  const rand = prng(0xc1_05e7);
  return Array.from({ length: 8 }, () => ksuid(rand));
})();

/** Role ids that scopedRoles draw from (C1 role ids are KSUIDs too). */
export const SEED_ROLE_IDS: readonly string[] = (() => {
  const rand = prng(0x501e5);
  return Array.from({ length: 5 }, () => ksuid(rand));
})();

/** Clients spread over every seed user, in turn; their ids and values never change. */
const SPREAD_SIZE = 64;
/**
 * Clients added for `ADMIN_USER_ID` alone (from their own PRNG, so the spread ones stay as they
 * were), making one owner's list longer than C1's default page of 25: 8 + 22 = 30.
 */
const ADMIN_EXTRA_SIZE = 22;

/** The user whose personal client the sandbox's admin credential is: List shows the admin these. */
export const ADMIN_USER_ID: string = SEED_USER_IDS[0] ?? '';

/** One client; `i` (its place in the seed) picks the name, and whether it is deleted or expired. */
function seedClient(rand: () => number, i: number, userId: string, host: string): PersonalClient {
  const createdMs = BASE_MS + Math.floor(rand() * 400 * DAY_MS);
  const updatedMs = createdMs + Math.floor(rand() * 30 * DAY_MS);
  // Every 7th is deleted and every 5th expired (2024-2025); the rest expire in the 2030s or never.
  const deleted = i % 7 === 3;
  const expiresMs = i % 5 === 2 ? updatedMs + Math.floor(rand() * 60 * DAY_MS) + DAY_MS : undefined;
  const neverExpires = rand() < 0.3;
  const cidrRoll = rand();
  const roleRoll = rand();
  const neverUsed = rand() < 0.2;
  return {
    id: ksuid(rand),
    clientId: `${pickFrom(rand, SLUGS)}-${String(Math.floor(rand() * 100_000)).padStart(5, '0')}@${host}/pcc`,
    displayName: NAMES[i % NAMES.length] ?? null,
    userId,
    allowSourceCidr:
      cidrRoll < 0.25 ? null : cidrRoll < 0.45 ? [] : [pickFrom(rand, CIDRS), ...(cidrRoll > 0.8 ? [pickFrom(rand, CIDRS)] : [])],
    scopedRoles: roleRoll < 0.3 ? null : roleRoll < 0.4 ? [] : [pickFrom(rand, SEED_ROLE_IDS)],
    createdAt: timestamp(rand, createdMs),
    updatedAt: timestamp(rand, updatedMs),
    deletedAt: deleted ? timestamp(rand, updatedMs + DAY_MS) : null,
    expiresTime:
      expiresMs !== undefined
        ? timestamp(rand, expiresMs)
        : neverExpires
          ? null
          : timestamp(rand, Date.UTC(2031, 0, 1) + Math.floor(rand() * 900 * DAY_MS)),
    lastUsedAt: neverUsed || deleted ? null : timestamp(rand, updatedMs + Math.floor(rand() * 5 * DAY_MS)),
  };
}

/** Builds the seed; only the host inside `clientId` varies, every other value is fixed. */
export function seedClients(host = 'localhost'): PersonalClient[] {
  const spread = prng(0xc0ffee);
  const extra = prng(0xad0115);
  return [
    ...Array.from({ length: SPREAD_SIZE }, (_, i) => seedClient(spread, i, SEED_USER_IDS[i % SEED_USER_IDS.length] ?? '', host)),
    ...Array.from({ length: ADMIN_EXTRA_SIZE }, (_, j) => seedClient(extra, SPREAD_SIZE + j, ADMIN_USER_ID, host)),
  ];
}

const SEED = seedClients();

function idAt(index: number): string {
  const id = SEED[index]?.id;
  if (id == null) throw new Error(`seed has no client at ${index}`);
  return id;
}

/** An ordinary, active client owned by `SEED_USER_IDS[0]`. */
export const SAMPLE_CLIENT_ID = idAt(0);
/** A client whose expiresTime is in the past. */
export const EXPIRED_CLIENT_ID = idAt(2);
/** A client with deletedAt set: C1 still returns it on GET by id. */
export const DELETED_CLIENT_ID = idAt(3);
/** GET answers 200 `{"client": null}`: C1's other way of saying "not found". */
export const NULL_CLIENT_ID = '2NuLLc1ientAnswersNu11F0rm0';
/** Not in the seed: GET answers 404. */
export const MISSING_CLIENT_ID = '2M1ss1ngC1ient0000000000000';
