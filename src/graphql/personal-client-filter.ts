/**
 * `PersonalClientFilter` checked and put in the one form that is both sent to C1 and bound into
 * cursors: if the two differed, a cursor could be valid for a filter C1 never saw.
 */
import { GatewayError } from '../kernel/errors.js';
import { assertValidId } from './ids.js';

/** @default 256 — longest `filter.query`, in characters (UTF-16 code units). */
export const MAX_FILTER_QUERY_LENGTH = 256;
/** @default 100 — most `filter.userIds`: C1's largest page, and one body well under 64 KiB. */
export const MAX_FILTER_USER_IDS = 100;

/** The GraphQL input as resolvers receive it: absent and null alike mean "no such filter". */
export interface PersonalClientFilterInput {
  query?: string | null;
  userIds?: readonly string[] | null;
}

/** What Search is asked, and what a cursor is bound to. */
export interface PersonalClientFilter {
  /** '' for no text filter: C1 (proto3) does not tell an empty string from an unset one. */
  query: string;
  /** In the caller's order, duplicates kept: exactly what C1 is sent. */
  userIds: string[];
}

function badInput(message: string): GatewayError {
  return new GatewayError('BAD_USER_INPUT', message, { outcome: 'badInput' });
}

/**
 * Whether the filter can match no client: `userIds: []` keeps the clients of no user. C1 (proto3)
 * reads an empty `users` as no filter at all and would return every visible client, which is the
 * opposite of what was asked; such a search answers an empty page without asking C1.
 */
export function matchesNone(input: PersonalClientFilterInput | null | undefined): boolean {
  return input?.userIds != null && input.userIds.length === 0;
}

/** The filter to send and bind, or BAD_USER_INPUT before any upstream call. */
export function normalizeFilter(input: PersonalClientFilterInput | null | undefined): PersonalClientFilter {
  const query = input?.query ?? '';
  if (query.length > MAX_FILTER_QUERY_LENGTH) {
    throw badInput(`filter.query must be at most ${MAX_FILTER_QUERY_LENGTH} characters`);
  }
  const userIds = [...(input?.userIds ?? [])];
  if (userIds.length > MAX_FILTER_USER_IDS) throw badInput(`filter.userIds may hold at most ${MAX_FILTER_USER_IDS} ids`);
  userIds.forEach((id, i) => {
    try {
      assertValidId(id);
    } catch (error) {
      // The id itself stays out of the message: it is the caller's input, and errors get logged.
      throw badInput(`filter.userIds[${i}]: ${(error as Error).message}`);
    }
  });
  return { query, userIds };
}
