/**
 * fan-out: one `personalClients` query for 100 distinct uncached ids. The gateway must send exactly
 * 100 GETs, at most UPSTREAM_MAX_IN_FLIGHT at once, so the wall time is about
 * ceil(100 / cap) waves of upstream latency.
 * Target: exactly 100 GETs; wall time ≤ 1.2 × ceil(100 / cap) × latency.
 */
import type { BenchEnv } from '../env.js';
import { gatewayDefaults } from '../env.js';
import { IdSequence } from '../ids.js';
import { median } from '../stats.js';
import { GRAPHQL_HEADERS, hasNoErrors, manyClientsBody } from '../queries.js';
import type { ScenarioResult } from '../report.js';

export const FAN_OUT_IDS = 100;
export const FAN_OUT_SLACK = 1.2;
/** Single queries are cheap; more rounds than the throughput scenarios steady the median. */
const MIN_ROUNDS = 5;

export async function fanOutScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const cap = gatewayDefaults().UPSTREAM_MAX_IN_FLIGHT;
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
    // Warm-up: the token, the upstream connection pool and the JIT, with ids the rounds do not reuse.
    for (let i = 0; i < 3; i += 1) await query();

    const rounds: { ms: number; ok: boolean; gets: number; maxInFlight: number }[] = [];
    for (let i = 0; i < Math.max(MIN_ROUNDS, options.rounds); i += 1) {
      await env.resetStats();
      const { ms, ok } = await query();
      const stats = await env.stats();
      rounds.push({ ms, ok, gets: stats.apiGets, maxInFlight: stats.maxInFlightGets });
    }
    const wall = median(rounds.map((r) => r.ms));
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
          vsBaseline: `${(wall / (Math.ceil(FAN_OUT_IDS / cap) * options.latencyMs)).toFixed(2)}× ideal waves`,
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
        `one query at a time; p50 column is the median wall time, p99 the slowest; UPSTREAM_MAX_IN_FLIGHT=${cap}.`,
      ],
    };
  } finally {
    await gateway.close();
  }
}
