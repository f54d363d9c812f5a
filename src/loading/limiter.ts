import pLimit from 'p-limit';
import { GatewayError } from '../errors.js';

export interface LimiterOptions {
  /** @default 16 — upstream requests in flight at once, across all GraphQL requests. */
  maxInFlight?: number;
  /** @default 1_000 — upstream calls allowed to wait for a slot; beyond it calls fail fast. */
  maxQueue?: number;
}

export interface Limiter {
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly queued: number;
}

/** Caps upstream concurrency, and bounds the queue so overload fails fast instead of growing memory. */
export function createLimiter(options: LimiterOptions = {}): Limiter {
  const limit = pLimit(options.maxInFlight ?? 16);
  const maxQueue = options.maxQueue ?? 1_000;
  return {
    run(work) {
      if (limit.activeCount >= limit.concurrency && limit.pendingCount >= maxQueue) {
        return Promise.reject(
          new GatewayError('OVERLOADED', 'The gateway has too much upstream work queued; try again shortly', {
            retryable: true,
          }),
        );
      }
      return limit(work);
    },
    get active() {
      return limit.activeCount;
    },
    get queued() {
      return limit.pendingCount;
    },
  };
}
