import { Ewma } from './ewma.js';

/**
 * Share of the limit kept on a drop (429, 502/503/504, an attempt timeout) or on rising latency.
 * 0.75 rather than Netflix AIMD's 0.9: against an upstream that refuses above a fixed count, the
 * refusal rate is one per climb back to it, and a deeper cut makes the climb (and the gap between
 * refusals) about three times longer for a tenth less average concurrency.
 */
export const BACKOFF_RATIO = 0.75;
/** C1's latency counts as rising once the short average is this many times the long one (Gradient2 uses 1.5; 2 leaves room for a noisy 2-core host). */
export const LATENCY_TOLERANCE = 2;
/** Weight of each attempt in the short latency average: about the last 10 attempts. */
export const SHORT_WEIGHT = 0.2;
/** Weight of each attempt in the long latency average, the baseline: about the last 100 attempts. */
export const LONG_WEIGHT = 0.02;

/** What one attempt to C1 says about its capacity. */
export type Verdict = 'answered' | 'drop' | 'ignore';

export interface Sample {
  verdict: Verdict;
  /** When the attempt was sent (`now` ms): a drop of an attempt sent before the last cut says nothing new. */
  startedAt: number;
  /** How long C1 took to answer, in ms. */
  durationMs: number;
  /** Attempts in flight when this one ended: growth needs the limit to be in use. */
  inFlight: number;
  /** C1's `Retry-After` on a 429, in ms: the limiter holds the pool back for it. */
  retryAfterMs?: number | undefined;
}

/** Why the whole-slot limit moved: more room, C1 pushed back (429, 502/503/504, timeout), or latency rose. */
export type LimitChange = 'increase' | 'pushback' | 'latency';

export interface AdaptiveLimitOptions {
  /** Slots at start (UPSTREAM_INITIAL_IN_FLIGHT). */
  initial: number;
  /** The limit never falls below this many slots, nor below `max` when that is lower (UPSTREAM_MIN_IN_FLIGHT). */
  min: number;
  /** The hard ceiling (UPSTREAM_MAX_IN_FLIGHT). */
  max: number;
  /** Monotonic milliseconds (performance.now in production): a wall-clock jump is neither latency nor a hold. */
  now: () => number;
}

/**
 * AIMD with a latency gradient, as in Netflix concurrency-limits (AIMDLimit, Gradient2Limit) and
 * TCP congestion avoidance: +1 slot per limit's worth of answered attempts while the limit is in use
 * and C1's short-term latency stays within LATENCY_TOLERANCE of its long-term baseline; ×BACKOFF_RATIO
 * on a drop or on rising latency, at most once per window (only attempts sent after the last cut
 * can trigger the next, like TCP's one cut per round trip). The baseline is an average, not the
 * minimum (Vegas, Envoy's minRTT), so one lucky fast call never pins it and a lasting slow-down is
 * eventually accepted as the new normal, as Gradient2's long window is.
 */
export class AdaptiveLimit {
  readonly #options: AdaptiveLimitOptions;
  readonly #min: number;
  #limit: number;
  #lastCutAt = Number.NEGATIVE_INFINITY;
  readonly #short = new Ewma(SHORT_WEIGHT);
  readonly #long = new Ewma(LONG_WEIGHT);

  constructor(options: AdaptiveLimitOptions) {
    this.#options = options;
    this.#min = Math.min(options.min, options.max);
    this.#limit = clamp(options.initial, this.#min, options.max);
  }

  /** Whole slots usable now. */
  get slots(): number {
    return Math.floor(this.#limit);
  }

  /** Learns from one attempt; returns what changed the whole-slot limit, if anything did. */
  observe(sample: Sample): LimitChange | undefined {
    if (sample.verdict === 'ignore') return undefined;
    const now = this.#options.now();
    if (sample.verdict === 'drop') {
      return this.#cut(sample, now, 'pushback');
    }
    this.#short.add(sample.durationMs);
    const baseline = this.#long.value;
    this.#long.add(sample.durationMs);
    if (baseline !== undefined && this.#short.value! > baseline * LATENCY_TOLERANCE) return this.#cut(sample, now, 'latency');
    // An idle pool says nothing about whether C1 could take more (Netflix: "app-limited").
    if (sample.inFlight * 2 < this.slots) return undefined;
    const before = this.slots;
    this.#limit = Math.min(this.#options.max, this.#limit + 1 / this.#limit);
    return this.slots > before ? 'increase' : undefined;
  }

  #cut(sample: Sample, now: number, reason: LimitChange): LimitChange | undefined {
    if (sample.startedAt < this.#lastCutAt) return undefined;
    const before = this.slots;
    this.#limit = Math.max(this.#min, this.#limit * BACKOFF_RATIO);
    this.#lastCutAt = now;
    return this.slots < before ? reason : undefined;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
