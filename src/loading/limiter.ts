import pLimit from 'p-limit';
import type { GatewayError } from '../kernel/errors.js';
import { outcomeError } from '../resilience/outcome.js';
import { deadlineError } from '../resilience/deadline.js';
import { Ewma } from './ewma.js';

export interface LimiterOptions {
  /** Upstream requests in flight at once, across all GraphQL requests (UPSTREAM_MAX_IN_FLIGHT). */
  maxInFlight: number;
  /** Upstream calls allowed to wait for a slot; beyond it calls fail fast (UPSTREAM_MAX_QUEUE). */
  maxQueue: number;
  /**
   * @default 0.2 — share of the newest call's duration in the running average the queue wait is
   * estimated from: about the last ten calls count, so the estimate follows C1 within a few calls.
   */
  latencyWeight?: number;
  /** Monotonic milliseconds, for call durations. @default performance.now */
  now?: () => number;
}

/** What the limiter needs to know of the caller's deadline. */
export interface RunBudget {
  /** Aborts once the caller's deadline passed or the caller went away. */
  signal?: AbortSignal;
  /** Milliseconds left before that deadline. */
  remainingMs?: () => number;
}

export interface Limiter {
  /**
   * Runs `work` once a slot is free. Rejects at once with OVERLOADED when the queue is full or
   * cannot reach a slot and finish within `budget`; with the deadline error, without running
   * `work`, when the deadline passed while the call waited.
   */
  run<T>(work: () => Promise<T>, budget?: RunBudget): Promise<T>;
  readonly active: number;
  readonly queued: number;
}

/**
 * Caps upstream concurrency, and bounds the queue so overload fails fast instead of growing memory
 * or making callers wait out their deadline for an answer the queue could never give them.
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const limit = pLimit(options.maxInFlight);
  const maxQueue = options.maxQueue;
  const now = options.now ?? (() => performance.now());
  const latency = new Ewma(options.latencyWeight ?? 0.2);

  /**
   * When a call arriving now would finish: the queue ahead of it drains a wave of `concurrency`
   * calls per average duration, then it runs for one more. Counted in whole waves because a burst
   * starts (and so ends) its calls together; in a steady trickle this errs on the early side.
   * Undefined while nothing was observed: no shedding on a guess.
   */
  const finishEstimateMs = (): number | undefined => {
    const average = latency.value;
    if (average === undefined) return undefined;
    return (Math.ceil((limit.pendingCount + 1) / limit.concurrency) + 1) * average;
  };

  return {
    run(work, budget = {}) {
      if (limit.activeCount >= limit.concurrency) {
        if (limit.pendingCount >= maxQueue) {
          return Promise.reject(overloaded('The gateway has too much upstream work queued; try again shortly'));
        }
        const remaining = budget.remainingMs?.();
        const finish = finishEstimateMs();
        if (remaining !== undefined && finish !== undefined && finish > remaining) {
          return Promise.reject(overloaded('The gateway cannot reach C1 within this request\'s deadline; try again shortly'));
        }
      }
      return limit(async () => {
        // Its caller has its answer (a timeout) already: sending now would only load C1 for nothing.
        if (budget.signal?.aborted === true || (budget.remainingMs?.() ?? 1) <= 0) throw deadlineError();
        const started = now();
        try {
          return await work();
        } finally {
          latency.add(now() - started);
        }
      });
    },
    get active() {
      return limit.activeCount;
    },
    get queued() {
      return limit.pendingCount;
    },
  };
}

function overloaded(message: string): GatewayError {
  return outcomeError('overloaded', message);
}
