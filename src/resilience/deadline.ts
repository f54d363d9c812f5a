import { setMaxListeners } from 'node:events';
import { abortable } from '../kernel/abortable.js';
import type { GatewayError } from '../kernel/errors.js';
import { outcomeError } from './outcome.js';

/**
 * Rejects with UPSTREAM_TIMEOUT as soon as `signal` aborts, even if `promise` is still pending
 * (for example a shared in-flight fetch started by another request with a later deadline).
 */
export function raceDeadline<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return abortable(promise, signal, deadlineError);
}

export function deadlineError(): GatewayError {
  // The caller's budget ran out, whatever C1 was doing: not a verdict on C1.
  return outcomeError('deadline', 'The request deadline passed while waiting for C1');
}

/**
 * The slot for a deadline of `deadlineMs`: 1% of it, at most 50 ms. Deadlines are rounded up to a
 * slot, so a request's deadline fires up to that much late, never early.
 */
export function deadlineSlotMs(deadlineMs: number): number {
  return Math.min(50, Math.max(1, Math.floor(deadlineMs / 100)));
}

/**
 * Abort signals for request deadlines, one per `slotMs` slot of time: every request whose deadline
 * falls in the same slot shares one signal and one timer, which fires at the end of the slot.
 * AbortSignal.timeout per request cost a signal, a timer and a GC registration on every cache miss
 * (3% of its CPU), and each of those timers fired, deadline long moot, 10 s later.
 * Times are on the `performance.now()` clock.
 */
export class DeadlineSignals {
  readonly #slotMs: number;
  readonly #slots = new Map<number, { controller: AbortController; timer: NodeJS.Timeout }>();

  constructor(slotMs: number) {
    this.#slotMs = slotMs;
  }

  /** A signal that aborts (with a TimeoutError, like AbortSignal.timeout) once `deadline` has passed. */
  signalAt(deadline: number): AbortSignal {
    const slot = Math.ceil(deadline / this.#slotMs);
    const existing = this.#slots.get(slot);
    if (existing !== undefined) return existing.controller.signal;
    const controller = new AbortController();
    // Every upstream call of every request in the slot listens on it (up to the fan-out cap each).
    setMaxListeners(0, controller.signal);
    const timer = setTimeout(() => {
      this.#slots.delete(slot);
      controller.abort(new DOMException('The request deadline passed', 'TimeoutError'));
    }, Math.max(0, slot * this.#slotMs - performance.now()));
    timer.unref();
    this.#slots.set(slot, { controller, timer });
    return controller.signal;
  }

  /** Pending slots (tests). */
  get size(): number {
    return this.#slots.size;
  }

  /** Stops every timer; signals not yet aborted never will be. */
  close(): void {
    for (const { timer } of this.#slots.values()) clearTimeout(timer);
    this.#slots.clear();
  }
}
