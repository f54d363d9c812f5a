import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../kernel/clock.js';
import { LogThrottle } from '../kernel/log-throttle.js';
import type { Logger } from '../kernel/logger.js';
import { noopObserver, type Observer } from '../kernel/observer.js';

export type RedisFailure = 'timeout' | 'unavailable' | 'oom' | 'other';

export interface RedisGuardOptions {
  redis: Redis;
  /** Budget for one Redis call, in ms; past it the caller falls back to the in-process path (REDIS_TIMEOUT_MS). */
  timeoutMs: number;
  observer?: Observer | undefined;
  logger?: Logger | undefined;
  /** @default 10_000 — at most one log line per failure kind per interval, in ms. */
  logIntervalMs?: number | undefined;
  clock?: Clock | undefined;
}

/**
 * Runs every Redis call of the shared cache under a small time budget and turns each failure into
 * `undefined`: Redis is an optimisation, never a dependency, so its errors never reach a request.
 * Each failure is counted on the observer; the log gets one line per kind per interval, so an outage
 * under load does not flood it.
 */
export class RedisGuard {
  readonly redis: Redis;
  readonly #timeoutMs: number;
  readonly #observer: Observer;
  readonly #logger: Logger | undefined;
  readonly #clock: Clock;
  readonly #logIntervalMs: number;
  /** One throttle per failure kind: an outage's first line of each kind, then one per interval. */
  readonly #throttles = new Map<RedisFailure, LogThrottle>();

  constructor(options: RedisGuardOptions) {
    this.redis = options.redis;
    this.#timeoutMs = options.timeoutMs;
    this.#observer = options.observer ?? noopObserver;
    this.#logger = options.logger;
    this.#logIntervalMs = options.logIntervalMs ?? 10 * 1000;
    this.#clock = options.clock ?? systemClock;
  }

  /** The call's result, or undefined when Redis is down, slow, full or failing. Never rejects. */
  async run<T>(call: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    // Disconnected or reconnecting: don't even try (the offline queue is off, so it would fail anyway).
    if (this.redis.status !== 'ready') return this.#fail('unavailable');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      // Timers run before I/O in an event-loop turn: after a busy stretch the budget would expire
      // ahead of a reply that is already in the socket. setImmediate lets that reply win first.
      timer = setTimeout(() => setImmediate(() => resolve(TIMED_OUT)), this.#timeoutMs);
    });
    const attempt = call(this.redis);
    // A late answer or error after the budget is dropped, and must not become an unhandled rejection.
    attempt.catch(() => undefined);
    try {
      const result = await Promise.race([attempt, timedOut]);
      return result === TIMED_OUT ? this.#fail('timeout') : result;
    } catch (error) {
      return this.#fail(classify(error), error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reports a connection-level problem (the client's 'error' event) without a failed call. */
  connectionError(error: unknown): void {
    this.#log('unavailable', error);
  }

  #fail(kind: RedisFailure, error?: unknown): undefined {
    this.#observer.l2Error(kind);
    this.#log(kind, error);
    return undefined;
  }

  #log(kind: RedisFailure, error: unknown): void {
    if (this.#logger === undefined) return;
    let throttle = this.#throttles.get(kind);
    if (throttle === undefined) {
      throttle = new LogThrottle({ linesPerInterval: 1, intervalMs: this.#logIntervalMs, clock: this.#clock });
      this.#throttles.set(kind, throttle);
    }
    const admitted = throttle.admit();
    if (admitted === undefined) return;
    // The message only: ioredis errors name the host and the command, never the URL's password.
    const reason = error instanceof Error ? error.message : kind;
    this.#logger.warn({ kind, reason, ...admitted }, 'shared cache (Redis) failed; serving from the in-process path');
  }
}

const TIMED_OUT = Symbol('timed out');

function classify(error: unknown): RedisFailure {
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('OOM')) return 'oom';
  if (/writeable|Connection is closed|max retries per request|ECONNREFUSED|ECONNRESET|EPIPE/i.test(message)) {
    return 'unavailable';
  }
  return 'other';
}
