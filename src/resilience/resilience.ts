import type { Clock } from '../kernel/clock.js';
import type { Config } from '../config.js';
import type { Observer } from '../kernel/observer.js';
import { chainPolicies, type AttemptPolicy } from './attempt-policy.js';
import { Breakers } from './breakers.js';
import { createRetryPolicy, type Sleep } from './retry-policy.js';

export interface ResilienceDeps {
  clock: Clock;
  observer: Observer;
  /** Jitter source. @default Math.random */
  random?: (() => number) | undefined;
  /** Retry waits. @default real timers */
  sleep?: Sleep | undefined;
}

export interface Resilience {
  /**
   * The policy for calls to `url`'s origin: retries outside, that origin's breaker inside.
   * `upstream` is the fixed name the breaker is reported under (e.g. 'c1'), never the URL.
   */
  policyFor(url: string, upstream: string): AttemptPolicy;
  breakers: Breakers;
}

/**
 * Retries wrap the breaker, not the reverse: every attempt is counted by the breaker, and once it
 * opens its fail-fast error is not retryable, so the retry loop stops without touching the upstream.
 */
export function createResilience(config: Config, deps: ResilienceDeps): Resilience {
  const breakers = new Breakers({
    windowMs: config.BREAKER_WINDOW_MS,
    minRequests: config.BREAKER_MIN_REQUESTS,
    failureRatio: config.BREAKER_FAILURE_RATIO,
    consecutiveFailures: config.BREAKER_CONSECUTIVE_FAILURES,
    cooldownMs: config.BREAKER_COOLDOWN_MS,
    clock: deps.clock,
    onStateChange: (upstream, state, origin) => deps.observer.breakerState(upstream, state, origin),
  });
  const retry = createRetryPolicy({
    retries: config.UPSTREAM_RETRIES,
    baseMs: config.UPSTREAM_RETRY_BASE_MS,
    maxMs: config.UPSTREAM_RETRY_MAX_MS,
    ...(deps.random === undefined ? {} : { random: deps.random }),
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
  });
  return {
    breakers,
    policyFor: (url, upstream) => chainPolicies(retry, breakers.for(url, upstream).policy),
  };
}
