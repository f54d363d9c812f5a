import DataLoader from 'dataloader';
import type { Served } from '../cache/entry.js';
import type { Observer } from '../kernel/observer.js';
import { noopTracer, type TraceSpan, type Tracer } from '../kernel/tracer.js';
import type { PersonalClient } from '../domain/personal-client.js';
import type { LoadContext, LoadResult, PersonalClientSource } from './personal-client-source.js';

type Loaded = PersonalClient | null;

export interface Loaders {
  /** The client for `id`: at once when it is fresh in process (the hot path), else the loader's promise. */
  personalClientById(id: string): Loaded | Promise<Loaded>;
  /** The clients for `ids` in order: at once when all are fresh in process, else a promise (an Error at each failed index). */
  personalClientsByIds(ids: readonly string[]): Loaded[] | Promise<LoadResult[]>;
}

export interface LoadersOptions {
  /** Ids per loader batch at most (MAX_BATCH_SIZE). */
  maxBatchSize: number;
  observer: Observer;
  /** A span per tick of in-process hits, in sampled requests only. @default noopTracer */
  tracer?: Tracer;
}

/**
 * A fresh loader set per GraphQL request: every id asked for in one tick (fields, aliases, lists,
 * `_entities`) that is not fresh in process becomes one batch, and identical ids within the request
 * are fetched once. Each id is looked up in process once, here: a hit needs no promise, no batch
 * tick and no DataLoader; only the misses go to the loader, whose batch starts at the next tier.
 * A tick's hits and misses are counted as the one batch of distinct ids DataLoader would have seen.
 */
export function createLoaders(source: PersonalClientSource, ctx: LoadContext, options: LoadersOptions): Loaders {
  const { observer } = options;
  const tracer = options.tracer ?? noopTracer;
  let hitSpan: TraceSpan | undefined; // the tick's in-process lookups, as one span
  let hitCount = 0;
  const endHitSpan = (): void => {
    hitSpan?.set({ 'c1_gateway.cache.hits': hitCount });
    hitSpan?.end();
    hitSpan = undefined;
    hitCount = 0;
  };
  const traceHit = (): void => {
    if (hitSpan === undefined) {
      hitSpan = tracer.start('cache.lookup', ctx.trace, { attributes: { 'c1_gateway.cache.tier': 'memory', 'c1_gateway.cache.outcome': 'hit' } });
      queueMicrotask(endHitSpan);
    }
    hitCount += 1;
  };
  let loader: DataLoader<string, Loaded> | undefined;
  let hits: Set<string> | undefined; // distinct ids answered in process in the current tick
  let batchPending = false; // a batch of misses is scheduled: it will count the tick's hits
  const batchOfMisses = (ids: readonly string[]) => {
    // The tick's hits and this batch of misses are one batch, as DataLoader would have seen them.
    observer.loaderBatch(ids.length + (hits?.size ?? 0));
    hits = undefined;
    batchPending = false;
    return source.loadMany(ids, ctx);
  };
  const endTick = (): void => {
    // Unless a batch of misses is about to take them, the tick's hits are a batch of their own.
    if (hits !== undefined && !batchPending) observer.loaderBatch(hits.size);
    if (!batchPending) hits = undefined;
  };
  const scheduleBatch = (dispatch: () => void): void => {
    batchPending = true;
    // DataLoader's own schedule: after the promise jobs of this tick, before any I/O.
    void Promise.resolve().then(() => process.nextTick(dispatch));
  };
  const hit = (id: string, { value, freshMs }: Served<PersonalClient>): Loaded => {
    if (freshMs < ctx.stats.freshMs) ctx.stats.freshMs = freshMs;
    if (hits === undefined) {
      hits = new Set();
      queueMicrotask(endTick);
    }
    if (!hits.has(id)) {
      hits.add(id);
      observer.cacheLookup('hit');
      ctx.stats.cacheHits += 1;
      if (ctx.trace?.sampled === true) traceHit();
    }
    return value;
  };
  const load = (id: string): Promise<Loaded> => {
    loader ??= new DataLoader(batchOfMisses, { maxBatchSize: options.maxBatchSize, batchScheduleFn: scheduleBatch });
    return loader.load(id);
  };

  return {
    personalClientById(id) {
      const served = source.peek(id, ctx);
      return served === undefined ? load(id) : hit(id, served);
    },
    personalClientsByIds(ids) {
      let pending = false;
      const values = ids.map((id): Loaded | Promise<LoadResult> => {
        const served = source.peek(id, ctx);
        if (served !== undefined) return hit(id, served);
        pending = true;
        return load(id).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      });
      return pending ? Promise.all(values) : (values as Loaded[]);
    },
  };
}
