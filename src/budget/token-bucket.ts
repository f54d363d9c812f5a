/**
 * The token bucket arithmetic, pure: a state, a clock reading and limits in, the new state out.
 * Holding the state (in memory, in Redis) is someone else's concern, so the rule lives in one place
 * and tests drive it with plain numbers.
 */

export interface BucketLimits {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Most tokens the bucket holds: the largest charge a rested caller can make at once. */
  burst: number;
}

export interface BucketState {
  /** Tokens left; fractional between refills. */
  tokens: number;
  /** When `tokens` was last brought up to date, in epoch ms. */
  at: number;
}

export interface Grant {
  /** How many of the `n` tokens asked for were taken: 0 … n. */
  granted: number;
  /** When some were refused, the wait until the next token, in ms (>= 1); else 0. */
  retryAfterMs: number;
}

/** A caller never seen before (or forgotten) starts with a full bucket. */
export function fullBucket(limits: BucketLimits, now: number): BucketState {
  return { tokens: limits.burst, at: now };
}

/**
 * Takes up to `n` whole tokens. The grant may be partial: a batch gets what the bucket holds rather
 * than nothing. A clock that moved backwards refills nothing (and never drains).
 */
export function take(
  state: BucketState,
  n: number,
  now: number,
  limits: BucketLimits,
): { state: BucketState; grant: Grant } {
  const elapsedMs = Math.max(0, now - state.at);
  const available = Math.min(limits.burst, state.tokens + (elapsedMs * limits.ratePerSecond) / 1000);
  const granted = Math.max(0, Math.min(n, Math.floor(available)));
  const tokens = available - granted;
  const retryAfterMs = granted < n ? msUntilOneToken(tokens, limits) : 0;
  return { state: { tokens, at: Math.max(now, state.at) }, grant: { granted, retryAfterMs } };
}

function msUntilOneToken(tokens: number, limits: BucketLimits): number {
  return Math.max(1, Math.ceil(((1 - tokens) * 1000) / limits.ratePerSecond));
}

/** How long an untouched bucket takes to fill up again: past it, forgetting the bucket loses nothing. */
export function refillMs(limits: BucketLimits): number {
  return Math.max(1, Math.ceil((limits.burst * 1000) / limits.ratePerSecond));
}
