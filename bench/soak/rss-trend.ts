/**
 * Is RSS flat after warm-up? One reading is a poor reference: it lands anywhere in a garbage
 * collection's saw-tooth (±10 % on the gateway under the soak). So the first fifth of the samples
 * taken after warm-up is compared with the last fifth, by their medians: a leak shows as the later
 * median drifting away, a saw-tooth does not.
 */
import { median } from '../stats.js';

/** Share of the samples at each end whose medians are compared. @default 0.2 */
export const TREND_WINDOW = 0.2;

export interface RssTrend {
  /** Median of the first window of samples, in bytes. */
  early: number;
  /** Median of the last window of samples, in bytes. */
  late: number;
  /** (late - early) / early. */
  change: number;
  /** |change| within the tolerance. */
  flat: boolean;
}

/** @param samples RSS readings after warm-up, oldest first, at even steps. @param tolerance e.g. 0.2 for ±20 %. */
export function rssTrend(samples: readonly number[], tolerance: number): RssTrend {
  const window = Math.max(1, Math.round(samples.length * TREND_WINDOW));
  const early = median(samples.slice(0, window));
  const late = median(samples.slice(-window));
  const change = early > 0 ? (late - early) / early : Infinity;
  return { early, late, change, flat: samples.length > 0 && Math.abs(change) <= tolerance };
}
