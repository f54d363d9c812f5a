import { LRUCache } from 'lru-cache';
import type { Entry } from './entry.js';

/**
 * The replica's own tier: entries by key, bounded by count (the least recently used go first).
 * It only stores and finds; lifetimes are stamped by the tiered cache, and `now` comes from its clock.
 */
export class MemoryTier<V> {
  readonly #lru: LRUCache<string, Entry<V>>;

  constructor(maxEntries: number) {
    this.#lru = new LRUCache({ max: maxEntries });
  }

  /** The entry if still fresh at `now` (and marks it recently used), else undefined. */
  fresh(key: string, now: number): Entry<V> | undefined {
    const entry = this.#lru.get(key);
    return entry !== undefined && now < entry.freshUntil ? entry : undefined;
  }

  /** The entry if inside its stale window at `now`, fresh or not, without touching its recency. */
  alive(key: string, now: number): Entry<V> | undefined {
    const entry = this.#lru.peek(key);
    if (entry === undefined) return undefined;
    if (now < entry.staleUntil) return entry;
    this.#lru.delete(key);
    return undefined;
  }

  /** Stores the entry unless it has already expired. */
  keep(key: string, entry: Entry<V>, now: number): void {
    if (now < entry.staleUntil) this.#lru.set(key, entry);
  }

  /** Stores a stale copy (from the shared tier) unless the one held here lasts longer. */
  keepLonger(key: string, entry: Entry<V>, now: number): void {
    const mine = this.#lru.peek(key);
    if (mine === undefined || mine.staleUntil < entry.staleUntil) this.keep(key, entry, now);
  }

  get size(): number {
    return this.#lru.size;
  }
}
