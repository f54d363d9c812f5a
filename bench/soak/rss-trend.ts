/**
 * Is RSS flat after warm-up? Under load a Node process's RSS is a saw-tooth: V8 lets its old
 * generation fill to a limit set from what survived the last major collection (up to about four
 * times that), collects, and may or may not hand the pages back. Any one reading, or the median of
 * a few, lands anywhere in that cycle: comparing a few readings at the start with a few at the end
 * calls a run that starts in a trough and ends at a peak "growth" (one 100,000-request soak in four
 * on this gateway), and the troughs are no steadier (RSS can sit at its peak for a whole half).
 *
 * The peaks are steady: they are where V8's limit lets the heap reach, and a leak raises them, since
 * the limit follows what survives. So the readings after warm-up are split into halves and the
 * highest of each is compared. A steady climb shows between the halves' peaks at half its size
 * (the first half's peak is at its end, mid-run), so the halves' peaks must be within half the
 * tolerance: ±10 % between them is ±20 % over the run. Readings must be close enough together to
 * catch each half's peak (the soak takes one per 1,000 requests; a cycle spans tens of thousands).
 */

export interface RssTrend {
  /** Highest reading in the first half, in bytes. */
  earlyPeak: number;
  /** Highest reading in the second half, in bytes. */
  latePeak: number;
  /** (latePeak - earlyPeak) / earlyPeak. */
  change: number;
  /** |change| within half the tolerance (see above). */
  flat: boolean;
}

/** @param samples RSS readings after warm-up, oldest first, at even steps. @param tolerance over the run, e.g. 0.2 for ±20 %. */
export function rssTrend(samples: readonly number[], tolerance: number): RssTrend {
  const half = Math.floor(samples.length / 2);
  if (half === 0) return { earlyPeak: NaN, latePeak: NaN, change: NaN, flat: false };
  const earlyPeak = Math.max(...samples.slice(0, half));
  const latePeak = Math.max(...samples.slice(samples.length - half));
  const change = earlyPeak > 0 ? (latePeak - earlyPeak) / earlyPeak : Infinity;
  return { earlyPeak, latePeak, change, flat: Math.abs(change) <= tolerance / 2 };
}
