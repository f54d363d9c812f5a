import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../kernel/clock.js';
import type { Observer } from '../kernel/observer.js';
import { endWith, noopTracer, type TraceRef, type Tracer } from '../kernel/tracer.js';
import { outcomeError } from '../resilience/outcome.js';
import type { Entry } from './entry.js';
import type { RedisGuard } from './redis-guard.js';
import type { RedisTier } from './redis-tier.js';

export interface HerdLockOptions<V> {
  tier: RedisTier<V>;
  guard: RedisGuard;
  /** How long one replica may hold an id's fetch lock, in ms; losers wait at most this long (REDIS_LOCK_MS). */
  lockMs: number;
  observer: Observer;
  clock: Clock;
  /** A span per lock taken or waited for. @default noopTracer */
  tracer?: Tracer;
}

/** First wait before a loser looks for the winner's value, in ms; each next wait doubles. */
const FIRST_POLL_MS = 10;
/** Longest wait between two looks, in ms. */
const MAX_POLL_MS = 250;

// Deletes the lock only if it is still ours: after a slow fetch it may have expired and been taken.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Cross-replica herd protection. When many replicas miss the same id at once, the one that wins
 * `SET NX PX` on the id's lock key calls C1 and stores the value before releasing the lock; the
 * others look for that value a few times within the lock window, then fetch themselves. Any Redis
 * failure on the way means "fetch yourself": the lock saves C1 load, it never blocks a request.
 */
export class HerdLock<V> {
  readonly #tier: RedisTier<V>;
  readonly #guard: RedisGuard;
  readonly #lockMs: number;
  readonly #pollDelaysMs: readonly number[];
  readonly #observer: Observer;
  readonly #clock: Clock;
  readonly #tracer: Tracer;

  constructor(options: HerdLockOptions<V>) {
    this.#tier = options.tier;
    this.#guard = options.guard;
    this.#lockMs = options.lockMs;
    this.#pollDelaysMs = pollDelays(this.#lockMs, FIRST_POLL_MS, MAX_POLL_MS);
    this.#observer = options.observer;
    this.#clock = options.clock;
    this.#tracer = options.tracer ?? noopTracer;
  }

  /**
   * The id's entry, fetched (and stamped) by this replica through `fetch`, or by another one within
   * the lock window. Either way it is in Redis afterwards, if Redis took it.
   */
  async run(partition: string, id: string, fetch: () => Promise<Entry<V>>, signal: AbortSignal | undefined, trace?: TraceRef): Promise<Entry<V>> {
    // The span covers taking the lock and waiting for another replica's value, not this replica's fetch.
    const span = this.#tracer.start('cache.herd_lock.wait', trace);
    const outcome = (value: 'acquired' | 'waited' | 'fallback'): void => {
      this.#observer.l2Lock(value);
      span?.set({ 'c1_gateway.herd_lock.outcome': value });
      span?.end();
    };
    const lockKey = this.#tier.lockKey(partition, id);
    const token = randomUUID();
    const taken = await this.#guard.run((redis) => redis.set(lockKey, token, 'PX', this.#lockMs, 'NX'));
    if (taken === 'OK') {
      outcome('acquired');
      try {
        const entry = await fetch();
        // Stored before the lock goes, so a loser that sees the lock gone also sees the value.
        await this.#tier.set(partition, [[id, entry]], this.#clock());
        return entry;
      } finally {
        void this.#guard.run((redis) => redis.eval(RELEASE, 1, lockKey, token));
      }
    }
    if (taken === null) {
      let entry: Entry<V> | undefined;
      try {
        entry = await this.#waitForValue(partition, id, signal);
      } catch (error) {
        endWith(span, error);
        throw error;
      }
      if (entry !== undefined) {
        outcome('waited');
        return entry;
      }
    }
    // Redis failed, or the winner gave up or is too slow: fetch here, and share the result anyway.
    outcome('fallback');
    const entry = await fetch();
    void this.#tier.set(partition, [[id, entry]], this.#clock());
    return entry;
  }

  async #waitForValue(partition: string, id: string, signal: AbortSignal | undefined) {
    for (const delayMs of this.#pollDelaysMs) {
      try {
        await sleep(delayMs, undefined, signal === undefined ? {} : { signal });
      } catch {
        throw outcomeError('deadline', "The request deadline passed while waiting for another replica's fetch");
      }
      const now = this.#clock();
      const seen = await this.#tier.peek(partition, id, now);
      if (seen === undefined) return undefined;
      if (seen.entry !== undefined && now < seen.entry.freshUntil) return seen.entry;
      // No value and no lock: the winner's fetch failed. Waiting longer would not help.
      if (!seen.locked) return undefined;
    }
    return undefined;
  }
}

/** Doubling waits, capped, that add up to no more than the lock window. */
function pollDelays(lockMs: number, firstMs: number, maxMs: number): number[] {
  const delays: number[] = [];
  let total = 0;
  for (let next = firstMs; total + next <= lockMs; next = Math.min(next * 2, maxMs)) {
    delays.push(next);
    total += next;
  }
  return delays;
}
