import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** @default 0.9 — event-loop utilization over a sample at or above which the process is busy. */
export const BUSY_UTILIZATION = 0.9;
/** @default 500 — how often utilization is sampled, in ms. */
export const SAMPLE_MS = 500;

export interface EventLoopLoad {
  /** Whether the event loop was saturated over the last sample. */
  busy(): boolean;
  /** Called whenever a sample finds the loop no longer saturated (what waited for turns may go on). */
  onCalm?(listener: () => void): void;
  close(): void;
}

/**
 * Whether this process's one event loop is saturated: the share of the last sample it spent
 * running callbacks rather than waiting for I/O (Node's event-loop utilization). Read by per-caller
 * admission, which only needs to ration turns when there are not enough to go round.
 */
export function watchEventLoopLoad(threshold = BUSY_UTILIZATION, sampleMs = SAMPLE_MS): EventLoopLoad {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let busy = false;
  const calmListeners: (() => void)[] = [];
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const wasBusy = busy;
    busy = performance.eventLoopUtilization(now, last).utilization >= threshold;
    last = now;
    if (wasBusy && !busy) for (const listener of calmListeners) listener();
  }, sampleMs);
  timer.unref();
  return { busy: () => busy, onCalm: (listener) => void calmListeners.push(listener), close: () => clearInterval(timer) };
}
