/**
 * compression: the same gateway with and without `accept-encoding: gzip, br`, in interleaved
 * rounds, so each pair's ratio is read off one run on the same machine:
 *  - hot, one client (~600 bytes, below COMPRESSION_MIN_BYTES): what accepting compression costs
 *    an answer that stays uncompressed (the hot path);
 *  - hot, 50 clients (~26 KB, compressed): brotli's CPU against the bytes saved;
 *  - cold, 50 fresh clients per request (50 upstream GETs each): the same with upstream work.
 * Compressed bodies cannot be checked for GraphQL errors by the load generator; their
 * uncompressed twins are, and a first request of each kind is decoded and compared.
 */
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import type { BenchEnv } from '../env.js';
import { benchClientId, IdSequence } from '../ids.js';
import { GRAPHQL_HEADERS, hasNoErrors, manyClientsBody, oneClientBody } from '../queries.js';
import type { Row, ScenarioResult } from '../report.js';
import { errorsOf, measureRounds, need, warmUp, type Measured, type RoundTarget } from '../rounds.js';
import type { LoadSpec } from '../load.js';

const ACCEPT = { ...GRAPHQL_HEADERS, 'accept-encoding': 'gzip, br' };
/** Ids per request in the many-client pairs: the size of a list page. */
const MANY = 50;
/** Cold requests each fan out to MANY GETs: fewer connections keep the upstream limiter out of the picture. */
const COLD_CONNECTIONS = 4;
/** Below this, accepting compression costs the uncompressed hot path too much (CPU per request). */
export const SMALL_ANSWER_CPU_RATIO_TARGET = 1.05;

export async function compressionScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const gateway = await env.startGateway('compression');
  try {
    const one = oneClientBody(SAMPLE_CLIENT_ID);
    // Pool indices far from where the cold scenarios start, so these stay cached and separate.
    const hotIds = Array.from({ length: MANY }, (_, i) => benchClientId(env.poolSize - 1 - i));
    const many = manyClientsBody(hotIds);
    const sizes = { one: await sizesOf(gateway.url, one), many: await sizesOf(gateway.url, many) };
    const coldPlain = new IdSequence(env.poolSize, 0);
    const coldPacked = new IdSequence(env.poolSize, Math.floor(env.poolSize / 2));

    const spec = (body: string | (() => string), headers: Record<string, string>, connections = options.connections): LoadSpec => ({
      url: gateway.url,
      headers,
      connections,
      ...(typeof body === 'string' ? { body } : { nextBody: body }),
      ...(headers === ACCEPT ? {} : { verifyBody: hasNoErrors }),
    });
    const targets: RoundTarget[] = [
      { name: 'hot, 1 client', spec: spec(one, GRAPHQL_HEADERS), server: gateway },
      { name: 'hot, 1 client, gzip/br', spec: spec(one, ACCEPT), server: gateway },
      { name: `hot, ${MANY} clients`, spec: spec(many, GRAPHQL_HEADERS), server: gateway },
      { name: `hot, ${MANY} clients, gzip/br`, spec: spec(many, ACCEPT), server: gateway },
      { name: `cold, ${MANY} clients`, spec: spec(() => manyClientsBody(coldPlain.take(MANY)), GRAPHQL_HEADERS, COLD_CONNECTIONS), server: gateway },
      { name: `cold, ${MANY} clients, gzip/br`, spec: spec(() => manyClientsBody(coldPacked.take(MANY)), ACCEPT, COLD_CONNECTIONS), server: gateway },
    ];
    await warmUp(env, targets.slice(0, 4), options.warmupSeconds);
    const m = await measureRounds(env, targets);
    const pairs = [0, 2, 4].map((i) => [need(m, targets[i]?.name ?? ''), need(m, targets[i + 1]?.name ?? '')] as const);
    const small = pairs[0];
    if (small === undefined) throw new Error('compression: no pairs measured');
    const smallCpu = cpuRatio(small[1], small[0]);

    const rows: Row[] = pairs.flatMap(([plain, packed], k) => {
      const name = targets[2 * k]?.name ?? '';
      return [row(name, 'gateway', plain), row(name, 'gateway, accept-encoding: gzip, br', packed, ratios(packed, plain))];
    });
    return {
      name: 'compression',
      rows,
      checks: [
        {
          scenario: 'compression',
          target: `an answer below COMPRESSION_MIN_BYTES: CPU per request with accept-encoding ≤ ${SMALL_ANSWER_CPU_RATIO_TARGET}× without`,
          measured: `${smallCpu.toFixed(3)}× (${Math.round(small[1].cpuMicrosPerRequest ?? NaN)} vs ${Math.round(small[0].cpuMicrosPerRequest ?? NaN)} µs)`,
          pass: smallCpu <= SMALL_ANSWER_CPU_RATIO_TARGET,
        },
        {
          scenario: 'compression',
          target: 'no errors in any pair',
          measured: pairs.map(([a, b]) => `${errorsOf(a)}+${errorsOf(b)}`).join(', '),
          pass: pairs.every(([a, b]) => errorsOf(a) + errorsOf(b) === 0),
        },
      ],
      notes: [
        `Answer bytes, plain → br: 1 client ${sizes.one.plain} → ${sizes.one.packed} (below the threshold, sent as is); ` +
          `${MANY} clients ${sizes.many.plain} → ${sizes.many.packed}.`,
        `Each pair ran interleaved on one gateway (${options.rounds} rounds of ${options.roundSeconds} s); hot pairs with ` +
          `${options.connections} connections, cold pairs with ${COLD_CONNECTIONS}, ${MANY} fresh ids per request.`,
      ],
    };
  } finally {
    await gateway.close();
  }
}

function row(scenario: string, server: string, x: Measured, vs?: string): Row {
  return {
    scenario,
    server,
    reqPerSec: x.load.reqPerSec,
    p50Ms: x.load.p50Ms,
    p99Ms: x.load.p99Ms,
    ...(x.cpuMicrosPerRequest === undefined ? {} : { cpuMicrosPerRequest: x.cpuMicrosPerRequest }),
    getsPerRequest: x.gets / Math.max(1, x.load.requests),
    ...(vs === undefined ? {} : { vsBaseline: vs }),
  };
}

function cpuRatio(x: Measured, base: Measured): number {
  return (x.cpuMicrosPerRequest ?? NaN) / (base.cpuMicrosPerRequest ?? NaN);
}

function ratios(x: Measured, base: Measured): string {
  return `${(x.load.reqPerSec / base.load.reqPerSec).toFixed(2)}× req/s, ${cpuRatio(x, base).toFixed(2)}× CPU/req, ` +
    `p99 ${(x.load.p99Ms / base.load.p99Ms).toFixed(2)}× of plain`;
}

/** Fills the cache for `body`, and checks the br answer decodes to the plain one. */
async function sizesOf(origin: string, body: string): Promise<{ plain: number; packed: number }> {
  const post = (headers: Record<string, string>) => fetch(`${origin}/graphql`, { method: 'POST', headers, body });
  const plain = Buffer.from(await (await post(GRAPHQL_HEADERS)).arrayBuffer());
  if (!hasNoErrors(plain.toString())) throw new Error(`compression: the gateway answered errors: ${plain.toString().slice(0, 200)}`);
  // fetch would inflate the body; the size on the wire is what Content-Length says.
  const packed = await post(ACCEPT);
  const wire = Number(packed.headers.get('content-length'));
  const coding = packed.headers.get('content-encoding');
  const decoded = Buffer.from(await packed.arrayBuffer());
  if (!decoded.equals(plain)) throw new Error('compression: the compressed answer decodes to other bytes');
  return { plain: plain.length, packed: coding === null ? plain.length : wire };
}
