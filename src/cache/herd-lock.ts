import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { outcomeError } from '../resilience/outcome.js';
import { noopObserver, type Observer } from '../kernel/observer.js';
import type { RedisCache, SharedEntry } from './redis-cache.js';
import type { RedisGuard } from './redis-guard.js';

export interface HerdLockOptions<V> {
  cache: RedisCache<V>;
  guard: RedisGuard;
  /** How long one replica may hold an id's fetch lock, in ms; losers wait at most this long (REDIS_LOCK_MS). */
  lockMs: number;
  /** @default 10 — first wait before a loser looks for the winner's value, in ms; each next wait doubles. */
  firstPollMs?: number | undefined;
  /** @default 250 — longest wait between two looks, in ms. */
  maxPollMs?: number | undefined;
  observer?: Observer | undefined;
}

// Deletes the lock only if it is still ours: after a slow fetch it may have expired and been taken.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Cross-replica herd protection. When many replicas miss the same id at once, the one that wins
 * `SET NX PX` on the id's lock key calls C1 and stores the value before releasing the lock; the
 * others look for that value a few times within the lock window, then fetch themselves. Any Redis
 * failure on the way means "fetch yourself": the lock saves C1 load, it never blocks a request.
 */
export class HerdLock<V> {
  readonly #cache: RedisCache<V>;
  readonly #guard: RedisGuard;
  readonly #lockMs: number;
  readonly #pollDelaysMs: readonly number[];
  readonly #observer: Observer;

  constructor(options: HerdLockOptions<V>) {
    this.#cache = options.cache;
    this.#guard = options.guard;
    this.#lockMs = options.lockMs;
    this.#pollDelaysMs = pollDelays(this.#lockMs, Math.max(1, options.firstPollMs ?? 10), options.maxPollMs ?? 250);
    this.#observer = options.observer ?? noopObserver;
  }

  /** The id's entry, fetched by this replica or by another one within the lock window. */
  async run(
    partition: string,
    id: string,
    fetch: () => Promise<V | null>,
    signal?: AbortSignal,
  ): Promise<SharedEntry<V>> {
    const lockKey = this.#cache.lockKey(partition, id);
    const token = randomUUID();
    const taken = await this.#guard.run((redis) => redis.set(lockKey, token, 'PX', this.#lockMs, 'NX'));
    if (taken === 'OK') {
      this.#observer.l2Lock('acquired');
      try {
        const entry = this.#cache.entryFor(await fetch());
        // Stored before the lock goes, so a loser that sees the lock gone also sees the value.
        await this.#cache.set(partition, id, entry);
        return entry;
      } finally {
        void this.#guard.run((redis) => redis.eval(RELEASE, 1, lockKey, token));
      }
    }
    if (taken === null) {
      const entry = await this.#waitForValue(partition, id, signal);
      if (entry !== undefined) {
        this.#observer.l2Lock('waited');
        return entry;
      }
    }
    // Redis failed, or the winner gave up or is too slow: fetch here, and share the result anyway.
    this.#observer.l2Lock('fallback');
    const entry = this.#cache.entryFor(await fetch());
    void this.#cache.set(partition, id, entry);
    return entry;
  }

  async #waitForValue(partition: string, id: string, signal: AbortSignal | undefined) {
    for (const delayMs of this.#pollDelaysMs) {
      try {
        await sleep(delayMs, undefined, signal === undefined ? {} : { signal });
      } catch {
        throw outcomeError('deadline', "The request deadline passed while waiting for another replica's fetch");
      }
      const seen = await this.#cache.peek(partition, id);
      if (seen === undefined) return undefined;
      if (seen.entry !== undefined && this.#cache.isFresh(seen.entry)) return seen.entry;
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
