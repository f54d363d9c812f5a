import type { Clock } from './clock.js';

export interface LogThrottleOptions {
  /** Lines allowed per interval. */
  linesPerInterval: number;
  /** @default 10_000 — the interval, in ms. */
  intervalMs?: number;
  clock: Clock;
}

/**
 * Lets at most `linesPerInterval` lines through per interval, so a caller who can cause a log
 * line cannot flood the log. Says how many were held back, on the first line let through after.
 */
export class LogThrottle {
  readonly #max: number;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #windowStart = -Infinity;
  #inWindow = 0;
  #suppressed = 0;

  constructor(options: LogThrottleOptions) {
    this.#max = options.linesPerInterval;
    this.#intervalMs = options.intervalMs ?? 10 * 1000;
    this.#clock = options.clock;
  }

  /** Undefined when the line must be dropped; else how many were dropped since the last one let through. */
  admit(): { suppressed: number } | undefined {
    const now = this.#clock();
    if (now - this.#windowStart >= this.#intervalMs) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    if (this.#inWindow >= this.#max) {
      this.#suppressed += 1;
      return undefined;
    }
    this.#inWindow += 1;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    return { suppressed };
  }
}
