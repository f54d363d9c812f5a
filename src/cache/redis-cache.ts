import { systemClock, type Clock } from '../kernel/clock.js';
import type { RedisGuard } from './redis-guard.js';

/**
 * Bumped whenever the stored JSON changes shape: replicas of different versions then use disjoint
 * keys during a rolling deploy instead of misreading each other's entries.
 */
const KEY_FORMAT_VERSION = 'v1';

/** What one Redis value holds: the value (null = "not found") and its absolute lifetimes, in epoch ms. */
export interface SharedEntry<V> {
  value: V | null;
  freshUntil: number;
  staleUntil: number;
}

export interface RedisCacheOptions {
  guard: RedisGuard;
  /** First key segment, so several gateways (or apps) can share one Redis (REDIS_KEY_PREFIX). */
  prefix: string;
  /** What the values are, as a key segment (e.g. `pc` for personal clients). */
  kind: string;
  /** How long a found value is fresh, in ms (CACHE_TTL_MS, the in-process cache's TTL). */
  ttlMs: number;
  /** How long "not found" is fresh, in ms (CACHE_NOT_FOUND_TTL_MS). */
  notFoundTtlMs: number;
  /** How long past freshness a value is kept for stale-if-error, in ms (CACHE_STALE_MS). */
  staleMs: number;
  clock?: Clock | undefined;
}

/**
 * The second-level cache in Redis, shared by every replica. Keys are
 * `<prefix>:v1:<kind>:<partition>:<id>`; the partition is `svc` or a token hash (never a raw
 * token, and never a `:`), so the layout is unambiguous. A value lives in Redis for its fresh and
 * stale lifetimes together (`PX`), and carries both timestamps so any replica can tell which it is.
 * Every call goes through the guard: a failure reads as "Redis had nothing".
 */
export class RedisCache<V> {
  readonly #guard: RedisGuard;
  readonly #base: string;
  readonly #kind: string;
  readonly #ttlMs: number;
  readonly #notFoundTtlMs: number;
  readonly #staleMs: number;
  readonly #clock: Clock;

  constructor(options: RedisCacheOptions) {
    this.#guard = options.guard;
    this.#base = `${options.prefix}:${KEY_FORMAT_VERSION}`;
    this.#kind = options.kind;
    this.#ttlMs = options.ttlMs;
    this.#notFoundTtlMs = options.notFoundTtlMs;
    this.#staleMs = options.staleMs;
    this.#clock = options.clock ?? systemClock;
  }

  valueKey(partition: string, id: string): string {
    return `${this.#base}:${this.#kind}:${partition}:${id}`;
  }

  lockKey(partition: string, id: string): string {
    return `${this.#base}:lock:${this.#kind}:${partition}:${id}`;
  }

  /** One MGET for a whole batch: an entry (fresh or stale) or undefined per id; undefined if Redis failed. */
  async getMany(partition: string, ids: readonly string[]): Promise<(SharedEntry<V> | undefined)[] | undefined> {
    if (ids.length === 0) return [];
    const raw = await this.#guard.run((redis) => redis.mget(ids.map((id) => this.valueKey(partition, id))));
    return raw?.map((text) => decode<V>(text, this.#clock()));
  }

  /** The stored entry and whether another replica holds the fetch lock, in one round trip. */
  async peek(partition: string, id: string): Promise<{ entry: SharedEntry<V> | undefined; locked: boolean } | undefined> {
    const raw = await this.#guard.run((redis) => redis.mget(this.valueKey(partition, id), this.lockKey(partition, id)));
    if (raw === undefined) return undefined;
    return { entry: decode<V>(raw[0] ?? null, this.#clock()), locked: raw[1] !== null && raw[1] !== undefined };
  }

  /** Still inside its TTL (on this replica's clock), so it may be served without asking C1. */
  isFresh(entry: SharedEntry<V>): boolean {
    return this.#clock() < entry.freshUntil;
  }

  /** The entry a value fetched now gets: the same lifetimes as the in-process cache. */
  entryFor(value: V | null): SharedEntry<V> {
    const now = this.#clock();
    const freshUntil = now + (value === null ? this.#notFoundTtlMs : this.#ttlMs);
    return { value, freshUntil, staleUntil: freshUntil + this.#staleMs };
  }

  /** Stores the entry until its stale window ends. False when Redis did not take it. */
  async set(partition: string, id: string, entry: SharedEntry<V>): Promise<boolean> {
    const lifetimeMs = Math.ceil(entry.staleUntil - this.#clock());
    if (lifetimeMs <= 0) return true;
    const stored = await this.#guard.run((redis) =>
      redis.set(this.valueKey(partition, id), JSON.stringify(entry), 'PX', lifetimeMs),
    );
    return stored === 'OK';
  }
}

/** A stored entry still inside its stale window, or undefined (absent, expired or unreadable). */
function decode<V>(text: string | null, now: number): SharedEntry<V> | undefined {
  if (text === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { value, freshUntil, staleUntil } = parsed as Record<string, unknown>;
  if (typeof freshUntil !== 'number' || typeof staleUntil !== 'number' || now >= staleUntil) return undefined;
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) return undefined;
  return { value: value as V | null, freshUntil, staleUntil };
}
