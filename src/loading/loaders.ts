import DataLoader from 'dataloader';
import type { Served } from '../cache/entry.js';
import type { Observer } from '../kernel/observer.js';
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
