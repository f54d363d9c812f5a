import { systemClock, type Clock } from '../kernel/clock.js';
import { noopObserver, type Observer } from '../kernel/observer.js';
import type { ClientCache } from './client-cache.js';
import { HerdLock } from './herd-lock.js';
import { RedisCache, type SharedEntry } from './redis-cache.js';
import type { RedisGuard } from './redis-guard.js';

export interface SharedCacheOptions<V> {
  /** The replica's Redis connection under its time budget (one guard per connection, so one log per outage). */
  guard: RedisGuard;
  /** The replica's in-process cache: the first level, which Redis fills. */
  local: ClientCache<V>;
  /** First key segment (REDIS_KEY_PREFIX). */
  prefix: string;
  /** Key segment naming the kind of value, e.g. `pc`. */
  kind: string;
  /** Fresh lifetime of a found value, in ms (CACHE_TTL_MS, as the in-process cache). */
  ttlMs: number;
  /** Fresh lifetime of "not found", in ms (CACHE_NOT_FOUND_TTL_MS). */
  notFoundTtlMs: number;
  /** Stale window after freshness, in ms (CACHE_STALE_MS). */
  staleMs: number;
  /** Cross-replica fetch lock window, in ms (REDIS_LOCK_MS). */
  lockMs: number;
  observer?: Observer | undefined;
  clock?: Clock | undefined;
}

/**
 * The second level behind a replica's in-process cache: one MGET per loader batch for the ids the
 * first level misses, and fetches through the cross-replica herd lock whose results land in both.
 * Stale copies found in Redis go into the first level too, so stale-if-error can serve them.
 */
export class SharedCache<V> {
  readonly #local: ClientCache<V>;
  readonly #remote: RedisCache<V>;
  readonly #herd: HerdLock<V>;
  readonly #observer: Observer;
  readonly #clock: Clock;

  constructor(options: SharedCacheOptions<V>) {
    const { guard, local, observer = noopObserver, clock = systemClock } = options;
    this.#local = local;
    this.#remote = new RedisCache<V>({
      guard,
      prefix: options.prefix,
      kind: options.kind,
      ttlMs: options.ttlMs,
      notFoundTtlMs: options.notFoundTtlMs,
      staleMs: options.staleMs,
      clock,
    });
    this.#herd = new HerdLock<V>({ cache: this.#remote, guard, lockMs: options.lockMs, observer });
    this.#observer = observer;
    this.#clock = clock;
  }

  /**
   * Looks up, in one round trip, the ids of a batch that are not fresh in the first level. Returns
   * the fresh entries by id (the caller stores them, keeping their remaining lifetimes).
   */
  async lookup(partition: string, ids: readonly string[], localKey: (id: string) => string) {
    const found = new Map<string, SharedEntry<V>>();
    const missing = ids.filter((id) => this.#local.getFresh(localKey(id)) === undefined);
    if (missing.length === 0) return found;
    const entries = await this.#remote.getMany(partition, missing);
    if (entries === undefined) {
      for (const _ of missing) this.#observer.l2Lookup('error');
      return found;
    }
    missing.forEach((id, i) => {
      const entry = entries[i];
      if (entry !== undefined && this.#remote.isFresh(entry)) {
        found.set(id, entry);
        this.#observer.l2Lookup('hit');
      } else {
        this.#observer.l2Lookup('miss');
        if (entry !== undefined) this.#keepStale(localKey(id), entry);
      }
    });
    return found;
  }

  /** Fetches once across replicas (see HerdLock); the entry goes to Redis here, to the first level by the caller. */
  fetch(partition: string, id: string, fetch: () => Promise<V | null>, signal?: AbortSignal): Promise<SharedEntry<V>> {
    return this.#herd.run(partition, id, fetch, signal);
  }

  /** A stale copy from Redis, unless the first level already holds one that lasts longer. */
  #keepStale(key: string, entry: SharedEntry<V>): void {
    const mine = this.#local.remainingMs(key);
    if (mine === undefined || mine.staleMs < entry.staleUntil - this.#clock()) this.#local.setUntil(key, entry);
  }
}
