import type { Clock } from '../kernel/clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../kernel/logger.js';
import type { Observer } from '../kernel/observer.js';
import { closeRedisClient, createRedisClient } from './redis-client.js';
import { RedisGuard } from './redis-guard.js';
import type { SharedTierOptions } from './tiered-cache.js';

export interface RedisLayer {
  /** The tiered cache's shared tier. */
  shared: SharedTierOptions;
  /** The connection under its time budget, shared by every Redis user (the caller budget too). */
  guard: RedisGuard;
  close(): Promise<void>;
}

/**
 * The replica's Redis connection when `REDIS_URL` is set, else undefined: without it no Redis code
 * is built, so the embedded default (the in-process tier alone) is exactly what it was.
 */
export function createRedisLayer(config: Config, deps: { observer: Observer; logger: Logger; clock: Clock }): RedisLayer | undefined {
  if (config.REDIS_URL === undefined) return undefined;
  const { logger, observer } = deps;
  const redis = createRedisClient({
    url: config.REDIS_URL,
    // Connection errors repeat on every reconnection attempt: the guard rate-limits their log lines.
    // (Called only once connecting has begun, after `guard` below exists.)
    onError: (error) => guard.connectionError(error),
    onReady: () => {
      logger.info('shared cache (Redis) connected');
      observer.l2Connection('up');
    },
    onClose: () => observer.l2Connection('down'),
  });
  // One guard for every Redis user of this connection (the cache, the herd lock, the caller budget):
  // one time budget, one failure count, and one log line per outage, not one per user.
  const guard = new RedisGuard({ redis, timeoutMs: config.REDIS_TIMEOUT_MS, observer, logger, clock: deps.clock });
  observer.l2Connection('down');
  return {
    shared: { guard, prefix: config.REDIS_KEY_PREFIX, lockMs: config.REDIS_LOCK_MS },
    guard,
    close: () => closeRedisClient(redis),
  };
}
