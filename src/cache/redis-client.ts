import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export interface RedisClientOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` for TLS. */
  url: string;
  /** @default 2_000 — how long one connection attempt may take, in ms. */
  connectTimeoutMs?: number;
  /** @default 2_000 — longest pause between reconnection attempts, in ms. */
  maxReconnectDelayMs?: number;
  /** Connection-level errors (refused, reset, auth). Without a listener ioredis prints them itself. */
  onError?: (error: Error) => void;
  /** Each time the connection becomes usable, including after a reconnection. */
  onReady?: () => void;
  /** Each time a usable connection is lost (ioredis then reconnects in the background). */
  onClose?: () => void;
}

/**
 * The one Redis connection of a replica, set up for a cache that must never hold a request up:
 * commands fail at once while disconnected (no offline queue) and are never replayed after a
 * reconnect, while the connection itself is retried for ever in the background, so an outage
 * heals without a restart. ioredis was chosen for exactly these knobs, and because it pipelines
 * every command on one socket, which suits many small MGET/SET calls.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const maxDelayMs = options.maxReconnectDelayMs ?? 2 * 1000;
  const redis = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 2 * 1000,
    retryStrategy: (times) => Math.min(times * 100, maxDelayMs),
  });
  redis.on('error', (error: Error) => options.onError?.(error));
  redis.on('ready', () => options.onReady?.());
  redis.on('close', () => options.onClose?.());
  return redis;
}

/** Says goodbye if Redis answers within the budget, then drops the connection and stops reconnecting. */
export async function closeRedisClient(redis: Redis, budgetMs = 1_000): Promise<void> {
  if (redis.status === 'ready') {
    const timeout = new AbortController();
    await Promise.race([
      redis.quit().catch(() => undefined),
      sleep(budgetMs, undefined, { signal: timeout.signal }).catch(() => undefined),
    ]);
    timeout.abort();
  }
  redis.disconnect();
}
