/**
 * fan-out: one `personalClients` query for 100 distinct uncached ids, on a gateway in service (its
 * cache full, its C1 limit learnt). The gateway must send exactly 100 GETs, at most the adaptive limit
 * at once; that limit starts at UPSTREAM_INITIAL_IN_FLIGHT (`cap`) and grows while C1 keeps up, so the
 * wall time is at most about ceil(100 / cap) waves of upstream latency.
 * Target: exactly 100 GETs; wall time ≤ 1.2 × ceil(100 / cap) × latency.
 * Baseline (c): the harness itself GETs 100 fresh ids from the sandbox, `cap` at a time, over a
 * keep-alive pool: what the same fan-out costs with no gateway in between, at the starting width.
 */
import { Agent } from 'undici';
import { restTarget } from '../baselines.js';
import type { BenchEnv } from '../env.js';
import { gatewayDefaults } from '../env.js';
import { IdSequence } from '../ids.js';
import { median } from '../stats.js';
import { IN_SERVICE_READS, putInService } from '../in-service.js';
import { GRAPHQL_HEADERS, hasNoErrors, manyClientsBody } from '../queries.js';
import type { ScenarioResult } from '../report.js';

export const FAN_OUT_IDS = 100;
export const FAN_OUT_SLACK = 1.2;
/** Single queries are cheap; more rounds than the throughput scenarios steady the median. */
const MIN_ROUNDS = 5;
/** Fan-outs before the rounds, whatever the warm-up time. */
const MIN_WARM_UP_QUERIES = 3;

export async function fanOutScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  // The adaptive limit starts here and grows as C1 keeps up; the target and (c) count waves of this many.
  const cap = gatewayDefaults().UPSTREAM_INITIAL_IN_FLIGHT;
  const gateway = await env.startGateway('fan-out');
  try {
    const ids = new IdSequence(env.poolSize);
    const query = async () => {
      const started = performance.now();
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: GRAPHQL_HEADERS,
        body: manyClientsBody(ids.take(FAN_OUT_IDS)),
      });
      const text = await response.text();
      return { ms: performance.now() - started, ok: response.ok && hasNoErrors(text) };
    };
    // A gateway in service (in-service.ts). A fresh gateway took 186-361 ms for its first fan-outs: with
    // the limit fixed at 16 the JIT alone brought that to ~50 ms within about thirty (the harness's own
    // 16-wide GETs: 45-60 ms), and the adaptive limit, growing while C1 kept up (64 in flight by the
    // thirtieth), to 26-33 ms.
    await putInService(env, [gateway.url]);
    // Then fan-outs themselves, with ids the rounds do not reuse.
    const warmUps = await warmUpFor(options.warmupSeconds, query);

    const rounds: { ms: number; ok: boolean; gets: number; maxInFlight: number }[] = [];
    for (let i = 0; i < Math.max(MIN_ROUNDS, options.rounds); i += 1) {
      await env.resetStats();
      const { ms, ok } = await query();
      const stats = await env.stats();
      rounds.push({ ms, ok, gets: stats.apiGets, maxInFlight: stats.maxInFlightGets });
    }
    const direct = await directFanOut(env, ids, cap, rounds.length);
    const wall = median(rounds.map((r) => r.ms));
    const directWall = median(direct);
    const budget = FAN_OUT_SLACK * Math.ceil(FAN_OUT_IDS / cap) * options.latencyMs;
    const exact = rounds.every((r) => r.gets === FAN_OUT_IDS);
    const failed = rounds.filter((r) => !r.ok).length;
    const maxInFlight = Math.max(...rounds.map((r) => r.maxInFlight));

    return {
      name: 'fan-out',
      rows: [
        {
          scenario: `fan-out (${FAN_OUT_IDS} ids)`,
          server: 'gateway',
          reqPerSec: 1000 / wall,
          p50Ms: wall,
          p99Ms: Math.max(...rounds.map((r) => r.ms)),
          getsPerRequest: median(rounds.map((r) => r.gets)),
          rssMiB: (await gateway.rss()) / 2 ** 20,
          vsBaseline:
            `${(wall / (Math.ceil(FAN_OUT_IDS / cap) * options.latencyMs)).toFixed(2)}× ideal waves, ` +
            `${(wall / directWall).toFixed(2)}× (c)`,
        },
        {
          scenario: `fan-out (${FAN_OUT_IDS} ids)`,
          server: 'direct REST (c)',
          reqPerSec: 1000 / directWall,
          p50Ms: directWall,
          p99Ms: Math.max(...direct),
          getsPerRequest: FAN_OUT_IDS,
          vsBaseline: `${(directWall / (Math.ceil(FAN_OUT_IDS / cap) * options.latencyMs)).toFixed(2)}× ideal waves`,
        },
      ],
      checks: [
        {
          scenario: 'fan-out',
          target: `exactly ${FAN_OUT_IDS} GETs per query, no errors`,
          measured: `${rounds.map((r) => r.gets).join(', ')} GETs; ${failed} failed queries`,
          pass: exact && failed === 0,
        },
        {
          scenario: 'fan-out',
          target: `wall ≤ ${FAN_OUT_SLACK} × ceil(${FAN_OUT_IDS}/${cap}) × ${options.latencyMs} ms = ${budget.toFixed(1)} ms`,
          measured: `median ${wall.toFixed(1)} ms over ${rounds.length} queries (max ${maxInFlight} GETs in flight)`,
          pass: wall <= budget,
        },
      ],
      notes: [
        `one query at a time, after ${IN_SERVICE_READS} cold single-id reads (CACHE_MAX_ENTRIES) and ${warmUps} fan-outs of warm-up; ` +
          `p50 column is the median wall time, p99 the slowest; the limit starts at UPSTREAM_INITIAL_IN_FLIGHT=${cap} ` +
          `and had grown to let ${maxInFlight} GETs in flight at once.`,
        `(c): the harness GETs ${FAN_OUT_IDS} fresh ids straight from the sandbox, ${cap} at a time on a warm ` +
          `keep-alive pool, ${direct.length} times after the same warm-up time; its median ${directWall.toFixed(1)} ms is what ` +
          `the same GETs cost at the limit's starting width with no gateway in between (ideal waves: ` +
          `${Math.ceil(FAN_OUT_IDS / cap)} × ${options.latencyMs} ms).`,
      ],
    };
  } finally {
    await gateway.close();
  }
}

/** Fan-outs back to back for `seconds`, and at least MIN_WARM_UP_QUERIES, as the throughput scenarios warm up by time. */
async function warmUpFor(seconds: number, once: () => Promise<unknown>): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let queries = 0;
  while (queries < MIN_WARM_UP_QUERIES || performance.now() < until) {
    await once();
    queries += 1;
  }
  return queries;
}

/** Baseline (c): wall times of `times` direct fan-outs of fresh ids, `cap` GETs in flight. */
async function directFanOut(env: BenchEnv, ids: IdSequence, cap: number, times: number): Promise<number[]> {
  const rest = restTarget(env.sandbox.url, await env.sandbox.call<string>('issueToken'));
  const agent = new Agent({ connections: cap });
  const origin = new URL(rest.url).origin;
  const once = async (): Promise<number> => {
    const batch = ids.take(FAN_OUT_IDS);
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) {
        const id = batch[next++] as string;
        const response = await agent.request({ origin, path: rest.pathFor(id), method: 'GET', headers: rest.headers });
        await response.body.json();
        if (response.statusCode !== 200) throw new Error(`fan-out (c): the sandbox answered ${response.statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: cap }, worker));
    return performance.now() - started;
  };
  try {
    await warmUpFor(env.options.warmupSeconds, once); // sockets and JIT, as the gateway's
    const walls: number[] = [];
    for (let i = 0; i < times; i += 1) walls.push(await once());
    return walls;
  } finally {
    await agent.close();
  }
}
