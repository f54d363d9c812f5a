import { GatewayError } from '../kernel/errors.js';

/** @default 256 — longest id accepted; C1 ids are far shorter. */
export const MAX_ID_LENGTH = 256;

// C0 and C1 control characters, DEL, and lone surrogates (they cannot be percent-encoded).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Ids are opaque, but sane: not empty, not huge, no control characters. Anything else is rejected
 * before any upstream call; valid ids are always sent as one percent-encoded path segment.
 */
export function assertValidId(id: string): void {
  if (id.length === 0) throw new GatewayError('BAD_USER_INPUT', 'id must not be empty');
  if (id.length > MAX_ID_LENGTH) {
    throw new GatewayError('BAD_USER_INPUT', `id must be at most ${MAX_ID_LENGTH} characters`);
  }
  if (FORBIDDEN.test(id)) throw new GatewayError('BAD_USER_INPUT', 'id must not contain control characters');
}
