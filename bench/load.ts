/** One load run with autocannon (used as a library), reduced to the figures the report needs. */
import autocannon from 'autocannon';

export interface LoadSpec {
  /** Origin of the server under load, e.g. `http://127.0.0.1:1234`. */
  url: string;
  /** @default '/graphql' */
  path?: string;
  /** @default 'POST' */
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** The same body for every request. */
  body?: string;
  /** A fresh body per request (unique ids): overrides `body`. */
  nextBody?: () => string;
  /** A fresh path per request: overrides `path`. */
  nextPath?: () => string;
  connections: number;
  /** Seconds to run; ignored when `amount` is set. */
  seconds?: number;
  /** Requests to complete, then stop. */
  amount?: number;
  /** Requests per second across all connections (open loop); unlimited when undefined. */
  overallRate?: number;
  /** Bodies it returns false for are counted as `mismatches` (e.g. GraphQL errors). */
  verifyBody?: (body: string) => boolean;
}

export interface LoadResult {
  /** Completed responses. */
  requests: number;
  seconds: number;
  reqPerSec: number;
  /** From every response's own timing (sub-millisecond), not autocannon's 1 ms histogram. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  mismatches: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const { nextBody, nextPath, verifyBody } = spec;
  const request: autocannon.Request = {};
  if (nextBody !== undefined || nextPath !== undefined) {
    request.setupRequest = (req) => ({
      ...req,
      ...(nextBody ? { body: nextBody() } : {}),
      ...(nextPath ? { path: nextPath() } : {}),
    });
  }
  const options: autocannon.Options = {
    url: spec.url + (spec.path ?? '/graphql'),
    method: spec.method ?? 'POST',
    headers: spec.headers ?? {},
    connections: spec.connections,
    duration: spec.seconds ?? 10,
    timeout: 30,
    requests: [request],
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.amount !== undefined ? { amount: spec.amount } : {}),
    ...(spec.overallRate !== undefined ? { overallRate: spec.overallRate } : {}),
    ...(verifyBody !== undefined ? { verifyBody: (body: autocannon.Request['body']) => verifyBody(String(body)) } : {}),
  };
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, res) => (error ? reject(error) : resolve(res)));
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  latencies.sort((a, b) => a - b);
  const requests = result.requests.total;
  return {
    requests,
    seconds: result.duration,
    reqPerSec: result.duration > 0 ? requests / result.duration : 0,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? 0,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
  };
}

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
