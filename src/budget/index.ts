/**
 * The per-caller budget on upstream (C1) calls: a token bucket per caller, charged one token per C1
 * call actually made. Without Redis each replica keeps its own buckets; with Redis the buckets are
 * shared, and this replica's own are the fallback whenever Redis cannot answer.
 */
import type { RedisGuard } from '../cache/redis-guard.js';
import type { Clock } from '../kernel/clock.js';
import type { Config } from '../config.js';
import { LocalBudget } from './local-budget.js';
import { RedisBudget } from './redis-budget.js';
import type { Grant } from './token-bucket.js';

export type { Grant } from './token-bucket.js';

export interface UpstreamBudget {
  /** Takes up to `n` calls from `caller`'s budget; the grant may be partial (see token-bucket.ts). */
  take(caller: string, n: number): Grant | Promise<Grant>;
}

export interface BudgetDeps {
  clock: Clock;
  /** The guarded Redis connection when REDIS_URL is set: the budget then holds across replicas. */
  guard?: RedisGuard | undefined;
}

export function createUpstreamBudget(config: Config, deps: BudgetDeps): UpstreamBudget {
  const limits = { ratePerSecond: config.CALLER_UPSTREAM_RATE, burst: config.CALLER_UPSTREAM_BURST };
  const local = new LocalBudget({ ...limits, maxCallers: config.CALLER_BUDGET_MAX_CALLERS, clock: deps.clock });
  if (deps.guard === undefined) return local;
  return new RedisBudget({ ...limits, guard: deps.guard, fallback: local, prefix: config.REDIS_KEY_PREFIX, clock: deps.clock });
}
