/** One load run with autocannon (used as a library), reduced to the figures the report needs. */
import autocannon from 'autocannon';
import { runOpenLoop } from './open-loop.js';
import { percentile } from './stats.js';

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
  /**
   * Requests per second, sent at an even pace by bench/open-loop.ts (not autocannon, whose rate
   * mode bursts); unlimited (autocannon, closed loop) when undefined. Needs `seconds`.
   */
  overallRate?: number;
  /** Bodies it returns false for are counted as `mismatches` (e.g. GraphQL errors). */
  verifyBody?: (body: string) => boolean;
  /** Open loop only: the source address of its connections, e.g. '127.0.0.2' to be another caller on loopback. */
  localAddress?: string;
  /** Open loop only: sees every response (any status), e.g. to count error codes. */
  onResponse?: (status: number, body: string) => void;
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
  if (spec.overallRate !== undefined) return runOpenLoop({ ...spec, overallRate: spec.overallRate, seconds: spec.seconds ?? 10 });
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
