import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.js';

export interface BreakersOptions extends Omit<CircuitBreakerOptions, 'onStateChange'> {
  /**
   * Called on every state change of any origin's breaker, with the fixed name its callers gave it
   * (for metrics: no URL in a label) and its origin (for logs).
   */
  onStateChange?: (upstream: string, state: BreakerState, origin: string) => void;
}

/**
 * One circuit breaker per upstream origin, made on first use, so a failing token host and a
 * healthy API host (or the reverse) never share a verdict. The set of origins is fixed by config.
 */
export class Breakers {
  readonly #byOrigin = new Map<string, { breaker: CircuitBreaker; upstream: string }>();

  constructor(private readonly options: BreakersOptions) {}

  /**
   * The breaker for `url`'s origin (any URL on it, or the origin itself), reported as `upstream`.
   * Every caller of one origin must give it the same name, or its reports would be split.
   */
  for(url: string, upstream: string): CircuitBreaker {
    const origin = new URL(url).origin;
    const known = this.#byOrigin.get(origin);
    if (known !== undefined) {
      if (known.upstream !== upstream) throw new Error(`breaker for one origin named both "${known.upstream}" and "${upstream}"`);
      return known.breaker;
    }
    const { onStateChange, ...rest } = this.options;
    const breaker = new CircuitBreaker({ ...rest, onStateChange: (state) => onStateChange?.(upstream, state, origin) });
    this.#byOrigin.set(origin, { breaker, upstream });
    return breaker;
  }

  /** Whether some origin's breaker is open and cooling down (readiness reports not ready). */
  anyRejecting(): boolean {
    for (const { breaker } of this.#byOrigin.values()) if (breaker.isRejecting()) return true;
    return false;
  }
}
