/**
 * Relay cursors over C1's page tokens. A cursor is AES-256-GCM over where the listing stands, with
 * the field and its filter as additional authenticated data: it hides C1's token (which may encode
 * anything C1 chose), cannot be forged or edited without the key, and opens only for the same
 * field and filter, all in one primitive. An HMAC over a cleartext token would have shown the
 * token; encrypting and then MACing separately would be two keys and two checks to get right.
 * The filter is not in the cursor at all: it is only authenticated, so a cursor never reveals it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { GatewayError } from '../kernel/errors.js';

/** Where a listing continues. */
export interface CursorPosition {
  /** C1's token for the page holding the next item; '' for the first page. */
  pageToken: string;
  /** The page size that page was asked with: the same token with another size is another page. */
  pageSize: number;
  /** Items of that page already returned; the next item is at this index (may equal its length). */
  offset: number;
}

/** What a cursor is valid for: the field that issued it and its filter, exactly as sent to C1. */
export interface CursorScope {
  /** e.g. `Query.searchPersonalClients`. */
  field: string;
  query: string;
  userIds: readonly string[];
}

export interface CursorCodec {
  encode(position: CursorPosition, scope: CursorScope): string;
  /** The position, or a BAD_USER_INPUT GatewayError with reason INVALID_CURSOR; never throws anything else. */
  decode(cursor: string, scope: CursorScope): CursorPosition;
}

export const INVALID_CURSOR = 'INVALID_CURSOR';

/** @default 4096 — longest cursor accepted, in characters; refused before any decryption. */
export const MAX_CURSOR_LENGTH = 4_096;
/** Offsets and page sizes a cursor may hold: C1's largest page (100 items). */
const MAX_PAGE_SIZE = 100;

const VERSION = 1;
const IV_BYTES = 12; // GCM's standard nonce, random per cursor: NIST allows 2^32 such encryptions per key
const TAG_BYTES = 16;
const KEY_BYTES = 32;

function invalidCursor(): GatewayError {
  // One message for every failure: which check failed would help someone probing the format.
  return new GatewayError('BAD_USER_INPUT', 'after: not a cursor from this field with these arguments', {
    outcome: 'badInput',
    reason: INVALID_CURSOR,
  });
}

/** Binds the cursor to its field and filter; an array, so no key order or separator is ambiguous. */
function associatedData(scope: CursorScope): Buffer {
  const digest = createHash('sha256').update(JSON.stringify([scope.field, scope.query, [...scope.userIds]])).digest();
  return Buffer.concat([Buffer.of(VERSION), digest]);
}

function isPosition(value: unknown): value is [string, number, number] {
  if (!Array.isArray(value) || value.length !== 3) return false;
  const [token, size, offset] = value as unknown[];
  const int = (n: unknown, min: number) => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= MAX_PAGE_SIZE;
  return typeof token === 'string' && int(size, 1) && int(offset, 0);
}

/** `key` is 32 bytes (see cursor-key.ts); `random` is injectable so tests can pin the nonce. */
export function createCursorCodec(key: Buffer, random: (bytes: number) => Buffer = randomBytes): CursorCodec {
  if (key.length !== KEY_BYTES) throw new Error(`cursor key must be ${KEY_BYTES} bytes`);
  return {
    encode({ pageToken, pageSize, offset }, scope) {
      const iv = random(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(associatedData(scope));
      const sealed = Buffer.concat([cipher.update(JSON.stringify([pageToken, pageSize, offset]), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    decode(cursor, scope) {
      if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
      const bytes = Buffer.from(cursor, 'base64url');
      if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) throw invalidCursor();
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(associatedData(scope));
        decipher.setAuthTag(tag);
        const plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
        const value: unknown = JSON.parse(plain.toString('utf8'));
        if (!isPosition(value)) throw invalidCursor();
        return { pageToken: value[0], pageSize: value[1], offset: value[2] };
      } catch {
        throw invalidCursor();
      }
    },
  };
}
