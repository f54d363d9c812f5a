/**
 * cold: every request a new id, so every request is a cache miss and one upstream GET (latency on).
 * First the gateway's saturation is found; then, at about half of it (open loop), the gateway and a
 * client calling the sandbox's REST endpoint directly (c) run interleaved at the same rate.
 * Target: gateway p99 ≤ direct REST p99 + 2 ms.
 * For context, bare Yoga (a) answering a constant runs at the same rate too: the tail a Yoga
 * server has on this machine at that load with no upstream work at all.
 */
import type { PersonalClient } from '../../src/domain/personal-client.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { restTarget } from '../baselines.js';
import type { BenchEnv } from '../env.js';
import { IdSequence } from '../ids.js';
import { putInService } from '../in-service.js';
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
  let yoga: Awaited<ReturnType<BenchEnv['startServer']>> | undefined;
  try {
    yoga = await env.startServer('bare-yoga', { kind: 'bare-yoga', client: await sampleClient(gateway.url) });
    const yogaSpec = {
      url: yoga.url,
      headers: GRAPHQL_HEADERS,
      body: oneClientBody(SAMPLE_CLIENT_ID),
      connections: options.connections,
      verifyBody: hasNoErrors,
    };
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

    // A gateway in service (in-service.ts): its saturation and its tail with a full cache and a learnt
    // limit. A gateway just started measured 893-952 req/s at saturation here, the same build in service
    // 1,684-2,505 the same hour: the rounds ran at half of a figure that was its warm-up.
    await putInService(env, [gateway.url]);
    await warmUp(
      env,
      [
        { name: 'gateway', spec: gatewaySpec },
        { name: 'rest', spec: restSpec },
        { name: 'yoga', spec: yogaSpec },
      ],
      options.warmupSeconds,
    );
    const saturation = await runLoad({ ...gatewaySpec, seconds: options.roundSeconds });
    await env.settle();
    const rate = Math.max(1, Math.round(saturation.reqPerSec * COLD_LOAD_FRACTION));

    const targets: RoundTarget[] = [
      { name: 'gateway', spec: { ...gatewaySpec, overallRate: rate }, server: gateway },
      { name: 'direct REST (c)', spec: { ...restSpec, overallRate: rate } },
      { name: 'bare Yoga (a)', spec: { ...yogaSpec, overallRate: rate } },
    ];
    const m = await measureRounds(env, targets);
    const gw = need(m, 'gateway');
    const c = need(m, 'direct REST (c)');
    const a = need(m, 'bare Yoga (a)');
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
        {
          scenario: `cold @ ${rate}/s`,
          server: 'bare Yoga (a), no upstream',
          reqPerSec: a.load.reqPerSec,
          p50Ms: a.load.p50Ms,
          p99Ms: a.load.p99Ms,
          vsBaseline: `p99 ${signed(a.load.p99Ms - c.load.p99Ms)} ms vs (c)`,
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
        `bare Yoga (a) at the same rate answers a constant with no upstream call: its p99 ` +
          `(${a.load.p99Ms.toFixed(2)} ms, ${signed(a.load.p99Ms - c.load.p99Ms)} over (c)) is the tail the framework ` +
          `alone shows here, on 2 cores shared with the sandbox and the load generator.`,
      ],
    };
  } finally {
    await Promise.all([gateway.close(), yoga?.close()]);
  }
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(2)}`;
}

/** The gateway's answer for the sample id: bare Yoga's constant, so both serve the same bytes. */
async function sampleClient(gatewayUrl: string): Promise<PersonalClient> {
  const response = await fetch(`${gatewayUrl}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body: oneClientBody(SAMPLE_CLIENT_ID) });
  const body = (await response.json()) as { data?: { personalClient?: PersonalClient } };
  if (body.data?.personalClient == null) throw new Error(`cold: the gateway did not answer the sample id: ${JSON.stringify(body)}`);
  return body.data.personalClient;
}
