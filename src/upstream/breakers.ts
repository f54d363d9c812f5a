import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.js';

export interface BreakersOptions extends Omit<CircuitBreakerOptions, 'onStateChange'> {
  /** Called on every state change of any origin's breaker. */
  onStateChange?: (origin: string, state: BreakerState) => void;
}

/**
 * One circuit breaker per upstream origin, made on first use, so a failing token host and a
 * healthy API host (or the reverse) never share a verdict. The set of origins is fixed by config.
 */
export class Breakers {
  readonly #byOrigin = new Map<string, CircuitBreaker>();

  constructor(private readonly options: BreakersOptions = {}) {}

  /** The breaker for `url`'s origin (any URL on it, or the origin itself). */
  for(url: string): CircuitBreaker {
    const origin = new URL(url).origin;
    let breaker = this.#byOrigin.get(origin);
    if (breaker === undefined) {
      const { onStateChange, ...rest } = this.options;
      breaker = new CircuitBreaker({ ...rest, onStateChange: (state) => onStateChange?.(origin, state) });
      this.#byOrigin.set(origin, breaker);
    }
    return breaker;
  }

  /** Whether some origin's breaker is open and cooling down (readiness reports not ready). */
  anyRejecting(): boolean {
    for (const breaker of this.#byOrigin.values()) if (breaker.isRejecting()) return true;
    return false;
  }
}
