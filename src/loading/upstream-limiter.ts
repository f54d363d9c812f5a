import type { Config } from '../config.js';
import type { Observer } from '../kernel/observer.js';
import type { AttemptPolicy } from '../resilience/attempt-policy.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { createLimitFeedback } from './limit-feedback.js';
import type { SetTimer } from './hold-back.js';
import { createLimiter, type Limiter } from './limiter.js';

export interface UpstreamLimiterDeps {
  /** Monotonic milliseconds (performance.now in production): a wall-clock jump is neither latency nor a hold. */
  now: () => number;
  observer: Observer;
  setTimer: SetTimer;
}

export interface UpstreamLimiter {
  /** Where calls to C1 wait for a slot and their caller's turn. */
  limiter: Limiter;
  /** The innermost attempt policy: each attempt waits out a `Retry-After` hold and teaches the limit. */
  feedback: AttemptPolicy;
}

/**
 * The C1 concurrency limit of this replica. Replicas do not share it through Redis, by choice: each
 * learns from its own attempts within a few round trips, and independent AIMD senders on one
 * bottleneck converge to equal shares of it (Chiu and Jain, 1989), as TCP flows do, so the sum
 * tracks what C1 can take without coordination. Sharing would put a Redis round trip on every
 * attempt's outcome, and a Redis outage would then stall or blind the limit; the hold of a
 * `Retry-After` is seen by every replica C1 refuses anyway.
 */
export function createUpstreamLimiter(config: Config, deps: UpstreamLimiterDeps): UpstreamLimiter {
  const limiter = createLimiter({
    limit: new AdaptiveLimit({
      initial: config.UPSTREAM_INITIAL_IN_FLIGHT,
      min: config.UPSTREAM_MIN_IN_FLIGHT,
      max: config.UPSTREAM_MAX_IN_FLIGHT,
      now: deps.now,
    }),
    maxHoldMs: config.UPSTREAM_MAX_HOLD_MS,
    maxQueue: config.UPSTREAM_MAX_QUEUE,
    maxCallers: config.UPSTREAM_MAX_CALLERS,
    now: deps.now,
    setTimer: deps.setTimer,
    observer: deps.observer,
  });
  return { limiter, feedback: createLimitFeedback(limiter, deps.now) };
}
