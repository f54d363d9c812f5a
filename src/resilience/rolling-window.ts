import type { Clock } from '../kernel/clock.js';

const BUCKETS = 10;

interface Bucket {
  start: number;
  total: number;
  failures: number;
}

/**
 * Attempt and failure counts over the last `windowMs`, kept in ten time buckets so memory stays
 * constant however many attempts go through (a list of timestamps would grow with the load).
 */
export class RollingWindow {
  readonly #bucketMs: number;
  readonly #buckets: Bucket[] = [];

  constructor(
    readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    this.#bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  }

  add(failure: boolean): void {
    const start = Math.floor(this.clock() / this.#bucketMs) * this.#bucketMs;
    this.#prune();
    let bucket = this.#buckets.at(-1);
    if (bucket?.start !== start) {
      bucket = { start, total: 0, failures: 0 };
      this.#buckets.push(bucket);
    }
    bucket.total += 1;
    if (failure) bucket.failures += 1;
  }

  counts(): { total: number; failures: number } {
    this.#prune();
    let total = 0;
    let failures = 0;
    for (const b of this.#buckets) {
      total += b.total;
      failures += b.failures;
    }
    return { total, failures };
  }

  clear(): void {
    this.#buckets.length = 0;
  }

  #prune(): void {
    const oldest = this.clock() - this.windowMs;
    while (this.#buckets.length > 0 && (this.#buckets[0]?.start ?? 0) + this.#bucketMs <= oldest) this.#buckets.shift();
  }
}
