import { setTimeout as delay } from 'node:timers/promises';
import { isGatewayError, type GatewayError } from '../kernel/errors.js';
import type { AttemptPolicy } from './attempt-policy.js';
import { outcomeOf } from './outcome.js';

/** Waits `ms`, rejecting early when `signal` aborts. Injected so tests never really wait. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

const realSleep: Sleep = (ms, signal) => delay(ms, undefined, signal === undefined ? {} : { signal });

export interface RetryPolicyOptions {
  /** Retries after the first attempt (UPSTREAM_RETRIES). */
  retries: number;
  /** Backoff ceiling before the first retry, in ms; doubles per retry (UPSTREAM_RETRY_BASE_MS). */
  baseMs: number;
  /** The backoff ceiling never grows past this, in ms (UPSTREAM_RETRY_MAX_MS). */
  maxMs: number;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
  /** @default real timers */
  sleep?: Sleep;
  /** Called before each wait, with the error being retried, the retry number (from 1) and the wait. */
  onRetry?: (error: GatewayError, retry: number, delayMs: number) => void;
}

/** Retry exactly what the outcome table calls retryable (outcome.ts): never a plain 500. */
function isRetryable(error: unknown): error is GatewayError {
  return isGatewayError(error) && outcomeOf(error).retryable;
}

/** "Full jitter": uniform in [0, min(maxMs, baseMs·2^(retry−1))), so retrying callers spread out. */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Repeats an idempotent attempt on retryable failures with capped exponential backoff, or exactly
 * the `Retry-After` the upstream asked for. A wait that would end at or past the caller's deadline
 * is not started: the last typed error is thrown at once, while the caller can still use it.
 *
 * Written here rather than with undici's RetryHandler: that one retries below the request, so it
 * cannot see the per-GraphQL-request deadline, sees undici errors instead of our typed ones, has no
 * injectable clock or random, and replays the same body, where a token POST needs a fresh assertion.
 */
export function createRetryPolicy(options: RetryPolicyOptions): AttemptPolicy {
  const { retries, baseMs, maxMs } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? realSleep;

  return async (attempt, signal, budget) => {
    for (let retry = 1; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        if (retry > retries || !isRetryable(error) || signal?.aborted === true) throw error;
        const wait = error.retryAfterMs ?? backoffMs(retry, baseMs, maxMs, random);
        const remaining = budget?.remainingMs?.();
        if (remaining !== undefined && wait >= remaining) throw error;
        options.onRetry?.(error, retry, wait);
        // Aborted mid-wait (deadline, shutdown): the upstream's answer says more than the abort.
        await sleep(wait, signal).catch(() => {
          throw error;
        });
      }
    }
  };
}
