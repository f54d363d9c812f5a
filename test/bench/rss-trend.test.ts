import { describe, expect, it } from 'vitest';
import { rssTrend } from '../../bench/soak/rss-trend.js';

const MiB = 2 ** 20;

describe('soak RSS trend', () => {
  it('calls a garbage-collection saw-tooth around a steady level flat, whatever reading it starts on', () => {
    // The soak's own readings after warm-up (MiB), swinging ±10 % with no drift.
    const samples = [375, 345, 345, 409, 353, 353, 369, 369, 384, 366, 367, 418, 380, 380, 373, 374, 380].map((m) => m * MiB);

    const trend = rssTrend(samples, 0.2);

    // First fifth 375 345 345, last 373 374 380: medians (nearest rank) 345 and 374.
    expect(trend).toMatchObject({ early: 345 * MiB, late: 374 * MiB, flat: true });
    expect(trend.change).toBeCloseTo(29 / 345, 6);
  });

  it('calls a steady climb of a third from first fifth to last not flat', () => {
    const samples = Array.from({ length: 10 }, (_, i) => (300 + 12 * i) * MiB);

    const trend = rssTrend(samples, 0.2);

    // First fifth 300 312, last 396 408: medians (nearest rank, lower middle) 300 and 396.
    expect(trend).toMatchObject({ early: 300 * MiB, late: 396 * MiB, flat: false });
  });

  it('calls no samples at all not flat', () => {
    expect(rssTrend([], 0.2).flat).toBe(false);
  });
});
