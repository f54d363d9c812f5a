/**
 * One cached answer, in either tier: a value, or null for "C1 says it does not exist", with its
 * absolute lifetimes in epoch ms. Fresh until `freshUntil`; after that it is kept until `staleUntil`
 * only for stale-if-error. Errors are never entries.
 */
export interface Entry<V> {
  readonly value: V | null;
  readonly freshUntil: number;
  readonly staleUntil: number;
}

/** The one lifetime policy of both tiers (CACHE_TTL_MS, CACHE_NOT_FOUND_TTL_MS, CACHE_STALE_MS). */
export interface Lifetimes {
  /** How long a found value is served without asking C1, in ms. */
  ttlMs: number;
  /** How long "does not exist" is remembered, in ms. */
  notFoundTtlMs: number;
  /** How long past freshness a value may still be served when C1 is failing, in ms. */
  staleMs: number;
}

/** A value as served: what it is, and for how much longer (ms) it may be served without asking C1. */
export interface Served<V> {
  readonly value: V | null;
  readonly freshMs: number;
}

/** The entry a value fetched (or listed) at `now` gets. */
export function entryFor<V>(value: V | null, now: number, lifetimes: Lifetimes): Entry<V> {
  const freshUntil = now + (value === null ? lifetimes.notFoundTtlMs : lifetimes.ttlMs);
  return { value, freshUntil, staleUntil: freshUntil + lifetimes.staleMs };
}

export function served<V>(entry: Entry<V>, now: number): Served<V> {
  return { value: entry.value, freshMs: entry.freshUntil - now };
}
