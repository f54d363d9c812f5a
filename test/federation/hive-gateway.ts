import { composeServices } from '@apollo/composition';
import { createGatewayRuntime, useHttpCache, type GatewayConfig } from '@graphql-hive/gateway';
import { parse } from 'graphql';

type CacheStorage = NonNullable<GatewayConfig['cache']>;

/** Which of Hive Gateway's two caches sits in front of the subgraph. */
export type HiveCaching = 'http-cache' | 'response-cache';

export interface HiveGateway {
  /** POSTs one operation to the gateway in-process and returns the parsed body. */
  query(query: string, headers?: Record<string, string>): Promise<{ data?: unknown; errors?: unknown[] }>;
  close(): Promise<void>;
}

/**
 * Our subgraph's SDL composed into a supergraph by @apollo/composition, as `rover supergraph
 * compose` would, with the subgraph found at `url`.
 */
export function composeSupergraph(sdl: string, url: string): string {
  const result = composeServices([{ name: 'c1', url, typeDefs: parse(sdl) }]);
  if (result.errors !== undefined || result.supergraphSdl === undefined) {
    throw new Error(`composition failed: ${result.errors?.map(String).join('; ')}`);
  }
  return result.supergraphSdl;
}

/**
 * Hive Gateway (`@graphql-hive/gateway`'s `createGatewayRuntime`) in-process over `supergraph`,
 * with one of its caches on and `clock` as the cache storage's clock.
 *
 * - 'http-cache': `useHttpCache` (@graphql-mesh/plugin-http-cache) keeps each subgraph answer as an
 *   HTTP shared cache would (http-cache-semantics), for as long as its `Cache-Control` allows.
 * - 'response-cache': `responseCaching` (@graphql-mesh/plugin-response-cache) keeps whole answers,
 *   for the least of the supergraph's `@cacheControl` hints and each subgraph answer's max-age.
 *
 * Both hand the lifetime to the storage as a TTL; the storage here expires entries on the test's
 * clock, so "after max-age" is a clock move, not a wait.
 */
export function startHiveGateway(supergraph: string, caching: HiveCaching, clock: () => number): HiveGateway {
  const cache = clockedStorage(clock);
  const gateway = createGatewayRuntime({
    supergraph,
    cache,
    logging: false,
    // The caller's bearer goes on to the subgraph, as forward mode needs.
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => {
        const authorization = request.headers.get('authorization');
        return authorization === null ? {} : { authorization };
      },
    },
    ...(caching === 'http-cache'
      ? { plugins: (ctx) => [useHttpCache({ ...ctx, cache })] }
      : { responseCaching: { session: () => null } }),
  });
  return {
    async query(query, headers = {}) {
      const response = await gateway.fetch('http://hive.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as { data?: unknown; errors?: unknown[] };
    },
    close: async () => {
      await gateway.dispose();
    },
  };
}

/**
 * A Map with per-entry expiry on an injected clock: the KeyValueCache contract (TTL in seconds,
 * absent means forever) that Hive Gateway's Redis and in-memory storages also keep.
 */
function clockedStorage(clock: () => number): CacheStorage {
  const entries = new Map<string, { value: unknown; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry !== undefined && entry.expiresAt <= clock()) entries.delete(key);
    return entries.get(key);
  };
  return {
    get: (key) => live(key)?.value,
    set(key, value, options) {
      const ttl = options?.ttl;
      entries.set(key, { value, expiresAt: ttl == null ? Number.POSITIVE_INFINITY : clock() + ttl * 1000 });
    },
    delete: (key) => entries.delete(key),
    getKeysByPrefix: (prefix) => [...entries.keys()].filter((key) => key.startsWith(prefix) && live(key) !== undefined),
  };
}
