/**
 * `User.personalClients` for many users at once (a router's `_entities` with many User references).
 *
 * The batching rule: the first pages asked for in one tick by two or more distinct users become one
 * Search with `users: [{id}, ...]` and C1's largest page (100). A user is answered from that page when
 * the page is C1's last (every match of every user is in it) or when it holds more than `first` of
 * theirs (their first `first` are known, and so is that more follow). Every other user, and every
 * request with `after`, gets a Search of their own. So n users cost 1 call when their clients fit in
 * 100, and at most n + 1 otherwise. Each user gets only items whose `userId` is theirs.
 *
 * This relies on C1 ordering a Search the same whatever its `users` filter (one order, filtered):
 * then a user's items in the combined page are the start of their own listing, and a cursor into
 * their own listing (`pageToken` '', an offset) continues it.
 */
import DataLoader from 'dataloader';
import { C1_PAGE_SIZE, c1PageSize } from '../upstream/personal-clients-api.js';
import type { PersonalClient } from '../domain/personal-client.js';
import type { PagePosition, PersonalClientPages, Slice } from './personal-client-pages.js';
import type { LoadContext } from './personal-client-source.js';

export interface UserClientsKey {
  userId: string;
  first: number;
  /** Decoded from the cursor before any upstream call; undefined for the first page. */
  after: PagePosition | undefined;
}

export type UserClientsLoader = DataLoader<UserClientsKey, Slice, string>;

/** One user's own listing: what the per-user walk and the user's cursors are bound to. */
export const userListing = (userId: string) => ({ kind: 'search', query: '', userIds: [userId] }) as const;

/** A loader for one GraphQL request. `maxBatchSize` keeps a combined Search within C1's `users` bound. */
export function createUserClientsLoader(pages: PersonalClientPages, ctx: LoadContext, maxBatchSize: number): UserClientsLoader {
  return new DataLoader<UserClientsKey, Slice, string>((keys) => loadBatch(pages, ctx, keys), {
    maxBatchSize,
    cacheKeyFn: (key) => JSON.stringify([key.userId, key.first, key.after ?? null]),
  });
}

async function loadBatch(pages: PersonalClientPages, ctx: LoadContext, keys: readonly UserClientsKey[]): Promise<(Slice | Error)[]> {
  const firstPages = keys.filter((key) => key.after === undefined);
  const combined = new Set(firstPages.map((key) => key.userId)).size >= 2 ? await combinedPage(pages, ctx, firstPages) : undefined;
  return Promise.all(
    keys.map(async (key) => {
      try {
        const fromCombined = key.after === undefined ? combined?.(key) : undefined;
        return fromCombined ?? (await pages.walk(userListing(key.userId), key.first, key.after, ctx));
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    }),
  );
}

/** One Search for all those users; answers a key from it when the rule above allows, else undefined. */
async function combinedPage(pages: PersonalClientPages, ctx: LoadContext, keys: readonly UserClientsKey[]) {
  const userIds = [...new Set(keys.map((key) => key.userId))];
  let page;
  try {
    page = await pages.page({ kind: 'search', query: '', userIds }, '', C1_PAGE_SIZE.max, ctx);
  } catch (error) {
    // Every one of these users gets the error at their own field: asking C1 again per user, while
    // it fails or the budget is spent, would multiply the load by the number of users.
    return (): never => {
      throw error;
    };
  }
  const byUser = new Map<string, PersonalClient[]>();
  for (const client of page.items) {
    if (client.userId !== null) byUser.set(client.userId, [...(byUser.get(client.userId) ?? []), client]);
  }
  const complete = page.nextPageToken === '';
  return (key: UserClientsKey): Slice | undefined => {
    const own = byUser.get(key.userId) ?? [];
    if (!complete && own.length <= key.first) return undefined;
    const pageSize = c1PageSize(key.first);
    return {
      items: own.slice(0, key.first).map((node, i) => ({ node, after: { pageToken: '', pageSize, offset: i + 1 } })),
      hasNextPage: own.length > key.first,
    };
  };
}
