/**
 * `User.personalClients` for many users at once (a router's `_entities` with many User references).
 *
 * The batching rule. The first pages asked for in one tick are grouped, in order, so that each
 * group's `first`s add up to at most C1's largest page (100). A group of two or more users is one
 * Search with `users: [{id}, ...]` and a page of 100; a user alone gets a Search of their own, as
 * does every request with `after`. A user is answered from the combined page when it is C1's last
 * page (it holds all their clients) or holds at least `first` of theirs; the others get their own
 * Search. When their clients fit in 100, a group costs one call. When they do not, the page is full,
 * and since the group's `first`s add up to at most 100, at least one user has `first` in it: a
 * group of k costs at most k calls. So n users cost one call per group (ceil(Σ first / 100) or so)
 * when most users have few clients, as is usual, and never more than n. Each user gets only the
 * items whose `userId` is theirs.
 *
 * This relies on C1 ordering a Search the same whatever its `users` filter (one order, filtered):
 * then a user's items in the combined page are the start of their own listing, and a cursor into
 * their own listing (`pageToken` '', an offset) continues it. When a user has exactly `first` in a
 * combined page that is not the last, `hasNextPage` is true: more may follow, and Relay lets a
 * next page come back empty.
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
  const answers = await Promise.all(groupsOf(keys).map((group) => combinedPage(pages, ctx, group)));
  const answer = (key: UserClientsKey) => {
    for (const from of answers) {
      const slice = from(key);
      if (slice !== undefined) return slice;
    }
    return undefined;
  };
  return Promise.all(
    keys.map(async (key) => {
      try {
        return (key.after === undefined ? answer(key) : undefined) ?? (await pages.walk(userListing(key.userId), key.first, key.after, ctx));
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    }),
  );
}

/** Users of first pages, grouped in order so that each group's largest `first`s fit one C1 page; groups of one dropped. */
function groupsOf(keys: readonly UserClientsKey[]): Map<string, number>[] {
  const firsts = new Map<string, number>();
  for (const key of keys) if (key.after === undefined) firsts.set(key.userId, Math.max(key.first, firsts.get(key.userId) ?? 0));
  const groups: Map<string, number>[] = [];
  let group = new Map<string, number>();
  let size = 0;
  for (const [userId, first] of firsts) {
    if (size + first > C1_PAGE_SIZE.max && group.size > 0) {
      groups.push(group);
      group = new Map();
      size = 0;
    }
    group.set(userId, first);
    size += first;
  }
  groups.push(group);
  return groups.filter((g) => g.size >= 2);
}

/** One Search for the group's users; answers a key of theirs from it when the rule above allows, else undefined. */
async function combinedPage(pages: PersonalClientPages, ctx: LoadContext, group: ReadonlyMap<string, number>) {
  let page;
  try {
    page = await pages.page({ kind: 'search', query: '', userIds: [...group.keys()] }, '', C1_PAGE_SIZE.max, ctx);
  } catch (error) {
    // Every one of these users gets the error at their own field: asking C1 again per user, while
    // it fails or the budget is spent, would multiply the load by the number of users.
    return (key: UserClientsKey): Slice | undefined => {
      if (group.has(key.userId)) throw error;
      return undefined;
    };
  }
  const byUser = new Map<string, PersonalClient[]>();
  for (const client of page.items) {
    if (client.userId === null || !group.has(client.userId)) continue;
    const own = byUser.get(client.userId);
    if (own === undefined) byUser.set(client.userId, [client]);
    else own.push(client);
  }
  const complete = page.nextPageToken === '';
  return (key: UserClientsKey): Slice | undefined => {
    if (!group.has(key.userId)) return undefined;
    const own = byUser.get(key.userId) ?? [];
    if (!complete && own.length < key.first) return undefined;
    const pageSize = c1PageSize(key.first);
    return {
      items: own.slice(0, key.first).map((node, i) => ({ node, after: { pageToken: '', pageSize, offset: i + 1 } })),
      hasNextPage: own.length > key.first || !complete,
    };
  };
}
