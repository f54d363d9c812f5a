/**
 * cold: every request a new id, so every request is a cache miss and one upstream GET (latency on).
 * First the gateway's saturation is found; then, at about half of it (open loop), the gateway and a
 * client calling the sandbox's REST endpoint directly (c) run interleaved at the same rate.
 * Target: gateway p99 ≤ direct REST p99 + 2 ms.
 */
import { restTarget } from '../baselines.js';
import type { BenchEnv } from '../env.js';
import { IdSequence } from '../ids.js';
import { runLoad } from '../load.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from '../queries.js';
import type { ScenarioResult } from '../report.js';
import { errorsOf, measureRounds, need, warmUp, type RoundTarget } from '../rounds.js';

export const COLD_P99_MARGIN_MS = 2;
/** Fraction of the measured saturation the comparison runs at. */
export const COLD_LOAD_FRACTION = 0.5;

export async function coldScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const gateway = await env.startGateway('cold');
  try {
    // Fresh ids in order; the pool is many times the cache bound, so a wrapped id is a miss too.
    const ids = new IdSequence(env.poolSize);
    const gatewaySpec = {
      url: gateway.url,
      headers: GRAPHQL_HEADERS,
      nextBody: () => oneClientBody(ids.next()),
      connections: options.connections,
      verifyBody: hasNoErrors,
    };
    const rest = restTarget(env.sandbox.url, await env.sandbox.call<string>('issueToken'));
    const restIds = new IdSequence(env.poolSize);
    const restSpec = {
      url: rest.url,
      method: 'GET' as const,
      headers: rest.headers,
      nextPath: () => rest.pathFor(restIds.next()),
      connections: options.connections,
    };

    await warmUp(env, [{ name: 'gateway', spec: gatewaySpec }, { name: 'rest', spec: restSpec }], options.warmupSeconds);
    const saturation = await runLoad({ ...gatewaySpec, seconds: options.roundSeconds });
    await env.settle();
    const rate = Math.max(1, Math.round(saturation.reqPerSec * COLD_LOAD_FRACTION));

    const targets: RoundTarget[] = [
      { name: 'gateway', spec: { ...gatewaySpec, overallRate: rate }, server: gateway },
      { name: 'direct REST (c)', spec: { ...restSpec, overallRate: rate } },
    ];
    const m = await measureRounds(env, targets);
    const gw = need(m, 'gateway');
    const c = need(m, 'direct REST (c)');
    const rss = await gateway.rss();
    const overhead = gw.load.p99Ms - c.load.p99Ms;
    const inFlightSlack = options.connections * gw.rounds.length;

    return {
      name: 'cold',
      rows: [
        {
          scenario: 'cold (saturation)',
          server: 'gateway',
          reqPerSec: saturation.reqPerSec,
          p50Ms: saturation.p50Ms,
          p99Ms: saturation.p99Ms,
        },
        {
          scenario: `cold @ ${rate}/s`,
          server: 'gateway',
          reqPerSec: gw.load.reqPerSec,
          p50Ms: gw.load.p50Ms,
          p99Ms: gw.load.p99Ms,
          ...(gw.cpuMicrosPerRequest === undefined ? {} : { cpuMicrosPerRequest: gw.cpuMicrosPerRequest }),
          getsPerRequest: gw.gets / Math.max(1, gw.load.requests),
          tokenPosts: gw.tokenPosts,
          rssMiB: rss / 2 ** 20,
          vsBaseline: `p99 ${overhead >= 0 ? '+' : ''}${overhead.toFixed(2)} ms vs (c)`,
        },
        {
          scenario: `cold @ ${rate}/s`,
          server: 'direct REST (c)',
          reqPerSec: c.load.reqPerSec,
          p50Ms: c.load.p50Ms,
          p99Ms: c.load.p99Ms,
          getsPerRequest: c.gets / Math.max(1, c.load.requests),
        },
      ],
      checks: [
        {
          scenario: 'cold',
          target: `gateway p99 ≤ direct REST p99 + ${COLD_P99_MARGIN_MS} ms at ~${COLD_LOAD_FRACTION * 100}% of saturation`,
          measured: `${gw.load.p99Ms.toFixed(2)} vs ${c.load.p99Ms.toFixed(2)} ms (+${overhead.toFixed(2)})`,
          pass: overhead <= COLD_P99_MARGIN_MS,
        },
        {
          scenario: 'cold',
          // A round ends with up to `connections` requests whose GET was sent but whose answer was not counted.
          target: 'one upstream GET per request, no errors',
          measured: `${gw.gets} GETs for ${gw.load.requests} requests, ${errorsOf(gw)} errors`,
          pass: gw.gets >= gw.load.requests && gw.gets - gw.load.requests <= inFlightSlack && errorsOf(gw) === 0,
        },
      ],
      notes: [
        `upstream latency ${options.latencyMs} ms; saturation measured with ${options.connections} connections, ` +
          `then both sides at ${rate} req/s (open loop, ${options.connections} connections).`,
      ],
    };
  } finally {
    await gateway.close();
  }
}
