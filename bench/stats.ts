/** Small statistics shared by the load generators and the round runner. */
import type { LoadResult } from './load.js';

/** Nearest-rank percentile of an ascending array; 0 when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** Median of each figure over rounds; counts (errors, requests) are summed. */
export function medianOf(results: readonly LoadResult[]): LoadResult {
  const pick = (f: (r: LoadResult) => number) => median(results.map(f));
  const sum = (f: (r: LoadResult) => number) => results.reduce((acc, r) => acc + f(r), 0);
  return {
    requests: sum((r) => r.requests),
    seconds: sum((r) => r.seconds),
    reqPerSec: pick((r) => r.reqPerSec),
    p50Ms: pick((r) => r.p50Ms),
    p99Ms: pick((r) => r.p99Ms),
    maxMs: Math.max(0, ...results.map((r) => r.maxMs)),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    mismatches: sum((r) => r.mismatches),
  };
}
