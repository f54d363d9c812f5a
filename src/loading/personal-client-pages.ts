/**
 * Walking C1's List and Search pages for a connection: the slice of `first` items from a position,
 * every page charged to the caller's budget and run under the limiter like a GET, and every client
 * a page returns primed into the tiered cache (its partition, the normal TTL), so a following read
 * by id costs no GET. Pages themselves are not kept: a C1 page token is only good "for a while", and
 * a stale page would hide a created or deleted credential; the nodes are what is reused.
 */
import type { TieredCache } from '../cache/tiered-cache.js';
import type { UpstreamBudget } from '../budget/index.js';
import { isGatewayError } from '../kernel/errors.js';
import type { Observer } from '../kernel/observer.js';
import type { PersonalClient } from '../domain/personal-client.js';
import { outcomeError } from '../resilience/outcome.js';
import { C1_PAGE_SIZE, c1PageSize, type PersonalClientPage, type PersonalClientsApi } from '../upstream/personal-clients-api.js';
import { rateLimited } from './budget-charge.js';
import type { Limiter } from './limiter.js';
import type { LoadContext } from './personal-client-source.js';

/** Which C1 listing a connection walks: the caller's own (List), or a filtered Search. */
export type Listing = { kind: 'list' } | { kind: 'search'; query: string; userIds: readonly string[] };

/** Where a listing continues (what a cursor holds; see graphql/cursor.ts). */
export interface PagePosition {
  /** C1's token of the page holding the next item; '' for the first page. */
  pageToken: string;
  /** The page size that page is asked with: the same token with another size is another page. */
  pageSize: number;
  /** Items of that page already yielded. */
  offset: number;
}

export interface ListedClient {
  node: PersonalClient;
  /** The position right after this item: where a cursor on it continues. */
  after: PagePosition;
}

export interface Slice {
  items: ListedClient[];
  hasNextPage: boolean;
}

export interface PersonalClientPagesDeps {
  api: PersonalClientsApi;
  cache: TieredCache<PersonalClient>;
  limiter: Limiter;
  budget: UpstreamBudget;
  observer: Observer;
}

/**
 * Most C1 pages one walk asks for: a walk starts inside a page (offset < page size) and page sizes
 * are at least C1's minimum, so `first` items span at most this many pages. Past it C1 is answering
 * empty pages with a next token, and the walk stops rather than loop.
 */
export function maxPagesPerWalk(first: number): number {
  return 1 + Math.ceil(first / C1_PAGE_SIZE.min);
}

export class PersonalClientPages {
  readonly #deps: PersonalClientPagesDeps;

  constructor(deps: PersonalClientPagesDeps) {
    this.#deps = deps;
  }

  /**
   * Up to `first` items of `listing` from `from` (the start when undefined), in C1's order, each
   * once: C1's pages are sliced, and each item's position says where the next slice starts.
   */
  async walk(listing: Listing, first: number, from: PagePosition | undefined, ctx: LoadContext): Promise<Slice> {
    let position = from ?? { pageToken: '', pageSize: c1PageSize(first), offset: 0 };
    const items: ListedClient[] = [];
    for (let pages = 0; pages < maxPagesPerWalk(first); pages += 1) {
      const page = await this.page(listing, position.pageToken, position.pageSize, ctx);
      const { pageToken, pageSize, offset } = position;
      const taken = page.items.slice(offset, offset + first - items.length);
      taken.forEach((node, i) => {
        const end = offset + i + 1;
        // An item that ends its page continues at the next one: no call is spent re-reading this page.
        const after = end >= page.items.length && page.nextPageToken !== ''
          ? { pageToken: page.nextPageToken, pageSize, offset: 0 }
          : { pageToken, pageSize, offset: end };
        items.push({ node, after });
      });
      const moreHere = offset + taken.length < page.items.length;
      if (items.length === first || page.nextPageToken === '') {
        return { items, hasNextPage: moreHere || page.nextPageToken !== '' };
      }
      position = { pageToken: page.nextPageToken, pageSize, offset: 0 };
    }
    if (items.length === 0) throw outcomeError('unexpected', 'C1 kept answering empty pages with a next page token');
    return { items, hasNextPage: true };
  }

  /** One C1 page: charged, limited, counted, and its clients primed. Malformed pages throw before priming. */
  async page(listing: Listing, pageToken: string, pageSize: number, ctx: LoadContext): Promise<PersonalClientPage> {
    const { api, budget, cache, limiter, observer } = this.#deps;
    const grant = await budget.take(ctx.caller, 1);
    if (grant.granted < 1) {
      observer.budgetRefused();
      throw rateLimited(grant.retryAfterMs);
    }
    ctx.stats.upstreamCalls += 1;
    // Pages are never kept (a kept page would hide a credential just created or deleted), so an answer
    // that lists has no freshness to offer a cache above us: Cache-Control says no-store.
    ctx.stats.freshMs = 0;
    try {
      const page = await limiter.run(
        () =>
          listing.kind === 'list'
            ? api.list({ pageSize, pageToken }, ctx)
            : api.search({ pageSize, pageToken, query: listing.query, userIds: listing.userIds }, ctx),
        ctx,
      );
      // decodePageResponse refused any page with an id-less item, so every id here is a real one.
      cache.prime(ctx.partition, page.items.map((client) => [client.id ?? '', client] as const));
      return page;
    } catch (error) {
      observer.upstreamFailure(isGatewayError(error) ? error.code : 'INTERNAL', { requestId: ctx.requestId, trace: ctx.trace });
      throw error;
    }
  }
}
