/**
 * A constant-rate (open-loop) load generator. autocannon's `overallRate` lets each connection send
 * its share of a second back to back and then pause: a burst of every connection at the top of each
 * second, so "half the saturation rate" still queues like full load. Here request i is due at
 * start + i / rate whatever earlier ones are doing, and its latency counts from when it was due,
 * so a late harness or a slow server cannot hide a delay (no coordinated omission).
 */
import { Pool } from 'undici';
import type { LoadResult, LoadSpec } from './load.js';
import { percentile } from './stats.js';

const TICK_MS = 1; // scheduling granularity; requests due within a tick go out together

export async function runOpenLoop(spec: LoadSpec & { overallRate: number; seconds: number }): Promise<LoadResult> {
  const pool = new Pool(spec.url, {
    connections: spec.connections,
    pipelining: 1,
    ...(spec.localAddress === undefined ? {} : { localAddress: spec.localAddress }),
  });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let mismatches = 0;
  const total = Math.max(1, Math.round(spec.overallRate * spec.seconds));
  const interval = 1000 / spec.overallRate;
  const inFlight = new Set<Promise<void>>();

  const send = async (due: number): Promise<void> => {
    try {
      const response = await pool.request({
        path: spec.nextPath?.() ?? spec.path ?? '/graphql',
        method: spec.method ?? 'POST',
        headers: spec.headers ?? {},
        body: spec.nextBody?.() ?? spec.body ?? null,
      });
      const text = await response.body.text();
      latencies.push(performance.now() - due);
      spec.onResponse?.(response.statusCode, text);
      if (response.statusCode < 200 || response.statusCode > 299) non2xx += 1;
      else if (spec.verifyBody !== undefined && !spec.verifyBody(text)) mismatches += 1;
    } catch {
      errors += 1;
    }
  };

  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const p = send(start + sent * interval);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        sent += 1;
      }
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(TICK_MS, start + sent * interval - now)));
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds,
    reqPerSec: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? 0,
    errors,
    non2xx,
    mismatches,
  };
}
