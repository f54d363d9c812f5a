import type { Entry } from './entry.js';
import type { RedisGuard } from './redis-guard.js';

/**
 * Bumped whenever the stored JSON changes shape: replicas of different versions then use disjoint
 * keys during a rolling deploy instead of misreading each other's entries.
 */
const KEY_FORMAT_VERSION = 'v1';

export interface RedisTierOptions {
  guard: RedisGuard;
  /** First key segment, so several gateways (or apps) can share one Redis (REDIS_KEY_PREFIX). */
  prefix: string;
  /** What the values are, as a key segment (e.g. `pc` for personal clients). */
  kind: string;
}

/**
 * The tier shared by every replica. Keys are `<prefix>:v1:<kind>:<partition>:<id>`; the partition is
 * `svc` or a token hash (never a raw token, and never a `:`), so the layout is unambiguous. A value
 * lives in Redis for its fresh and stale lifetimes together (`PX`), and carries both timestamps so any
 * replica can tell which it is. Every call goes through the guard: a failure reads as "Redis had nothing".
 */
export class RedisTier<V> {
  readonly #guard: RedisGuard;
  readonly #values: string;
  readonly #locks: string;

  constructor(options: RedisTierOptions) {
    this.#guard = options.guard;
    const base = `${options.prefix}:${KEY_FORMAT_VERSION}`;
    this.#values = `${base}:${options.kind}`;
    this.#locks = `${base}:lock:${options.kind}`;
  }

  #valueKey(partition: string, id: string): string {
    return `${this.#values}:${partition}:${id}`;
  }

  lockKey(partition: string, id: string): string {
    return `${this.#locks}:${partition}:${id}`;
  }

  /** One MGET for a whole batch: an entry (fresh or stale) or undefined per id; undefined if Redis failed. */
  async getMany(partition: string, ids: readonly string[], now: number): Promise<(Entry<V> | undefined)[] | undefined> {
    const raw = await this.#guard.run((redis) => redis.mget(ids.map((id) => this.#valueKey(partition, id))));
    return raw?.map((text) => decode<V>(text, now));
  }

  /** The stored entry and whether another replica holds the fetch lock, in one round trip. */
  async peek(partition: string, id: string, now: number): Promise<{ entry: Entry<V> | undefined; locked: boolean } | undefined> {
    const raw = await this.#guard.run((redis) => redis.mget(this.#valueKey(partition, id), this.lockKey(partition, id)));
    if (raw === undefined) return undefined;
    return { entry: decode<V>(raw[0] ?? null, now), locked: raw[1] !== null && raw[1] !== undefined };
  }

  /** Stores each entry until its stale window ends, in one round trip. False when Redis did not take them. */
  async set(partition: string, entries: readonly (readonly [string, Entry<V>])[], now: number): Promise<boolean> {
    const live = entries.filter(([, entry]) => entry.staleUntil - now >= 1);
    if (live.length === 0) return true;
    const args = ([id, entry]: readonly [string, Entry<V>]) =>
      [this.#valueKey(partition, id), JSON.stringify(entry), 'PX', Math.ceil(entry.staleUntil - now)] as const;
    if (live.length === 1) {
      // The cold path stores one entry per fetch: a plain SET, no pipeline to build.
      return (await this.#guard.run((redis) => redis.set(...args(live[0]!)))) === 'OK';
    }
    const stored = await this.#guard.run((redis) => {
      const pipeline = redis.pipeline();
      for (const entry of live) pipeline.set(...args(entry));
      return pipeline.exec();
    });
    return stored?.every(([error]) => error === null) ?? false;
  }
}

/** A stored entry still inside its stale window, or undefined (absent, expired or unreadable). */
function decode<V>(text: string | null, now: number): Entry<V> | undefined {
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
