/**
 * Concurrent callers asking for the same key share one in-flight promise. The entry is dropped as
 * soon as it settles, so nothing here outlives a request (results are cached elsewhere, errors never).
 */
export class SingleFlight<V> {
  readonly #inFlight = new Map<string, Promise<V>>();

  run(key: string, work: () => Promise<V>): { promise: Promise<V>; shared: boolean } {
    const existing = this.#inFlight.get(key);
    if (existing !== undefined) return { promise: existing, shared: true };
    const promise = work().finally(() => this.#inFlight.delete(key));
    // Every waiter handles the outcome on its own chain; if all of them gave up (deadline), a
    // later rejection must still not surface as an unhandled rejection.
    promise.catch(() => undefined);
    this.#inFlight.set(key, promise);
    return { promise, shared: false };
  }

  /** Whether a `run` for `key` is in flight (a new `run` would join it). */
  has(key: string): boolean {
    return this.#inFlight.has(key);
  }

  get size(): number {
    return this.#inFlight.size;
  }
}
