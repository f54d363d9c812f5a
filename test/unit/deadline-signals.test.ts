import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSignals, deadlineSlotMs } from '../../src/resilience/deadline.js';

describe('DeadlineSignals', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives deadlines in one slot one signal, which aborts at the end of the slot, never before the deadline', () => {
    const deadlines = new DeadlineSignals(50);
    const start = performance.now();
    const a = deadlines.signalAt(start + 1_010);
    const b = deadlines.signalAt(start + 1_040);
    const later = deadlines.signalAt(start + 1_060);
    expect(b).toBe(a);
    expect(later).not.toBe(a);
    expect(deadlines.size).toBe(2);

    vi.advanceTimersByTime(1_039);
    expect(a.aborted).toBe(false); // b's deadline (1 040) has not passed
    vi.advanceTimersByTime(11); // the slot ends at the next multiple of 50 ms after 1 040
    expect(a.aborted).toBe(true);
    expect((a.reason as DOMException).name).toBe('TimeoutError');
    expect(later.aborted).toBe(false);
    expect(deadlines.size).toBe(1);
    vi.advanceTimersByTime(50);
    expect(later.aborted).toBe(true);
    expect(deadlines.size).toBe(0);
  });

  it('takes any number of listeners on a shared signal without a leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const deadlines = new DeadlineSignals(50);
      const signal = deadlines.signalAt(performance.now() + 100);
      for (let i = 0; i < 200; i += 1) signal.addEventListener('abort', () => {});
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
      vi.advanceTimersByTime(200);
      expect(signal.aborted).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('sizes slots at 1% of the deadline, 1 to 50 ms', () => {
    expect([50, 300, 10_000, 60_000].map(deadlineSlotMs)).toEqual([1, 3, 50, 50]);
  });

  it('close stops every timer: no signal aborts afterwards', () => {
    const deadlines = new DeadlineSignals(50);
    const signal = deadlines.signalAt(performance.now() + 100);
    deadlines.close();
    vi.advanceTimersByTime(1_000);
    expect(signal.aborted).toBe(false);
    expect(deadlines.size).toBe(0);
  });
});
