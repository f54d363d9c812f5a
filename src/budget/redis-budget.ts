import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisGuard } from '../cache/redis-guard.js';
import type { Clock } from '../kernel/clock.js';
import type { LocalBudget } from './local-budget.js';
import { refillMs, type BucketLimits, type Grant } from './token-bucket.js';

/**
 * token-bucket.ts's `take`, as one atomic script: replicas charging the same caller at once cannot
 * both spend the same tokens. The hash expires once the bucket would be full again anyway.
 * KEYS[1] bucket; ARGV now (ms), n, rate (tokens/s), burst, expiry (ms). Returns {granted, wait ms}.
 */
const TAKE_SCRIPT = `
local now, n, rate, burst, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then tokens, at = burst, now end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local granted = math.max(0, math.min(n, math.floor(tokens)))
tokens = tokens - granted
local wait = 0
if granted < n then wait = math.max(1, math.ceil((1 - tokens) * 1000 / rate)) end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', at)
redis.call('PEXPIRE', KEYS[1], ttl)
return {granted, wait}
`;

const COMMAND = 'c1gwTakeUpstreamBudget';
/** Bumped when the hash's fields change meaning, so replicas of two versions never misread a bucket. */
const BUDGET_FORMAT_VERSION = 'v1';

type TakeCommand = Record<typeof COMMAND, (key: string, ...args: number[]) => Promise<[number, number]>>;

export interface RedisBudgetOptions extends BucketLimits {
  guard: RedisGuard;
  /** Charged instead whenever Redis cannot answer within the guard's budget: never unlimited. */
  fallback: LocalBudget;
  /** First key segment, as for the shared cache (REDIS_KEY_PREFIX). */
  prefix: string;
  /** The replica's clock: "now" is passed to the script, so every replica's tests can move time. */
  clock: Clock;
}

/**
 * One budget per caller across every replica, in Redis at `<prefix>:v1:budget:<sha256(caller)>`
 * (hashed: no token, subject or client name ever appears in a key). Every call goes through the
 * guard; a Redis that is down, slow or failing means this replica's own bucket is charged instead.
 */
export class RedisBudget {
  readonly #guard: RedisGuard;
  readonly #fallback: LocalBudget;
  readonly #base: string;
  readonly #limits: BucketLimits;
  readonly #expiryMs: number;
  readonly #clock: Clock;

  constructor(options: RedisBudgetOptions) {
    this.#guard = options.guard;
    this.#fallback = options.fallback;
    this.#base = `${options.prefix}:${BUDGET_FORMAT_VERSION}:budget`;
    this.#limits = { ratePerSecond: options.ratePerSecond, burst: options.burst };
    this.#expiryMs = refillMs(this.#limits);
    this.#clock = options.clock;
    // Sent once and then run by its digest (ioredis falls back to EVAL when Redis lost it).
    options.guard.redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  keyOf(caller: string): string {
    return `${this.#base}:${createHash('sha256').update(caller).digest('base64url')}`;
  }

  async take(caller: string, n: number): Promise<Grant> {
    const { ratePerSecond, burst } = this.#limits;
    const reply = await this.#guard.run((redis: Redis) =>
      (redis as unknown as TakeCommand)[COMMAND](this.keyOf(caller), this.#clock(), n, ratePerSecond, burst, this.#expiryMs),
    );
    if (!isReply(reply, n)) return this.#fallback.take(caller, n);
    return { granted: reply[0], retryAfterMs: reply[1] };
  }
}

function isReply(reply: unknown, n: number): reply is [number, number] {
  return (
    Array.isArray(reply) &&
    Number.isInteger(reply[0]) &&
    Number.isInteger(reply[1]) &&
    (reply[0] as number) >= 0 &&
    (reply[0] as number) <= n
  );
}
