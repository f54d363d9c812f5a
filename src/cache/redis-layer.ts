import type { Redis } from 'ioredis';
import type { Clock } from '../kernel/clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../kernel/logger.js';
import type { Observer } from '../kernel/observer.js';
import type { PersonalClient } from '../domain/personal-client.js';
import type { ClientCache } from './client-cache.js';
import { closeRedisClient, createRedisClient } from './redis-client.js';
import { RedisGuard } from './redis-guard.js';
import { SharedCache } from './shared-cache.js';

export interface RedisLayer {
  /** The replica's connection (tests and diagnostics read its status). */
  redis: Redis;
  shared: SharedCache<PersonalClient>;
  /** The connection under its time budget, shared by every Redis user (the caller budget too). */
  guard: RedisGuard;
  close(): Promise<void>;
}

/**
 * The shared second-level cache when `REDIS_URL` is set, else undefined: without it no Redis code
 * is built, so the embedded default (the in-process cache alone) is exactly what it was.
 */
export function createRedisLayer(
  config: Config,
  deps: { local: ClientCache<PersonalClient>; observer: Observer; logger: Logger; clock: Clock },
): RedisLayer | undefined {
  if (config.REDIS_URL === undefined) return undefined;
  const { logger } = deps;
  const redis = createRedisClient({
    url: config.REDIS_URL,
    // Connection errors repeat on every reconnection attempt: the guard rate-limits their log lines.
    // (Called only once connecting has begun, after `guard` below exists.)
    onError: (error) => guard.connectionError(error),
    onReady: () => logger.info('shared cache (Redis) connected'),
  });
  // One guard for every Redis user of this connection (the cache, the herd lock, the caller budget):
  // one time budget, one failure count, and one log line per outage, not one per user.
  const guard = new RedisGuard({ redis, timeoutMs: config.REDIS_TIMEOUT_MS, observer: deps.observer, logger, clock: deps.clock });
  const shared = new SharedCache<PersonalClient>({
    guard,
    local: deps.local,
    prefix: config.REDIS_KEY_PREFIX,
    kind: 'pc',
    ttlMs: config.CACHE_TTL_MS,
    notFoundTtlMs: config.CACHE_NOT_FOUND_TTL_MS,
    staleMs: config.CACHE_STALE_MS,
    lockMs: config.REDIS_LOCK_MS,
    observer: deps.observer,
    clock: deps.clock,
  });
  return { redis, shared, guard, close: () => closeRedisClient(redis) };
}
