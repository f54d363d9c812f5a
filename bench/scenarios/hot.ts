/**
 * hot: one cached id, many connections: what a frontend page render costs. The gateway against
 * (a) bare Yoga with the same schema, (a′) the same with the gateway's request-body limit in place
 * of Yoga's, and (b) plain node:http with the same bytes.
 * Target: gateway req/s ≥ 1.5 × (a). The first issue asked 0.9×; upstream capacity raised it to
 * "stays at least 1.5×", which the peers scenario measures as well, in its own rounds. Against (a′)
 * the ratio is what the gateway's own features (context, loaders, cache, logs, metrics, limits)
 * cost, with the framework configured alike.
 */
import { loadConfig } from '../../src/config.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import type { PersonalClient } from '../../src/domain/personal-client.js';
import type { BenchEnv } from '../env.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from '../queries.js';
import type { Row, ScenarioResult } from '../report.js';
import { errorsOf, measureRounds, need, warmUp, type Measured, type RoundTarget } from '../rounds.js';

export const HOT_RATIO_TARGET = 1.5;
const TUNED = "bare Yoga, gateway's body limit (a′)";

export async function hotScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const body = oneClientBody(SAMPLE_CLIENT_ID);
  const gateway = await env.startGateway('hot');
  const servers = [gateway];
  try {
    // The first request fills the cache; its bytes are what the node:http baseline answers with,
    // and its data is bare Yoga's constant (lists already non-null, as the schema requires).
    const gatewayBytes = await post(gateway.url, body);
    const filledAt = Date.now();
    const client = (JSON.parse(gatewayBytes) as { data: { personalClient: PersonalClient } }).data.personalClient;
    const [yoga, tunedYoga, node] = await Promise.all([
      env.startServer('bare-yoga', { kind: 'bare-yoga', client }),
      env.startServer('bare-yoga-body-limit', { kind: 'bare-yoga', client, bodyLimit: loadConfig({}).MAX_REQUEST_BYTES }),
      env.startServer('node-http', { kind: 'node-http', body: gatewayBytes }),
    ]);
    servers.push(yoga, tunedYoga, node);
    const yogaBytes = await post(yoga.url, body);

    const spec = (url: string) => ({ url, body, headers: GRAPHQL_HEADERS, connections: options.connections, verifyBody: hasNoErrors });
    const targets: RoundTarget[] = [
      { name: 'gateway', spec: spec(gateway.url), server: gateway },
      { name: 'bare Yoga (a)', spec: spec(yoga.url), server: yoga },
      { name: TUNED, spec: spec(tunedYoga.url), server: tunedYoga },
      { name: 'node:http (b)', spec: spec(node.url), server: node },
    ];
    await warmUp(env, targets, options.warmupSeconds);
    const m = await measureRounds(env, targets);
    // The entry expires every CACHE_TTL_MS and the next request refetches it: a run longer than
    // that (BENCH_ROUNDS) may see one GET per lifetime since the fill, and no more.
    const allowedGets = Math.floor((Date.now() - filledAt) / loadConfig({}).CACHE_TTL_MS) + 1;
    const gw = need(m, 'gateway');
    const a = need(m, 'bare Yoga (a)');
    const a2 = need(m, TUNED);
    const b = need(m, 'node:http (b)');
    const ratio = gw.load.reqPerSec / a.load.reqPerSec;
    const ownRatio = gw.load.reqPerSec / a2.load.reqPerSec;
    const ownCpuRatio = (a2.cpuMicrosPerRequest ?? NaN) / (gw.cpuMicrosPerRequest ?? NaN);
    // CPU per request is the capacity ratio when the server is CPU-bound, and steadier on a busy machine.
    const cpuRatio = (a.cpuMicrosPerRequest ?? NaN) / (gw.cpuMicrosPerRequest ?? NaN);
    const rss = await Promise.all(servers.map((s) => s.rss()));

    const row = (server: string, x: Measured, rssBytes: number | undefined, vs?: string): Row => ({
      scenario: 'hot',
      server,
      reqPerSec: x.load.reqPerSec,
      p50Ms: x.load.p50Ms,
      p99Ms: x.load.p99Ms,
      ...(x.cpuMicrosPerRequest === undefined ? {} : { cpuMicrosPerRequest: x.cpuMicrosPerRequest }),
      ...(server === 'gateway' ? { getsPerRequest: x.gets / Math.max(1, x.load.requests), tokenPosts: x.tokenPosts } : {}),
      ...(rssBytes === undefined ? {} : { rssMiB: rssBytes / 2 ** 20 }),
      ...(vs === undefined ? {} : { vsBaseline: vs }),
    });
    return {
      name: 'hot',
      rows: [
        row(
          'gateway',
          gw,
          rss[0],
          `${ratio.toFixed(2)}× req/s of (a), ${ownRatio.toFixed(2)}× of (a′), ${(gw.load.reqPerSec / b.load.reqPerSec).toFixed(2)}× of (b)`,
        ),
        row('bare Yoga (a)', a, rss[1], `${(a.load.reqPerSec / b.load.reqPerSec).toFixed(2)}× req/s of (b)`),
        row(TUNED, a2, rss[2], `${(a2.load.reqPerSec / a.load.reqPerSec).toFixed(2)}× req/s of (a)`),
        row('node:http (b)', b, rss[3]),
      ],
      checks: [
        {
          scenario: 'hot',
          target: `gateway req/s ≥ ${HOT_RATIO_TARGET} × bare Yoga (a)`,
          measured:
            `${ratio.toFixed(3)}× (${Math.round(gw.load.reqPerSec)} vs ${Math.round(a.load.reqPerSec)} req/s); ` +
            `by CPU per request ${cpuRatio.toFixed(3)}×`,
          pass: ratio >= HOT_RATIO_TARGET,
        },
        {
          scenario: 'hot',
          target: 'no errors; at most 1 upstream GET per cache lifetime since the fill (the first fill is before the rounds)',
          measured: `${errorsOf(gw)} errors, ${gw.gets} GETs in ${gw.load.requests} requests (at most ${allowedGets})`,
          pass: errorsOf(gw) === 0 && gw.gets <= allowedGets,
        },
      ],
      notes: [
        `${options.connections} connections, ${options.rounds} interleaved rounds of ${options.roundSeconds} s per server.`,
        `(a′) is bare Yoga with the gateway's request-body limit instead of Yoga's stream-per-request one ` +
          `(src/security/body-limit.ts): against it, the gateway's own features (context, loaders, cache, ` +
          `request log, metrics, query limits), net of what graphql-jit saves it (which (a′) does not use), ` +
          `cost ${ownOverheadMicros(gw, a2)} µs of CPU per request; ` +
          `${ownRatio.toFixed(2)}× its req/s, ${ownCpuRatio.toFixed(2)}× by CPU per request.`,
        yogaBytes === gatewayBytes
          ? 'bare Yoga answers byte-for-byte the same body as the gateway.'
          : 'bare Yoga\'s body differs from the gateway\'s (see bench/baselines.ts).',
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

function ownOverheadMicros(gateway: Measured, tuned: Measured): string {
  const diff = (gateway.cpuMicrosPerRequest ?? NaN) - (tuned.cpuMicrosPerRequest ?? NaN);
  return Number.isNaN(diff) ? '?' : String(Math.round(diff));
}

async function post(origin: string, body: string): Promise<string> {
  const response = await fetch(`${origin}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body });
  const text = await response.text();
  if (!response.ok || !hasNoErrors(text)) throw new Error(`hot: ${origin} answered ${response.status}: ${text.slice(0, 200)}`);
  return text;
}
