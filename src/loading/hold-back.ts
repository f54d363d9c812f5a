
/** Runs `fn` once after `ms`; returns a cancel. Injected so tests move time by hand. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** A real timer that never keeps the process alive on its own. */
export const unrefTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface HoldBackOptions {
  /** Longest hold a `Retry-After` may impose, in ms: a bogus date must not stall the pool for hours (UPSTREAM_MAX_HOLD_MS). */
  maxHoldMs: number;
  /** Monotonic milliseconds (performance.now in production): a wall-clock jump is neither latency nor a hold. */
  now: () => number;
  /** Ends a hold: a timer, not the clock, decides, so a test's fixed clock never holds the pool for good. */
  setTimer: SetTimer;
  /** Called when a hold ends, so queued calls (and attempts queued again) go out. */
  onRelease: () => void;
}

/**
 * C1's `Retry-After` on a 429 applies to the whole pool, not to the one request: while it runs,
 * nothing new is sent. One timer per hold; a longer `Retry-After` extends it, a shorter one does not.
 */
export class HoldBack {
  readonly #options: HoldBackOptions;
  #hold: { until: number; cancel: () => void } | undefined;

  constructor(options: HoldBackOptions) {
    this.#options = options;
  }

  get held(): boolean {
    return this.#hold !== undefined;
  }

  /** Milliseconds the hold has left by `now` (0 when none): for estimates only; the timer ends it. */
  get remainingMs(): number {
    return this.#hold === undefined ? 0 : Math.max(0, this.#hold.until - this.#options.now());
  }

  /** Holds the pool back `ms` (at most maxHoldMs), or longer if a hold already runs past that. */
  holdFor(ms: number): void {
    const wait = Math.min(ms, this.#options.maxHoldMs);
    const until = this.#options.now() + wait;
    if (wait <= 0 || (this.#hold !== undefined && until <= this.#hold.until)) return;
    this.#hold?.cancel();
    const release = (): void => {
      this.#hold = undefined;
      this.#options.onRelease();
    };
    this.#hold = { until, cancel: this.#options.setTimer(release, wait) };
  }
}
