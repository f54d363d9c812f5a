import DataLoader from 'dataloader';
import type { PersonalClient } from '../personal-client.js';
import type { LoadContext, PersonalClientSource } from './personal-client-source.js';

export interface Loaders {
  personalClient: DataLoader<string, PersonalClient | null>;
}

/**
 * A fresh loader set per GraphQL request: every id asked for in one tick (fields, aliases, lists,
 * `_entities`) becomes one batch, and identical ids within the request are fetched once.
 */
export function createLoaders(source: PersonalClientSource, ctx: LoadContext, maxBatchSize: number): Loaders {
  return {
    personalClient: new DataLoader((ids) => source.loadMany(ids, ctx), { maxBatchSize }),
  };
}
