import { systemClock, type Clock } from '../kernel/clock.js';
import type { AttemptPolicy } from './attempt-policy.js';
import { outcomeError, outcomeOf, type BreakerCount } from './outcome.js';
import { RollingWindow } from './rolling-window.js';

export type BreakerState = 'closed' | 'open' | 'half-open';
/** How one attempt counts: a failure says the upstream is down; neutral says nothing either way. */
export type Outcome = BreakerCount;

export interface CircuitBreakerOptions {
  /** Span of the rolling window the failure ratio is computed over, in ms (BREAKER_WINDOW_MS). */
  windowMs: number;
  /** Attempts the window must hold before the ratio may open the breaker (BREAKER_MIN_REQUESTS). */
  minRequests: number;
  /** Failures / attempts in the window at which the breaker opens (BREAKER_FAILURE_RATIO). */
  failureRatio: number;
  /** Failures in a row that open the breaker whatever the window says (BREAKER_CONSECUTIVE_FAILURES). */
  consecutiveFailures: number;
  /** How long an open breaker fails fast before letting one probe through, in ms (BREAKER_COOLDOWN_MS). */
  cooldownMs: number;
  /** @default systemClock */
  clock?: Clock;
  /** Called on every state change (metrics, logs). */
  onStateChange?: (state: BreakerState) => void;
  /** @default {@link classifyOutcome} */
  classify?: (error: unknown) => Outcome;
}

/** How an attempt that ended with `error` (undefined: it succeeded) counts: its row in outcome.ts. */
export function classifyOutcome(error: unknown): Outcome {
  return error === undefined ? 'success' : outcomeOf(error).countsAgainstBreaker;
}

/**
 * One upstream origin's breaker. Closed: attempts run and are counted. Open: attempts fail fast
 * with UPSTREAM_UNAVAILABLE and reach nothing. After the cool-down, one attempt goes out as a
 * probe (half-open) while the others still fail fast; its success closes the breaker, its failure
 * opens it for another cool-down.
 */
export class CircuitBreaker {
  readonly #window: RollingWindow;
  readonly #minRequests: number;
  readonly #failureRatio: number;
  readonly #maxConsecutive: number;
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  readonly #classify: (error: unknown) => Outcome;
  readonly #onStateChange: (state: BreakerState) => void;
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#window = new RollingWindow(options.windowMs, this.#clock);
    this.#minRequests = options.minRequests;
    this.#failureRatio = options.failureRatio;
    this.#maxConsecutive = options.consecutiveFailures;
    this.#cooldownMs = options.cooldownMs;
    this.#classify = options.classify ?? classifyOutcome;
    this.#onStateChange = options.onStateChange ?? (() => undefined);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Open and still cooling down: calls now would fail fast (what readiness reports). */
  isRejecting(): boolean {
    return this.#state === 'open' && this.#clock() < this.#openedAt + this.#cooldownMs;
  }

  /** The breaker as an attempt policy, to chain inside a retry policy. */
  readonly policy: AttemptPolicy = (attempt) => this.run(attempt);

  async run<T>(attempt: () => Promise<T>): Promise<T> {
    const probe = this.#admit();
    let error: unknown;
    try {
      return await attempt();
    } catch (caught) {
      error = caught;
      throw caught;
    } finally {
      this.#record(this.#classify(error), probe);
    }
  }

  /** Throws the fail-fast error, or says whether this attempt is the half-open probe. */
  #admit(): boolean {
    if (this.#state === 'closed') return false;
    if (this.#state === 'open' && !this.isRejecting()) this.#transition('half-open');
    if (this.#state === 'half-open' && !this.#probing) {
      this.#probing = true;
      return true;
    }
    throw outcomeError('circuitOpen', 'C1 is failing; calls are paused for a moment (circuit open)');
  }

  #record(outcome: Outcome, probe: boolean): void {
    if (probe) {
      this.#probing = false;
      if (outcome === 'success') this.#close();
      else if (outcome === 'failure') this.#open();
      return;
    }
    // Late answers from before the breaker opened say nothing about the upstream now.
    if (this.#state !== 'closed' || outcome === 'neutral') return;
    this.#window.add(outcome === 'failure');
    this.#consecutive = outcome === 'failure' ? this.#consecutive + 1 : 0;
    if (outcome === 'failure' && this.#shouldOpen()) this.#open();
  }

  #shouldOpen(): boolean {
    if (this.#consecutive >= this.#maxConsecutive) return true;
    const { total, failures } = this.#window.counts();
    return total >= this.#minRequests && failures / total >= this.#failureRatio;
  }

  #open(): void {
    this.#openedAt = this.#clock();
    this.#transition('open');
  }

  #close(): void {
    this.#window.clear();
    this.#consecutive = 0;
    this.#transition('closed');
  }

  #transition(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#onStateChange(state);
  }
}
