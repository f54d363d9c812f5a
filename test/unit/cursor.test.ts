import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { isGatewayError, type GatewayError } from '../../src/kernel/errors.js';
import { createCursorCodec, INVALID_CURSOR, MAX_CURSOR_LENGTH, type CursorScope } from '../../src/graphql/cursor.js';
import { cursorKey } from '../../src/graphql/cursor-key.js';
import { createMaskError } from '../../src/graphql/errors.js';

const SECRET = 'a-cursor-secret-of-at-least-32-characters';
const codec = createCursorCodec(cursorKey(SECRET).key);
const SEARCH: CursorScope = { field: 'Query.searchPersonalClients', query: 'terraform', userIds: ['2UserA', '2UserB'] };
const POSITION = { pageToken: 'C1-PAGE-TOKEN-opaque-0042', pageSize: 25, offset: 7 };

function refusal(decode: () => unknown): GatewayError {
  try {
    decode();
  } catch (error) {
    if (isGatewayError(error)) return error;
    throw error;
  }
  throw new Error('expected the cursor to be refused');
}

const INVALID = { code: 'BAD_USER_INPUT', reason: INVALID_CURSOR, retryable: false };

describe('cursor codec', () => {
  it('round-trips a position for the same field and filter', () => {
    const cursor = codec.encode(POSITION, SEARCH);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor, { ...SEARCH, userIds: [...SEARCH.userIds] })).toEqual(POSITION);
    expect(codec.decode(codec.encode({ pageToken: '', pageSize: 100, offset: 0 }, SEARCH), SEARCH)).toEqual({ pageToken: '', pageSize: 100, offset: 0 });
  });

  it('opens on another replica that derives its key from the same secret', () => {
    const replica = createCursorCodec(cursorKey(SECRET).key);
    expect(replica.decode(codec.encode(POSITION, SEARCH), SEARCH)).toEqual(POSITION);
  });

  it.each([
    ['another query', { ...SEARCH, query: 'Terraform' }],
    ['other users', { ...SEARCH, userIds: ['2UserA'] }],
    ['the same users in another order', { ...SEARCH, userIds: ['2UserB', '2UserA'] }],
    ['another field with the same filter', { ...SEARCH, field: 'Query.myPersonalClients' }],
    ['a split that joins to the same text', { ...SEARCH, query: 'terraform2UserA', userIds: ['2UserB'] }],
  ])('refuses a cursor used with %s', (_name, scope) => {
    expect(refusal(() => codec.decode(codec.encode(POSITION, SEARCH), scope))).toMatchObject(INVALID);
  });

  it('refuses every single-character change to a cursor', () => {
    const cursor = codec.encode(POSITION, SEARCH);
    for (let i = 0; i < cursor.length; i++) {
      const swapped = cursor[i] === 'A' ? 'B' : 'A';
      const tampered = cursor.slice(0, i) + swapped + cursor.slice(i + 1);
      // The last character may carry only padding bits; a change there can decode to the same bytes.
      if (Buffer.from(tampered, 'base64url').equals(Buffer.from(cursor, 'base64url'))) continue;
      expect(refusal(() => codec.decode(tampered, SEARCH))).toMatchObject(INVALID);
    }
  });

  it('refuses a cursor made with another key', () => {
    const other = createCursorCodec(cursorKey('another-secret-that-is-at-least-32-chars').key);
    expect(refusal(() => codec.decode(other.encode(POSITION, SEARCH), SEARCH))).toMatchObject(INVALID);
  });

  it.each([
    ['empty', ''],
    ['junk', 'not a cursor!'],
    ['short base64url', 'AQID'],
    ['a Relay-style offset cursor', Buffer.from('arrayconnection:10').toString('base64')],
    ['an over-long string', 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
    ['the right length but random', Buffer.alloc(80, 1).toString('base64url')],
  ])('refuses %s with BAD_USER_INPUT / INVALID_CURSOR and one message for every failure', (_name, cursor) => {
    const error = refusal(() => codec.decode(cursor, SEARCH));
    expect(error).toMatchObject(INVALID);
    expect(error.message).toBe('after: not a cursor from this field with these arguments');
  });

  it('never shows the page token or the filter, and differs each time it is made', () => {
    const cursors = [codec.encode(POSITION, SEARCH), codec.encode(POSITION, SEARCH)];
    expect(cursors[0]).not.toBe(cursors[1]);
    for (const cursor of cursors) {
      for (const encoding of ['utf8', 'latin1'] as const) {
        for (const form of [cursor, Buffer.from(cursor, 'base64url').toString(encoding)]) {
          for (const secret of [POSITION.pageToken, 'PAGE-TOKEN', SEARCH.query, ...SEARCH.userIds]) expect(form).not.toContain(secret);
        }
      }
    }
  });

  it('reaches the client as extensions {code: BAD_USER_INPUT, reason: INVALID_CURSOR}', () => {
    const masked = createMaskError({ onUnexpected: () => undefined })(refusal(() => codec.decode('junk', SEARCH)), 'Unexpected error.');
    expect((masked as { extensions?: unknown }).extensions).toEqual({ code: 'BAD_USER_INPUT', reason: INVALID_CURSOR });
  });
});

describe('cursor key', () => {
  it('derives the same 32-byte key from the same secret and another from another', () => {
    const [a, b, c] = [cursorKey(SECRET), cursorKey(SECRET), cursorKey(`${SECRET}!`)];
    expect(a).toEqual({ key: b.key, ephemeral: false });
    expect(a.key).toHaveLength(32);
    expect(a.key.equals(c.key)).toBe(false);
    expect(a.key.toString('latin1')).not.toContain(SECRET.slice(0, 8));
  });

  it('falls back to a random per-process key, flagged ephemeral, when no secret is set', () => {
    const key = cursorKey(undefined, (n) => Buffer.alloc(n, 7));
    expect(key).toEqual({ key: Buffer.alloc(32, 7), ephemeral: true });
  });
});

describe('CURSOR_SECRET configuration', () => {
  const prod = { NODE_ENV: 'production', C1_ACCESS_TOKEN: 't', C1_API_URL: 'https://x.example' };
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('is required in production, where every replica must share it', () => {
    expect(problemsOf(prod)).toEqual([expect.stringMatching(/^CURSOR_SECRET: required in production/)]);
    expect(loadConfig({ ...prod, CURSOR_SECRET: SECRET }).CURSOR_SECRET).toBe(SECRET);
  });

  it('is optional outside production', () => {
    expect(loadConfig({}).CURSOR_SECRET).toBeUndefined();
  });

  it('refuses a short secret without echoing it', () => {
    const problems = problemsOf({ CURSOR_SECRET: 'short-secret' });
    expect(problems).toEqual(['CURSOR_SECRET: must be at least 32 characters']);
    expect(problems.join()).not.toContain('short-secret');
  });
});
