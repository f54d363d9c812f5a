import type { Served } from '../cache/entry.js';
import type { Fetcher, Refusals, TieredCache } from '../cache/tiered-cache.js';
import type { UpstreamBudget } from '../budget/index.js';
import { isGatewayError } from '../kernel/errors.js';
import type { Observer } from '../kernel/observer.js';
import { endWith, noopTracer, type TraceRef, type Tracer } from '../kernel/tracer.js';
import { outcomeOf } from '../resilience/outcome.js';
import type { PersonalClient } from '../domain/personal-client.js';
import type { PersonalClientsApi, UpstreamCall } from '../upstream/personal-clients-api.js';
import { refusalsFor } from './budget-charge.js';
import type { Limiter } from './limiter.js';

/** Per-GraphQL-request counters, for the request log line. */
export interface RequestStats {
  upstreamCalls: number;
  cacheHits: number;
  staleServed: number;
  /** The least remaining freshness (ms) of the values served so far; Infinity before the first. */
  freshMs: number;
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
  cache: TieredCache<PersonalClient>;
  limiter: Limiter;
  /** Each caller's allowance of C1 calls; cache hits and joined fetches cost nothing. */
  budget: UpstreamBudget;
  observer: Observer;
  /** A span per loader batch, parent of its lookups and C1 attempts. @default noopTracer */
  tracer?: Tracer;
}

export type LoadResult = PersonalClient | null | Error;

/**
 * Where the loaders get personal clients. The tiered cache does the looking up; this adds what
 * concerns C1: the caller's budget, the concurrency limiter, stale-if-error, and the request's counts.
 */
export class PersonalClientSource {
  readonly #deps: PersonalClientSourceDeps;
  readonly #tracer: Tracer;

  constructor(deps: PersonalClientSourceDeps) {
    this.#deps = deps;
    this.#tracer = deps.tracer ?? noopTracer;
  }

  /** The fresh in-process value for `id`, synchronously, or undefined. Counts nothing (the loaders do). */
  peek(id: string, ctx: LoadContext): Served<PersonalClient> | undefined {
    return this.#deps.cache.peek(ctx.partition, id);
  }

  /** One loader batch of ids that `peek` missed: results in key order, an Error at each failed key. */
  async loadMany(ids: readonly string[], ctx: LoadContext): Promise<LoadResult[]> {
    const span = this.#tracer.start('loader.batch', ctx.trace, { attributes: { 'c1_gateway.batch.size': ids.length } });
    let refusals: Refusals;
    let loaded: Awaited<ReturnType<TieredCache<PersonalClient>['load']>>;
    try {
      loaded = await this.#deps.cache.load(ctx.partition, ids, this.#fetcher(ctx, (r) => (refusals = r), span?.ref));
    } catch (error) {
      endWith(span, error);
      throw error;
    }
    span?.end();
    return loaded.map((result, i) => {
      if (!(result instanceof Error)) {
        if (result.from === 'shared') ctx.stats.cacheHits += 1;
        if (result.freshMs < ctx.stats.freshMs) ctx.stats.freshMs = result.freshMs;
        return result.value;
      }
      if (result === refusals?.get(ids[i]!)) this.#deps.observer.budgetRefused();
      return this.#staleOr(ids[i]!, result, ctx, span?.ref);
    });
  }

  /** How the cache reaches C1 for this request: charged to its caller, under the limiter. */
  #fetcher(ctx: LoadContext, refused: (refusals: Refusals) => void, trace: TraceRef | undefined): Fetcher<PersonalClient> {
    const { api, budget, limiter, observer } = this.#deps;
    // In a sampled request, C1 attempts are children of the batch; otherwise the request is the call.
    const call = trace === undefined ? ctx : callUnder(ctx, trace);
    return {
      trace,
      // Read only when a fetch is joined or made: a batch Redis answers whole never needs a deadline timer.
      get signal() {
        return ctx.signal;
      },
      // Charged once per batch for the ids it fetches itself; ids past a partial grant fail RATE_LIMITED.
      admit: (ids) => {
        const grant = budget.take(ctx.caller, ids.length);
        // The in-memory budget answers synchronously: then nothing can change between charge and fetch.
        if (grant instanceof Promise) return grant.then((g) => recorded(refusalsFor(ids, g), refused));
        return recorded(refusalsFor(ids, grant), refused);
      },
      fetch: async (id) => {
        ctx.stats.upstreamCalls += 1;
        try {
          return await limiter.run(() => api.get(id, call), ctx);
        } catch (error) {
          observer.upstreamFailure(isGatewayError(error) ? error.code : 'INTERNAL', { requestId: ctx.requestId, id, trace: trace ?? ctx.trace });
          throw error;
        }
      },
    };
  }

  #staleOr(id: string, error: Error, ctx: LoadContext, trace: TraceRef | undefined): PersonalClient | null | Error {
    // An old value beats an error only where the outcome table says so (C1 down or slow, a budget
    // spent), never where C1 said "you may not see this".
    if (!outcomeOf(error).staleServable) return error;
    const stale = this.#deps.cache.stale(ctx.partition, id);
    const outcome = stale === undefined ? 'miss' : 'stale';
    this.#tracer.start('cache.lookup', trace, { attributes: { 'c1_gateway.cache.tier': 'memory', 'c1_gateway.cache.outcome': outcome } })?.end();
    if (stale === undefined) return error;
    this.#deps.observer.staleServed();
    ctx.stats.staleServed += 1;
    return stale.value;
  }
}

/** The request's upstream call with the batch's span as the parent of its attempts. */
function callUnder(ctx: LoadContext, trace: TraceRef): UpstreamCall {
  const remaining = ctx.remainingMs;
  return {
    tokens: ctx.tokens,
    trace,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    ...(remaining === undefined ? {} : { remainingMs: () => remaining.call(ctx) }),
    // A getter, as the request's own: its deadline timer starts only if a call needs it.
    get signal() {
      return ctx.signal as AbortSignal;
    },
  };
}

function recorded(refusals: Refusals, record: (refusals: Refusals) => void): Refusals {
  record(refusals);
  return refusals;
}
