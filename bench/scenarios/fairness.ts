/**
 * fairness: 8 upstream slots, 20 ms per C1 call, every request a new id. A caller keeping 2
 * requests in flight is measured alone, then beside a caller keeping 48 in flight. Callers are told
 * apart as a router would tell them: `apollographql-client-name`, vouched for by ROUTER_SECRET.
 * Target: the small caller's median beside the flood within 2× of its median alone. The same run
 * with one queue for everyone (UPSTREAM_MAX_CALLERS=1: first come, first served) shows the difference.
 * The per-caller bounds stay lifted as in every scenario (bench/env.ts): with them, the per-caller
 * admission holds the flood to 4 requests in progress while the event loop is saturated and the
 * budget to 50 C1 calls a second, and the upstream queue this scenario is about would stay empty.
 */
import type { BenchEnv } from '../env.js';
import { IdSequence } from '../ids.js';
import { runLoad, type LoadResult } from '../load.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from '../queries.js';
import type { Row, ScenarioResult } from '../report.js';

const SLOTS = 8;
const LATENCY_MS = 20;
const SMALL = 2;
const FLOOD = 48;
const ROUTER_SECRET = 'bench-router-secret-not-for-production-use';

const VARIANTS = [
  { server: 'gateway (fair queuing)', env: {} },
  { server: 'gateway (one queue, FIFO)', env: { UPSTREAM_MAX_CALLERS: '1' } },
] as const;

const headersOf = (caller: string) => ({ ...GRAPHQL_HEADERS, 'x-router-secret': ROUTER_SECRET, 'apollographql-client-name': caller });

export async function fairnessScenario(env: BenchEnv): Promise<ScenarioResult> {
  const seconds = env.options.roundSeconds;
  const ids = new IdSequence(env.poolSize, 4_000_000);
  const rows: Row[] = [];
  const medians: { alone: number; beside: number }[] = [];
  await env.setLatency(LATENCY_MS);
  try {
    for (const variant of VARIANTS) {
      const gateway = await env.startGateway(`fairness-${medians.length}`, {
        UPSTREAM_MAX_IN_FLIGHT: String(SLOTS),
        UPSTREAM_INITIAL_IN_FLIGHT: String(SLOTS),
        ROUTER_SECRET,
        ...variant.env,
      });
      try {
        const load = (caller: string, connections: number, verify = false) =>
          runLoad({
            url: gateway.url,
            headers: headersOf(caller),
            nextBody: () => oneClientBody(ids.next()),
            connections,
            seconds,
            ...(verify ? { verifyBody: hasNoErrors } : {}),
          });
        await runLoad({ url: gateway.url, headers: headersOf('small'), nextBody: () => oneClientBody(ids.next()), connections: SMALL, seconds: 1 });
        await env.settle();
        const alone = await load('small', SMALL, true);
        await env.settle();
        const [beside, flood] = await Promise.all([load('small', SMALL, true), load('flood', FLOOD)]);
        await env.settle();
        medians.push({ alone: alone.p50Ms, beside: beside.p50Ms });
        rows.push(row(`small caller alone (${SMALL} at a time)`, variant.server, alone));
        rows.push(row(`small caller beside a flood (${FLOOD})`, variant.server, beside));
        rows.push(row(`the flood (${FLOOD} at a time)`, variant.server, flood));
      } finally {
        await gateway.close();
      }
    }
  } finally {
    await env.setLatency(env.options.latencyMs);
  }
  const [fair, fifo] = medians;
  const ratio = (m: { alone: number; beside: number } | undefined) => (m === undefined ? Number.NaN : m.beside / m.alone);
  return {
    name: 'fairness',
    rows,
    checks: [
      {
        scenario: 'fairness',
        target: `a ${SMALL}-at-a-time caller beside a ${FLOOD}-at-a-time flood keeps its median within 2× of alone`,
        measured: fair === undefined ? 'not measured' : `${fair.alone.toFixed(1)} ms alone, ${fair.beside.toFixed(1)} ms beside (${ratio(fair).toFixed(2)}×)`,
        pass: ratio(fair) <= 2,
      },
    ],
    notes: [
      `${SLOTS} upstream slots (UPSTREAM_MAX_IN_FLIGHT), sandbox latency ${LATENCY_MS} ms, a new id per request, ${seconds} s per run; ` +
        `callers named by apollographql-client-name under ROUTER_SECRET. With one queue for all (FIFO) the small caller's median ` +
        `went ${fifo === undefined ? '?' : `${fifo.alone.toFixed(1)} → ${fifo.beside.toFixed(1)} ms (${ratio(fifo).toFixed(2)}×)`}.`,
    ],
  };
}

function row(scenario: string, server: string, load: LoadResult): Row {
  return { scenario: `fairness: ${scenario}`, server, reqPerSec: load.reqPerSec, p50Ms: load.p50Ms, p99Ms: load.p99Ms };
}
