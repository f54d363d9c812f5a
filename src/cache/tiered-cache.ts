import type { Clock } from '../kernel/clock.js';
import type { Observer } from '../kernel/observer.js';
import { noopTracer, type TraceRef, type Tracer } from '../kernel/tracer.js';
import { raceDeadline } from '../resilience/deadline.js';
import { entryFor, served, type Entry, type Lifetimes, type Served } from './entry.js';
import { HerdLock } from './herd-lock.js';
import { MemoryTier } from './memory-tier.js';
import type { RedisGuard } from './redis-guard.js';
import { RedisTier } from './redis-tier.js';
import { SingleFlight } from './single-flight.js';

/** The tier shared by every replica, when REDIS_URL is set. */
export interface SharedTierOptions {
  /** The replica's Redis connection under its time budget. */
  guard: RedisGuard;
  /** First key segment (REDIS_KEY_PREFIX). */
  prefix: string;
  /** Cross-replica fetch lock window, in ms (REDIS_LOCK_MS). */
  lockMs: number;
}

export interface TieredCacheOptions {
  /** Key segment naming the kind of value in Redis, e.g. `pc`. */
  kind: string;
  /** In-process entries kept at most (CACHE_MAX_ENTRIES). */
  maxEntries: number;
  lifetimes: Lifetimes;
  shared: SharedTierOptions | undefined;
  observer: Observer;
  clock: Clock;
  /** A span per tier lookup and herd-lock wait, under the batch's span. @default noopTracer */
  tracer?: Tracer;
}

/** The ids of a batch that some tier refused to fetch (a spent budget), with the error each gets. */
export type Refusals = ReadonlyMap<string, Error> | undefined;

/** How a batch reaches past the tiers: the one request that leads each fetch supplies it. */
export interface Fetcher<V> {
  /**
   * Called once per batch, with the distinct ids no tier holds and no fetch in flight serves: the
   * ones this batch would fetch itself. May refuse some; a refused id still joins a fetch that
   * another request starts meanwhile.
   */
  admit(ids: readonly string[]): Refusals | Promise<Refusals>;
  fetch(id: string): Promise<V | null>;
  /** The request's deadline: it stops waiting (UPSTREAM_TIMEOUT), while a shared fetch goes on for others. */
  signal: AbortSignal | undefined;
  /** The batch's span, parent of its lookup spans; absent when tracing is off. */
  trace?: TraceRef | undefined;
}

/** A value a batch got past the in-process tier: from Redis, or fetched (by this request or another). */
export type Loaded<V> = (Served<V> & { readonly from: 'shared' | 'fetch' }) | Error;

/**
 * The read-through cache: the in-process tier, then the shared Redis tier (one MGET per batch),
 * then one fetch per key across concurrent requests (and, with Redis, across replicas through the
 * herd lock), then the fetcher. Both tiers hold the same entries under one lifetime policy; the
 * key scheme (partition plus id) is private to it. Every value served says how much longer it is fresh.
 */
export class TieredCache<V> {
  readonly #memory: MemoryTier<V>;
  readonly #redis: RedisTier<V> | undefined;
  readonly #herd: HerdLock<V> | undefined;
  readonly #flights = new SingleFlight<Entry<V>>();
  readonly #lifetimes: Lifetimes;
  readonly #observer: Observer;
  readonly #clock: Clock;
  readonly #tracer: Tracer;

  constructor(options: TieredCacheOptions) {
    const { shared, observer, clock } = options;
    this.#tracer = options.tracer ?? noopTracer;
    this.#memory = new MemoryTier(options.maxEntries);
    this.#lifetimes = options.lifetimes;
    this.#observer = observer;
    this.#clock = clock;
    if (shared !== undefined) {
      const { guard, prefix, lockMs } = shared;
      this.#redis = new RedisTier<V>({ guard, prefix, kind: options.kind });
      this.#herd = new HerdLock<V>({ tier: this.#redis, guard, lockMs, observer, clock, tracer: this.#tracer });
    }
  }

  /**
   * The in-process tier alone, synchronously: the hot path, which needs no promise and no batch.
   * Counts nothing; whoever serves the value counts it.
   */
  peek(partition: string, id: string): Served<V> | undefined {
    const now = this.#clock();
    const entry = this.#memory.fresh(memoryKey(partition, id), now);
    return entry === undefined ? undefined : served(entry, now);
  }

  /**
   * A batch of ids the in-process tier did not have (see `peek`), in order: each a value or an Error.
   * One MGET asks Redis for all of them; the rest are fetched, each once however many ask.
   */
  async load(partition: string, ids: readonly string[], fetcher: Fetcher<V>): Promise<Loaded<V>[]> {
    for (let i = 0; i < ids.length; i += 1) this.#observer.cacheLookup('miss');
    // The in-process lookup happened in `peek`; its span is recorded here, with the batch.
    this.#tracer.start('cache.lookup', fetcher.trace, { attributes: { 'c1_gateway.cache.tier': 'memory', 'c1_gateway.cache.outcome': 'miss', 'c1_gateway.cache.misses': ids.length } })?.end();
    const results: (Loaded<V> | undefined)[] = new Array(ids.length);
    if (this.#redis !== undefined) await this.#fromRedis(this.#redis, partition, ids, results, fetcher.trace);
    const toFetch = new Set<string>();
    ids.forEach((id, i) => {
      if (results[i] === undefined && !this.#flights.has(memoryKey(partition, id))) toFetch.add(id);
    });
    const admitted = toFetch.size === 0 ? undefined : fetcher.admit([...toFetch]);
    const refusals = admitted instanceof Promise ? await admitted : admitted;
    return Promise.all(
      ids.map((id, i) => results[i] ?? this.#fetched(partition, id, fetcher, refusals?.get(id))),
    );
  }

  /** A value past freshness but inside its stale window, for stale-if-error; undefined otherwise. */
  stale(partition: string, id: string): Served<V> | undefined {
    const now = this.#clock();
    const entry = this.#memory.alive(memoryKey(partition, id), now);
    return entry === undefined ? undefined : served(entry, now);
  }

  /**
   * Stores values obtained some other way (a list or search page) in both tiers, fresh from now,
   * so a later read by id costs no fetch. Redis is written in one round trip, not awaited.
   */
  prime(partition: string, entries: Iterable<readonly [id: string, value: V | null]>): void {
    const now = this.#clock();
    const stamped: [string, Entry<V>][] = [];
    for (const [id, value] of entries) {
      const entry = entryFor(value, now, this.#lifetimes);
      this.#memory.keep(memoryKey(partition, id), entry, now);
      stamped.push([id, entry]);
    }
    this.#observer.cacheEntries(this.#memory.size);
    if (this.#redis !== undefined && stamped.length > 0) void this.#redis.set(partition, stamped, now);
  }

  /** Entries held in process (diagnostics). */
  get size(): number {
    return this.#memory.size;
  }

  async #fromRedis(redis: RedisTier<V>, partition: string, ids: readonly string[], results: (Loaded<V> | undefined)[], trace: TraceRef | undefined) {
    const span = this.#tracer.start('cache.lookup', trace, { attributes: { 'c1_gateway.cache.tier': 'redis' } });
    const found = await redis.getMany(partition, ids, this.#clock());
    const now = this.#clock();
    const counts = { hits: 0, misses: 0, stale: 0 };
    ids.forEach((id, i) => {
      const entry = found?.[i];
      if (found === undefined) return this.#observer.l2Lookup('error');
      if (entry !== undefined && now < entry.freshUntil) {
        counts.hits += 1;
        this.#observer.l2Lookup('hit');
        this.#memory.keep(memoryKey(partition, id), entry, now);
        results[i] = { ...served(entry, now), from: 'shared' };
        return;
      }
      this.#observer.l2Lookup('miss');
      if (entry === undefined) counts.misses += 1;
      else counts.stale += 1;
      // A stale copy stays at hand in process, so stale-if-error can serve it if the fetch fails.
      if (entry !== undefined) this.#memory.keepLonger(memoryKey(partition, id), entry, now);
    });
    if (found === undefined) span?.fail('REDIS_UNAVAILABLE');
    span?.set({ 'c1_gateway.cache.outcome': found === undefined ? 'error' : lookupOutcome(counts), 'c1_gateway.cache.hits': counts.hits, 'c1_gateway.cache.misses': counts.misses, 'c1_gateway.cache.stale': counts.stale });
    span?.end();
  }

  #fetched(partition: string, id: string, fetcher: Fetcher<V>, refused: Error | undefined): Promise<Loaded<V>> {
    const key = memoryKey(partition, id);
    if (refused !== undefined && !this.#flights.has(key)) return Promise.resolve(refused);
    const { promise } = this.#flights.run(key, () => this.#fetch(partition, id, key, fetcher));
    return raceDeadline(promise, fetcher.signal).then(
      (entry): Loaded<V> => ({ ...served(entry, this.#clock()), from: 'fetch' }),
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
  }

  async #fetch(partition: string, id: string, key: string, fetcher: Fetcher<V>): Promise<Entry<V>> {
    const stamped = async () => entryFor(await fetcher.fetch(id), this.#clock(), this.#lifetimes);
    // With Redis, at most one replica fetches this key at a time; the entry keeps the lifetimes it got.
    const entry = this.#herd === undefined ? await stamped() : await this.#herd.run(partition, id, stamped, fetcher.signal, fetcher.trace);
    this.#memory.keep(key, entry, this.#clock());
    this.#observer.cacheEntries(this.#memory.size);
    return entry;
  }
}

/** One word for a batch's lookup (exact for a batch of one; the counts say the rest): all hits, else any stale, else miss. */
function lookupOutcome(counts: { hits: number; misses: number; stale: number }): 'hit' | 'stale' | 'miss' {
  if (counts.misses + counts.stale === 0) return 'hit';
  return counts.stale > 0 ? 'stale' : 'miss';
}

/** Partition and id, in process: the NUL cannot occur in either (ids are checked at the edge). */
function memoryKey(partition: string, id: string): string {
  return `${partition}\u0000${id}`;
}
