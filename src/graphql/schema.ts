import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { applyCacheHints, type CacheHints } from './cache-hints.js';
import { createResolvers, type ResolverOptions } from './resolvers.js';

type SubgraphModule = Extract<Parameters<typeof buildSubgraphSchema>[0], unknown[]>[number];
type ResolverMap = NonNullable<Extract<SubgraphModule, { resolvers?: unknown }>['resolvers']>;

/** `schema.graphql` at the project root: the same file from `src/` (tsx) and from `dist/` (node). */
export const SCHEMA_PATH = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

export function loadTypeDefs(path = SCHEMA_PATH): string {
  return readFileSync(path, 'utf8');
}

export interface SchemaOptions extends ResolverOptions {
  /** The `@cacheControl` hints' lifetime and scope, so the SDL agrees with the `Cache-Control` header. */
  cacheHints: CacheHints;
}

/**
 * The Federation v2 subgraph schema: our SDL, its cache hints set from config, plus `_service` and
 * `_entities`, built by @apollo/subgraph.
 */
export function buildSchema(options: SchemaOptions, typeDefs = loadTypeDefs()): GraphQLSchema {
  return buildSubgraphSchema([
    {
      typeDefs: applyCacheHints(parse(typeDefs), options.cacheHints),
      // The map is typed for our context; @apollo/subgraph's type is context-agnostic.
      resolvers: createResolvers(options) as unknown as ResolverMap,
    },
  ]);
}
