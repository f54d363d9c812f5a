/**
 * pushback: a C1 that answers 429 (`Retry-After: 0`) above 12 calls in flight, 64 closed-loop
 * clients, each request a new id. The gateway's adaptive limit is measured beside the same gateway
 * held at a fixed 16 slots (what UPSTREAM_MAX_IN_FLIGHT used to be). Target, after a settling run:
 * under 5 % of C1 calls refused and under 1 % of client requests with errors.
 */
import type { BenchEnv } from '../env.js';
import { IdSequence } from '../ids.js';
import { runLoad } from '../load.js';
import { startPushbackUpstream } from '../pushback-upstream.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from '../queries.js';
import type { Row, ScenarioResult } from '../report.js';

/** C1's capacity in this scenario: calls in flight it answers; the next one gets 429. */
const CAPACITY = 12;
/**
 * Per answered call, in ms: long enough that C1's capacity (12 / 50 ms = 240 calls/s), not the
 * gateway's CPU, is the bottleneck even on a busy 2-core machine; at 5 ms the gateway could not fill
 * 12 slots there, and a fixed limit was never refused.
 */
const LATENCY_MS = 50;
const CLIENTS = 64;
/** The measured run, in s, after `warmupSeconds` of settling. */
const SECONDS = 5;

const VARIANTS = [
  { server: 'gateway (adaptive limit)', env: {} },
  { server: 'gateway (fixed 16 slots)', env: { UPSTREAM_MIN_IN_FLIGHT: '16', UPSTREAM_INITIAL_IN_FLIGHT: '16', UPSTREAM_MAX_IN_FLIGHT: '16' } },
] as const;

export async function pushbackScenario(env: BenchEnv): Promise<ScenarioResult> {
  const upstream = await startPushbackUpstream({ capacity: CAPACITY, latencyMs: LATENCY_MS });
  const ids = new IdSequence(env.poolSize, 3_000_000);
  const rows: Row[] = [];
  const figures: Figures[] = [];
  try {
    for (const variant of VARIANTS) {
      const gateway = await env.startGateway(`pushback-${figures.length}`, { C1_API_URL: upstream.url, ...variant.env });
      try {
        const spec = { url: gateway.url, headers: GRAPHQL_HEADERS, nextBody: () => oneClientBody(ids.next()), connections: CLIENTS };
        await runLoad({ ...spec, seconds: Math.max(1, env.options.warmupSeconds) });
        upstream.reset();
        const cpuBefore = await gateway.cpuMicros();
        const load = await runLoad({ ...spec, seconds: SECONDS, verifyBody: hasNoErrors });
        const cpuAfter = await gateway.cpuMicros();
        const counts = upstream.counts();
        const failed = load.errors + load.non2xx + load.mismatches;
        figures.push({
          refusedShare: counts.refused / Math.max(1, counts.answered + counts.refused),
          errorShare: failed / Math.max(1, load.requests),
          peak: counts.peak,
        });
        rows.push({
          scenario: `pushback (429 above ${CAPACITY})`,
          server: variant.server,
          reqPerSec: load.reqPerSec,
          p50Ms: load.p50Ms,
          p99Ms: load.p99Ms,
          cpuMicrosPerRequest: (cpuAfter - cpuBefore) / Math.max(1, load.requests),
          getsPerRequest: (counts.answered + counts.refused) / Math.max(1, load.requests),
          rssMiB: (await gateway.rss()) / 2 ** 20,
        });
      } finally {
        await gateway.close();
      }
    }
  } finally {
    await upstream.close();
  }
  const [adaptive, fixed] = figures;
  return {
    name: 'pushback',
    rows,
    checks: [
      {
        scenario: 'pushback',
        target: 'under 5 % of C1 calls refused, under 1 % of client requests with errors',
        measured: adaptive === undefined ? 'not measured' : `${pct(adaptive.refusedShare)} refused, ${pct(adaptive.errorShare)} with errors`,
        pass: adaptive !== undefined && adaptive.refusedShare < 0.05 && adaptive.errorShare < 0.01,
      },
    ],
    notes: [
      `${CLIENTS} connections, a new id per request, ${SECONDS} s after ${Math.max(1, env.options.warmupSeconds)} s of settling, ` +
        `against a scripted C1 (${LATENCY_MS} ms per call) that refuses any call beyond ${CAPACITY} in flight with 429 ` +
        `and Retry-After: 0. GETs/req counts refused calls too. Adaptive: ${describe(adaptive)}; fixed 16 slots: ${describe(fixed)}.`,
    ],
  };
}

interface Figures {
  refusedShare: number;
  errorShare: number;
  peak: number;
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

function describe(f: Figures | undefined): string {
  return f === undefined ? 'not measured' : `${pct(f.refusedShare)} of calls refused, ${pct(f.errorShare)} of requests with errors, at most ${f.peak} in flight at C1`;
}
