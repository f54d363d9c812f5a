import DataLoader from 'dataloader';
import type { PersonalClient } from '../domain/personal-client.js';
import type { LoadContext, LoadResult, PersonalClientSource } from './personal-client-source.js';

type Loaded = PersonalClient | null;

export interface Loaders {
  /** Built on first use: a request answered entirely from the cache never allocates one. */
  readonly personalClient: DataLoader<string, Loaded>;
  /** The client for `id`: at once when it is fresh in the cache (the hot path), else the loader's promise. */
  personalClientById(id: string): Loaded | Promise<Loaded>;
  /** The clients for `ids` in order: at once when all are cached, else one loader batch (an Error at each failed index). */
  personalClientsByIds(ids: readonly string[]): Loaded[] | Promise<LoadResult[]>;
}

/**
 * A fresh loader set per GraphQL request: every id asked for in one tick (fields, aliases, lists,
 * `_entities`) becomes one batch, and identical ids within the request are fetched once. A field
 * whose ids are all cached skips the loader: no promise, no batch tick, no DataLoader allocated.
 * Such ids are still counted as the loader would have: one hit per distinct id and one batch per tick.
 */
export function createLoaders(source: PersonalClientSource, ctx: LoadContext, maxBatchSize: number): Loaders {
  let loader: DataLoader<string, Loaded> | undefined;
  let tick: Set<string> | undefined; // ids answered from the cache in the current tick
  const endTick = (): void => {
    if (tick !== undefined) source.countBatch(tick.size);
    tick = undefined;
  };
  const count = (id: string): void => {
    if (tick === undefined) {
      tick = new Set();
      queueMicrotask(endTick);
    }
    if (tick.has(id)) return;
    tick.add(id);
    source.countCacheHits(1, ctx);
  };

  const loaders: Loaders = {
    get personalClient() {
      loader ??= new DataLoader((ids) => source.loadMany(ids, ctx), { maxBatchSize });
      return loader;
    },
    personalClientById(id) {
      const hit = source.peekFresh(id, ctx);
      if (hit === undefined) return loaders.personalClient.load(id);
      count(id);
      return hit.value;
    },
    personalClientsByIds(ids) {
      const values: Loaded[] = [];
      for (const id of ids) {
        const hit = source.peekFresh(id, ctx);
        if (hit === undefined) return loaders.personalClient.loadMany(ids);
        values.push(hit.value);
      }
      ids.forEach(count);
      return values;
    },
  };
  return loaders;
}
