import { isGatewayError } from '../kernel/errors.js';
import type { AttemptPolicy } from '../resilience/attempt-policy.js';
import { classifyStatus, outcomeError } from '../resilience/outcome.js';
import type { Verdict } from './adaptive-limit.js';
import type { Limiter } from './limiter.js';

/**
 * What one attempt's failure says about C1's capacity. 429 and 502/503/504 are C1 (or what is in
 * front of it) pushing back, and a timed-out attempt is C1 too slow to answer: all three cut the
 * limit. Any other answer is C1 working, so its latency counts. An abort, a refused connection or the
 * breaker's fail-fast say nothing about how much C1 can take (the breaker handles a C1 that is down).
 */
export function verdictOf(error: unknown): Verdict {
  if (!isGatewayError(error)) return 'ignore';
  if (error.status !== undefined) {
    const kind = classifyStatus(error.status);
    return kind === 'throttled' || kind === 'proxyFailed' ? 'drop' : 'answered';
  }
  return error.outcome === 'attemptTimedOut' ? 'drop' : 'ignore';
}

/**
 * The innermost attempt policy (inside retries and the breaker): every HTTP attempt to C1, first or
 * retry, goes out only within the current limit and outside a `Retry-After` hold (else its call
 * queues again, see Limiter.reacquire), then reports its outcome and latency to the limit. So a
 * retry after a 429 never goes straight back into a full C1, and the limit learns from each
 * attempt rather than from whole calls, whose duration includes retry waits.
 */
export function createLimitFeedback(limiter: Limiter, now: () => number): AttemptPolicy {
  return async (attempt, signal, budget) => {
    if (limiter.crowded) {
      const hold = limiter.holdMs;
      const remaining = budget?.remainingMs?.();
      if (hold > 0 && remaining !== undefined && hold >= remaining) {
        throw outcomeError('throttled', 'C1 asked the gateway to hold back past this request\'s deadline', { retryAfterMs: hold });
      }
      await limiter.reacquire(budget ?? { signal });
    }
    const startedAt = now();
    try {
      const value = await attempt();
      limiter.observe({ verdict: 'answered', startedAt, durationMs: now() - startedAt });
      return value;
    } catch (error) {
      const retryAfterMs = isGatewayError(error) ? error.retryAfterMs : undefined;
      limiter.observe({ verdict: verdictOf(error), startedAt, durationMs: now() - startedAt, retryAfterMs });
      throw error;
    }
  };
}
