/**
 * Synthetic personal-client ids the sandbox knows (it answers 200 for each), so cold, fan-out and
 * memory scenarios exercise the real found path rather than 404s. Both sides derive them from an index.
 */

/** 27 characters like a KSUID; index-numbered so every scenario can pick fresh ones without coordination. */
export function benchClientId(index: number): string {
  return `2bench${String(index).padStart(21, '0')}`;
}

/**
 * Hands out pool indices in order, wrapping at the pool size. A wrapped id is still a cache miss as
 * long as the pool is far larger than the gateway's cache bound (LRU keeps only the latest entries).
 */
export class IdSequence {
  #next: number;

  constructor(
    readonly poolSize: number,
    start = 0,
  ) {
    this.#next = start;
  }

  next(): string {
    const id = benchClientId(this.#next % this.poolSize);
    this.#next += 1;
    return id;
  }

  take(count: number): string[] {
    return Array.from({ length: count }, () => this.next());
  }
}
