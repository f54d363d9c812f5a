import { describe, expect, it } from 'vitest';
import { rssTrend } from '../../bench/soak/rss-trend.js';

const MiB = 2 ** 20;
const mib = (values: number[]) => values.map((m) => m * MiB);

describe('soak RSS trend', () => {
  it('calls a saw-tooth flat that starts in a trough and ends at a peak, when its peaks hold', () => {
    // A soak's readings after warm-up (MiB, every 5,000 requests): the medians of the first and last
    // fifths (196 and 247) are 26 % apart, but the halves peak at 237 and 247.
    const samples = mib([197, 197, 196, 190, 190, 194, 223, 237, 237, 195, 198, 203, 204, 218, 244, 247]);

    const trend = rssTrend(samples, 0.2);

    expect(trend).toMatchObject({ earlyPeak: 237 * MiB, latePeak: 247 * MiB, flat: true });
    expect(trend.change).toBeCloseTo(10 / 237, 6);
  });

  it('calls a saw-tooth whose peaks climb by an eighth not flat, though it swings as much as before', () => {
    const early = [200, 230, 260, 210, 240, 270];
    const samples = mib([...early, ...early.map((m) => m * 1.125)]);

    const trend = rssTrend(samples, 0.2);

    expect(trend.change).toBeCloseTo(0.125, 6);
    expect(trend.flat).toBe(false);
  });

  it('calls a steady climb of a fifth over the run not flat: it shows as a tenth between the halves', () => {
    // 300 -> 363 MiB (+21 %) in 10 readings: the halves peak at 328 and 363 (+10.7 %), past the
    // halves' ±10 %.
    const samples = mib(Array.from({ length: 10 }, (_, i) => 300 + 7 * i));
    expect(rssTrend(samples, 0.2)).toMatchObject({ earlyPeak: 328 * MiB, latePeak: 363 * MiB, flat: false });
  });

  it('calls a climb of under a tenth over the run flat', () => {
    const samples = mib(Array.from({ length: 10 }, (_, i) => 300 + 3 * i));
    expect(rssTrend(samples, 0.2).flat).toBe(true);
  });

  it('calls fewer than two readings not flat', () => {
    expect(rssTrend([], 0.2).flat).toBe(false);
    expect(rssTrend([300 * MiB], 0.2).flat).toBe(false);
  });
});
