import { LRUCache } from 'lru-cache';
import type { Clock } from '../kernel/clock.js';
import { fullBucket, take, type BucketLimits, type BucketState, type Grant } from './token-bucket.js';

export interface LocalBudgetOptions extends BucketLimits {
  /**
   * Callers whose buckets are kept (CALLER_BUDGET_MAX_CALLERS); the least recently charged is
   * forgotten first (and starts again with a full bucket), so memory stays bounded whatever callers appear.
   */
  maxCallers: number;
  clock: Clock;
}

/** One replica's buckets, in memory: the whole budget without Redis, the fallback with it. */
export class LocalBudget {
  readonly #buckets: LRUCache<string, BucketState>;
  readonly #limits: BucketLimits;
  readonly #clock: Clock;

  constructor(options: LocalBudgetOptions) {
    this.#buckets = new LRUCache({ max: options.maxCallers });
    this.#limits = { ratePerSecond: options.ratePerSecond, burst: options.burst };
    this.#clock = options.clock;
  }

  /** Takes up to `n` tokens from `caller`'s bucket. */
  take(caller: string, n: number): Grant {
    const now = this.#clock();
    const result = take(this.#buckets.get(caller) ?? fullBucket(this.#limits, now), n, now, this.#limits);
    this.#buckets.set(caller, result.state);
    return result.grant;
  }

  get size(): number {
    return this.#buckets.size;
  }
}
