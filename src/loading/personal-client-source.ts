import type { CacheHit, ClientCache } from '../cache/client-cache.js';
import type { SharedEntry } from '../cache/redis-cache.js';
import type { SharedCache } from '../cache/shared-cache.js';
import { SingleFlight } from '../cache/single-flight.js';
import type { UpstreamBudget } from '../budget/index.js';
import { isGatewayError, type GatewayError } from '../kernel/errors.js';
import { outcomeOf } from '../resilience/outcome.js';
import { noopObserver, type Observer } from '../kernel/observer.js';
import type { PersonalClient } from '../domain/personal-client.js';
import type { PersonalClientsApi, UpstreamCall } from '../upstream/personal-clients-api.js';
import { refusalsFor } from './budget-charge.js';
import { raceDeadline } from './deadline.js';
import type { Limiter } from './limiter.js';

/** Per-GraphQL-request counters, for the request log line. */
export interface RequestStats {
  upstreamCalls: number;
  cacheHits: number;
  staleServed: number;
}

export interface LoadContext extends UpstreamCall {
  /**
   * Cache partition: one shared value for the service credential; a hash of the caller's token in
   * forward mode, so no caller is ever served what was fetched with another caller's token.
   */
  partition: string;
  /** Whose upstream budget this request's C1 calls are charged to (see security/caller-key.ts). */
  caller: string;
  stats: RequestStats;
}

export interface PersonalClientSourceDeps {
  api: PersonalClientsApi;
  cache: ClientCache<PersonalClient>;
  limiter: Limiter;
  /** Each caller's allowance of C1 calls; cache hits and joined fetches cost nothing. */
  budget: UpstreamBudget;
  observer?: Observer;
  /** The second level shared by all replicas (Redis); absent when REDIS_URL is unset. */
  shared?: SharedCache<PersonalClient> | undefined;
}

export type LoadResult = PersonalClient | null | Error;

/**
 * Where the loaders get personal clients: the cross-request cache first, then a fetch shared with
 * every concurrent request for the same key, under the upstream concurrency cap.
 */
export class PersonalClientSource {
  readonly #deps: Required<Omit<PersonalClientSourceDeps, 'shared'>>;
  readonly #shared: SharedCache<PersonalClient> | undefined;
  readonly #inFlight = new SingleFlight<PersonalClient | null>();

  constructor(deps: PersonalClientSourceDeps) {
    this.#deps = { observer: noopObserver, ...deps };
    this.#shared = deps.shared;
  }

  /** One batch from a request's loader: results in key order, an Error at each failed key. */
  loadMany(ids: readonly string[], ctx: LoadContext): Promise<LoadResult[]> {
    this.#deps.observer.loaderBatch(ids.length);
    if (this.#shared === undefined) return this.#charged(ids, ctx);
    // One Redis round trip for the whole batch, before any id goes upstream.
    return this.#shared
      .lookup(ctx.partition, ids, (id) => localKey(ctx.partition, id))
      .then((fromRedis) => this.#charged(ids, ctx, fromRedis));
  }

  /**
   * Charges the caller once for the ids this batch will fetch itself (not fresh here or in Redis,
   * not joining a fetch in flight), then loads them all; ids past a partial grant fail RATE_LIMITED.
   */
  #charged(ids: readonly string[], ctx: LoadContext, fromRedis?: ReadonlyMap<string, SharedEntry<PersonalClient>>) {
    const loadAll = (refused?: ReadonlyMap<string, GatewayError>) =>
      Promise.all(
        ids.map((id) => this.load(id, ctx, fromRedis, refused?.get(id)).catch((error: unknown) => asError(error))),
      );
    const toFetch = [...new Set(ids)].filter((id) => {
      const key = localKey(ctx.partition, id);
      return this.#deps.cache.getFresh(key) === undefined && !fromRedis?.has(id) && !this.#inFlight.has(key);
    });
    if (toFetch.length === 0) return loadAll();
    // The in-memory budget answers synchronously: then nothing can change between charge and fetch.
    const grant = this.#deps.budget.take(ctx.caller, toFetch.length);
    if (grant instanceof Promise) return grant.then((g) => loadAll(refusalsFor(toFetch, g)));
    return loadAll(refusalsFor(toFetch, grant));
  }

  /**
   * The fresh in-process entry for `id`, or undefined; counts nothing (see `countCacheHits`).
   * Synchronous, so a cached answer needs no promise and no loader batch.
   */
  peekFresh(id: string, ctx: LoadContext): CacheHit<PersonalClient> | undefined {
    return this.#deps.cache.getFresh(localKey(ctx.partition, id));
  }

  /** Counts ids answered through `peekFresh` as `load` counts cache hits. */
  countCacheHits(count: number, ctx: LoadContext): void {
    for (let i = 0; i < count; i += 1) this.#deps.observer.cacheLookup('hit');
    ctx.stats.cacheHits += count;
  }

  /** Reports ids answered through `peekFresh` in one tick as the loader batch they replace. */
  countBatch(size: number): void {
    this.#deps.observer.loaderBatch(size);
  }

  /**
   * `fromRedis`: fresh entries the shared cache found for this batch. `refused`: the caller's budget
   * has no call left for this id, so it is answered only from what needs no new C1 call.
   */
  load(
    id: string,
    ctx: LoadContext,
    fromRedis?: ReadonlyMap<string, SharedEntry<PersonalClient>>,
    refused?: GatewayError,
  ): Promise<PersonalClient | null> {
    const key = localKey(ctx.partition, id);
    const { cache, observer } = this.#deps;
    const hit = cache.getFresh(key);
    if (hit !== undefined) {
      observer.cacheLookup('hit');
      ctx.stats.cacheHits += 1;
      return Promise.resolve(hit.value);
    }
    observer.cacheLookup('miss');
    const remote = fromRedis?.get(id);
    if (remote !== undefined) {
      cache.setUntil(key, remote);
      ctx.stats.cacheHits += 1;
      return Promise.resolve(remote.value);
    }
    if (refused !== undefined && !this.#inFlight.has(key)) {
      observer.budgetRefused();
      return Promise.reject(refused).catch((error: unknown) => this.#staleOr(key, error, ctx));
    }
    const { promise, shared } = this.#inFlight.run(key, () => this.#fetch(key, id, ctx));
    if (!shared) ctx.stats.upstreamCalls += 1;
    return raceDeadline(promise, ctx.signal).catch((error: unknown) => this.#staleOr(key, error, ctx));
  }

  async #fetch(key: string, id: string, ctx: LoadContext): Promise<PersonalClient | null> {
    const { api, cache, limiter, observer } = this.#deps;
    try {
      const upstream = () =>
        limiter.run(async () => {
          observer.upstreamInFlight(1);
          try {
            return await api.get(id, ctx);
          } finally {
            observer.upstreamInFlight(-1);
          }
        }, ctx);
      if (this.#shared !== undefined) {
        // At most one replica calls C1 for this key at a time; the entry keeps the lifetimes it got.
        const entry = await this.#shared.fetch(ctx.partition, id, upstream, ctx.signal);
        cache.setUntil(key, entry);
        return entry.value;
      }
      const value = await upstream();
      cache.set(key, value);
      return value;
    } catch (error) {
      observer.upstreamFailure(isGatewayError(error) ? error.code : 'INTERNAL', { requestId: ctx.requestId, id });
      throw error;
    }
  }

  #staleOr(key: string, error: unknown, ctx: LoadContext): PersonalClient | null {
    // An old value beats an error only where the outcome table says so (C1 down or slow, a budget
    // spent), never where C1 said "you may not see this".
    if (outcomeOf(error).staleServable) {
      const stale = this.#deps.cache.getStale(key);
      if (stale !== undefined) {
        this.#deps.observer.staleServed();
        ctx.stats.staleServed += 1;
        return stale.value;
      }
    }
    throw error;
  }
}

function localKey(partition: string, id: string): string {
  return `${partition}\u0000${id}`;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
