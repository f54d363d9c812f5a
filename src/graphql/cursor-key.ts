/**
 * The cursor key. Every replica derives the same key from CURSOR_SECRET, so a cursor issued by one
 * works on any other; HKDF gives it its own key even if the secret is reused elsewhere, and a
 * version in `info` lets a later format take a fresh key from the same secret.
 */
import { hkdfSync, randomBytes } from 'node:crypto';

const SALT = 'c1-gateway/cursor';
const INFO = 'aes-256-gcm cursor key v1';

export interface CursorKey {
  key: Buffer;
  /**
   * True when no secret was configured and the key is this process's own: cursors then fail on
   * other replicas and after a restart (BAD_USER_INPUT), so the composition root should say so.
   */
  ephemeral: boolean;
}

/** The key from `secret`, or a random per-process one when it is unset (outside production only: config.ts). */
export function cursorKey(secret: string | undefined, random: (bytes: number) => Buffer = randomBytes): CursorKey {
  if (secret === undefined) return { key: random(32), ephemeral: true };
  return { key: Buffer.from(hkdfSync('sha256', secret, SALT, INFO, 32)), ephemeral: false };
}
