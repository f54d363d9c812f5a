import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../kernel/clock.js';

export interface ClientCacheOptions {
  /** Entries kept at most; the least recently used go first (CACHE_MAX_ENTRIES). */
  maxEntries: number;
  /** How long a found value is served without asking C1, in ms (CACHE_TTL_MS). */
  ttlMs: number;
  /** How long "does not exist" is remembered, in ms (CACHE_NOT_FOUND_TTL_MS). */
  notFoundTtlMs: number;
  /** How long past its TTL a value may still be served when C1 is failing, in ms (CACHE_STALE_MS). */
  staleMs: number;
  clock?: Clock;
}

interface Entry<V> {
  value: V | null;
  freshUntil: number;
  staleUntil: number;
}

export interface CacheHit<V> {
  value: V | null;
}

/**
 * The cross-request cache: values (or "not found") by key, fresh for a TTL, then kept for a stale
 * window in which they are only served if C1 fails. Errors are never stored. Bounded by entry count;
 * timestamps come from the injected clock, so tests move time instead of waiting for it.
 */
export class ClientCache<V> {
  readonly #lru: LRUCache<string, Entry<V>>;
  readonly #ttlMs: number;
  readonly #notFoundTtlMs: number;
  readonly #staleMs: number;
  readonly #clock: Clock;

  constructor(options: ClientCacheOptions) {
    this.#lru = new LRUCache({ max: options.maxEntries });
    this.#ttlMs = options.ttlMs;
    this.#notFoundTtlMs = options.notFoundTtlMs;
    this.#staleMs = options.staleMs;
    this.#clock = options.clock ?? systemClock;
  }

  /** A value still inside its TTL, or undefined. */
  getFresh(key: string): CacheHit<V> | undefined {
    const entry = this.#lru.get(key);
    if (entry === undefined) return undefined;
    return this.#clock() < entry.freshUntil ? entry : undefined;
  }

  /** A value past its TTL but inside the stale window, for serving when C1 fails. */
  getStale(key: string): CacheHit<V> | undefined {
    const entry = this.#lru.peek(key);
    if (entry === undefined) return undefined;
    if (this.#clock() < entry.staleUntil) return entry;
    this.#lru.delete(key);
    return undefined;
  }

  /** Stores a found value (or null for "not found", with the shorter TTL). */
  set(key: string, value: V | null): void {
    const ttl = value === null ? this.#notFoundTtlMs : this.#ttlMs;
    if (ttl <= 0 && this.#staleMs <= 0) return;
    const now = this.#clock();
    this.#lru.set(key, { value, freshUntil: now + ttl, staleUntil: now + ttl + this.#staleMs });
  }

  /**
   * Stores a value with lifetimes decided elsewhere: an entry read from the shared (Redis) cache
   * keeps what is left of its TTL and stale window, rather than starting them again.
   */
  setUntil(key: string, entry: { value: V | null; freshUntil: number; staleUntil: number }): void {
    if (this.#clock() >= entry.staleUntil) return;
    this.#lru.set(key, { value: entry.value, freshUntil: entry.freshUntil, staleUntil: entry.staleUntil });
  }

  /** The stored entry's timestamps, for a second-level cache that writes the same lifetimes. */
  remainingMs(key: string): { freshMs: number; staleMs: number } | undefined {
    const entry = this.#lru.peek(key);
    if (entry === undefined) return undefined;
    const now = this.#clock();
    return { freshMs: entry.freshUntil - now, staleMs: entry.staleUntil - now };
  }

  clear(): void {
    this.#lru.clear();
  }

  get size(): number {
    return this.#lru.size;
  }
}
