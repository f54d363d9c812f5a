import type { GatewayError } from '../kernel/errors.js';
import type { Observer } from '../kernel/observer.js';
import { outcomeError } from '../resilience/outcome.js';
import { deadlineError } from '../resilience/deadline.js';
import type { AdaptiveLimit, Sample } from './adaptive-limit.js';
import { Ewma } from './ewma.js';
import { FairQueue } from './fair-queue.js';
import { HoldBack, type SetTimer } from './hold-back.js';

/** Share of the newest call in the average duration queue waits are estimated from: about the last ten calls. */
export const DURATION_WEIGHT = 0.2;

export interface LimiterOptions {
  /** How many calls C1 can take at once, as learnt so far. */
  limit: AdaptiveLimit;
  /** Longest hold a `Retry-After` may impose, in ms (UPSTREAM_MAX_HOLD_MS). */
  maxHoldMs: number;
  /** Calls allowed to wait for a slot across all callers; beyond it calls fail fast (UPSTREAM_MAX_QUEUE). */
  maxQueue: number;
  /** Caller queues at once, the one shared by callers past the bound included (UPSTREAM_MAX_CALLERS). */
  maxCallers: number;
  /** Monotonic milliseconds (performance.now in production): a wall-clock jump is neither latency nor a hold. */
  now: () => number;
  /** Ends a hold (see HoldBack). */
  setTimer: SetTimer;
  observer: Pick<Observer, 'upstreamLimit' | 'upstreamQueued' | 'upstreamInFlight'>;
}

/** What the limiter needs to know of the call's caller and deadline. */
export interface RunBudget {
  /** Whose turn it is in the fair queue (security/caller-key.ts); absent callers share one queue. */
  caller?: string;
  /** Aborts once the caller's deadline passed or the caller went away. */
  signal?: AbortSignal | undefined;
  /** Milliseconds left before that deadline. */
  remainingMs?: () => number;
}

export interface Limiter {
  /**
   * Runs `work` once a slot is free and it is its caller's turn. Rejects at once with OVERLOADED
   * when the queue is full (the caller queueing most loses first) or the call cannot reach a slot
   * and finish within `budget`; with the deadline error, without running `work`, when the deadline
   * passed while it waited.
   */
  run<T>(work: () => Promise<T>, budget?: RunBudget): Promise<T>;
  /** Learns from one C1 attempt (see limit-feedback.ts). */
  observe(sample: Omit<Sample, 'inFlight'>): void;
  /**
   * Called by a call that holds a slot, before an attempt, when the pool is `crowded` (over the limit
   * after a cut, or held back): the call gives its slot back and waits for its caller's
   * next turn, so a retry goes out only within the limit, never straight back into a full C1.
   * Rejects as `run` does when the queue is full or the deadline passes; the slot is then still
   * the call's, for `run` to release.
   */
  reacquire(budget: RunBudget): Promise<void>;
  /** Whether the calls holding slots are more than the limit allows now, or a hold runs: see `reacquire`. */
  readonly crowded: boolean;
  /** Whether a `Retry-After` holds the pool back now. */
  readonly held: boolean;
  /** Milliseconds the hold has left (0 when none). */
  readonly holdMs: number;
  readonly active: number;
  readonly queued: number;
  readonly slots: number;
}

interface Entry {
  start(): void;
  reject(error: GatewayError): void;
}

/**
 * Caps upstream concurrency at what C1 is learnt to take, serves callers in turn, and bounds the
 * queue so overload fails fast instead of growing memory or outliving the callers' deadlines.
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const { limit, now, observer } = options;
  const queue = new FairQueue<Entry>({ maxQueued: options.maxQueue, maxCallers: options.maxCallers });
  const durations = new Ewma(DURATION_WEIGHT);
  let active = 0;
  const hold = new HoldBack({ maxHoldMs: options.maxHoldMs, now, setTimer: options.setTimer, onRelease: () => pump() });
  observer.upstreamLimit(limit.slots);

  /** Sends queued calls while there is room, in their callers' turns. */
  function pump(): void {
    while (queue.size > 0 && active < limit.slots && !hold.held) queue.shift()!.start();
    observer.upstreamQueued(queue.size);
  }

  const start = <T>(work: () => Promise<T>, budget: RunBudget): Promise<T> => {
    // Its caller has its answer (a timeout) already: sending now would only load C1 for nothing.
    if (budget.signal?.aborted === true || (budget.remainingMs?.() ?? 1) <= 0) return Promise.reject(deadlineError());
    active += 1;
    observer.upstreamInFlight(1);
    const started = now();
    return (async () => {
      try {
        return await work();
      } finally {
        active -= 1;
        observer.upstreamInFlight(-1);
        durations.add(now() - started);
        pump();
      }
    })();
  };

  /** Queues `entry` in its caller's turn: refused when the queue is full, or makes room by evicting. */
  const enqueue = (caller: string, entry: Entry): void => {
    const pushed = queue.push(caller, entry);
    if (!pushed.queued) entry.reject(overloaded('The gateway has too much upstream work queued; try again shortly'));
    else pushed.evicted?.reject(overloaded('Other callers need the gateway\'s upstream queue; try again shortly'));
  };

  /**
   * When a call queued now would finish: the hold, then the calls served before it (its caller's
   * turns, see FairQueue.aheadOf) drain a wave of `slots` per average duration, then it runs for one
   * more. Undefined while nothing was observed: no shedding on a guess.
   */
  const finishEstimateMs = (caller: string): number | undefined => {
    const average = durations.value;
    if (average === undefined) return undefined;
    return hold.remainingMs + (Math.ceil((queue.aheadOf(caller) + 1) / limit.slots) + 1) * average;
  };

  return {
    run(work, budget = {}) {
      if (queue.size === 0 && active < limit.slots && !hold.held) return start(work, budget);
      const caller = budget.caller ?? '';
      const remaining = budget.remainingMs?.();
      const finish = finishEstimateMs(caller);
      if (remaining !== undefined && finish !== undefined && finish > remaining) {
        return Promise.reject(overloaded('The gateway cannot reach C1 within this request\'s deadline; try again shortly'));
      }
      return new Promise((resolve, reject) => {
        enqueue(caller, { start: () => void start(work, budget).then(resolve, reject), reject });
        observer.upstreamQueued(queue.size);
      });
    },
    observe(sample) {
      const change = limit.observe({ ...sample, inFlight: active });
      if (change !== undefined) observer.upstreamLimit(limit.slots, change);
      if (sample.verdict === 'drop' && sample.retryAfterMs !== undefined && sample.retryAfterMs > 0) {
        hold.holdFor(sample.retryAfterMs);
      }
      // Growth may have made room now; a cut waits for calls to end, a hold for its timer.
      pump();
    },
    async reacquire(budget) {
      active -= 1;
      try {
        await new Promise<void>((resolve, reject) => {
          const resume = () => {
            if (budget.signal?.aborted === true || (budget.remainingMs?.() ?? 1) <= 0) return reject(deadlineError());
            active += 1;
            resolve();
          };
          enqueue(budget.caller ?? '', { start: resume, reject });
          pump();
        });
      } catch (error) {
        active += 1;
        throw error;
      }
    },
    get held() {
      return hold.held;
    },
    get crowded() {
      return active > limit.slots || hold.held;
    },
    get holdMs() {
      return hold.remainingMs;
    },
    get active() {
      return active;
    },
    get queued() {
      return queue.size;
    },
    get slots() {
      return limit.slots;
    },
  };
}

function overloaded(message: string): GatewayError {
  return outcomeError('overloaded', message);
}
