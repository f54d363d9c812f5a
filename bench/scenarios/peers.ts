/**
 * peers: the gateway beside what a team would build instead, in the same run, against the same
 * sandbox, each in its own process: (d) Apollo Server 5 + RESTDataSource and (e) GraphQL Mesh's
 * OpenAPI source on the seed's spec (bench/peers/). Neither caches across requests by itself.
 * - hot: one id over and over, with bare Yoga (a) as the framework's ceiling;
 * - cold saturation: a new id per request, closed loop, `connections` connections, twice: the id as
 *   a variable of one document (what a frontend sends), and the id written into the document as a
 *   literal (a new document per request, which every server must parse and validate anew).
 * Targets (issue 16): cold req/s ≥ 1.5× (d) and ≥ 2× (e) with p99 no worse than either, on both;
 * hot ≥ 1.5× (a).
 */
import { availableParallelism } from 'node:os';
import type { PersonalClient } from '../../src/domain/personal-client.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import type { BenchEnv } from '../env.js';
import { IdSequence } from '../ids.js';
import { IN_SERVICE_READS, putInService } from '../in-service.js';
import type { PeerUpstream } from '../peers/upstream.js';
import type { ChildServer } from '../processes.js';
import { GRAPHQL_HEADERS, hasNoErrors, literalClientBody, meshClientBody, meshLiteralBody, oneClientBody } from '../queries.js';
import type { Check, Row, ScenarioResult } from '../report.js';
import { countCalls, errorsOf, measureRounds, need, warmUp, type Counted, type Measured, type RoundTarget } from '../rounds.js';

export const COLD_VS_APOLLO_TARGET = 1.5;
export const COLD_VS_MESH_TARGET = 2;
export const HOT_VS_YOGA_TARGET = 1.5;

export const APOLLO = 'Apollo Server 5 + RESTDataSource (d)';
export const MESH = 'GraphQL Mesh, OpenAPI source (e)';
const YOGA = 'bare Yoga (a)';
/** The row of BENCH_COMPARE_DIST's build, when set: the same run's "before" of a change. */
export const COMPARED = 'gateway, compared build (f)';

export async function peersScenario(env: BenchEnv): Promise<ScenarioResult> {
  const { options } = env;
  const gateway = await env.startGateway('peers');
  const servers: ChildServer[] = [gateway];
  try {
    const upstream: PeerUpstream = { url: env.sandbox.url, bearer: await env.sandbox.call<string>('issueToken') };
    const [apollo, mesh, yoga] = await Promise.all([
      env.startServer('apollo-rest', { kind: 'apollo-rest', upstream }),
      env.startServer('mesh-openapi', { kind: 'mesh-openapi', upstream }),
      sampleClient(gateway.url).then((client) => env.startServer('bare-yoga', { kind: 'bare-yoga', client })),
    ]);
    servers.push(apollo, mesh, yoga);
    const compared = options.compareDist === undefined ? undefined : await env.startGateway('peers-compared', options.compareEnv, { from: { dist: options.compareDist }, nodeArgs: options.compareNodeArgs });
    if (compared !== undefined) servers.push(compared);

    const base = { headers: GRAPHQL_HEADERS, connections: options.connections, verifyBody: hasNoErrors };
    const bodyFor = (server: ChildServer, literal = false) =>
      server === mesh ? (literal ? meshLiteralBody : meshClientBody) : literal ? literalClientBody : oneClientBody;
    const hot = (name: string, server: ChildServer): RoundTarget => ({
      name,
      server,
      spec: { ...base, url: server.url, body: bodyFor(server)(SAMPLE_CLIENT_ID) },
    });
    // Each server its own run of fresh ids: a C1 call per request for all three, the gateway's cache included.
    const cold = (name: string, server: ChildServer, start: number, literal = false): RoundTarget => {
      const ids = new IdSequence(env.poolSize, start);
      const body = bodyFor(server, literal);
      return { name, server, spec: { ...base, url: server.url, nextBody: () => body(ids.next()) } };
    };
    const third = Math.floor(env.poolSize / 3);
    const quarter = Math.floor(env.poolSize / 4);
    const hotTargets = [hot('gateway', gateway), hot(APOLLO, apollo), hot(MESH, mesh), hot(YOGA, yoga), ...(compared ? [hot(COMPARED, compared)] : [])];
    const coldSets = (literal: boolean, offset: number) => [
      cold('gateway', gateway, offset, literal),
      cold(APOLLO, apollo, third + offset, literal),
      cold(MESH, mesh, 2 * third + offset, literal),
      ...(compared ? [cold(COMPARED, compared, quarter + offset, literal)] : []),
    ];
    const coldTargets = coldSets(false, 0);
    // Half a third on, past the ids each server's by-variable rounds used: cold again.
    const literalTargets = coldSets(true, Math.floor(third / 2));

    // C1 calls per request from passes whose every request is answered (timed rounds cut some off),
    // each right after its rounds, so the cold ids have not pushed the hot one out of the cache.
    const counted = new Map<string, Counted>();
    const count = async (kind: Kind, targets: RoundTarget[]) => {
      for (const t of targets) counted.set(`${kind} ${t.name}`, await countCalls(env, t));
    };
    await warmUp(env, hotTargets, options.warmupSeconds);
    const h = await measureRounds(env, hotTargets);
    await count('hot', hotTargets);
    // Gateways in service (in-service.ts). Measured without this, whichever cold kind ran first paid
    // for the first fill (with the kinds in the other order, the id-literal kind cost 1,027 µs per
    // request against 951 by variable, in the usual order 836 against 974). The peers keep no cache,
    // so sharing ids with them changes nothing; both kinds are misses in a full cache, as in production.
    await putInService(env, [gateway.url, ...(compared ? [compared.url] : [])]);
    await warmUp(env, coldTargets, options.warmupSeconds);
    const c = await measureRounds(env, coldTargets);
    await count('cold', coldTargets);
    await warmUp(env, literalTargets, options.warmupSeconds);
    const l = await measureRounds(env, literalTargets);
    await count('literal', literalTargets);

    const [hGw, hD, hE, hA] = [need(h, 'gateway'), need(h, APOLLO), need(h, MESH), need(h, YOGA)];
    const [cGw, cD, cE] = [need(c, 'gateway'), need(c, APOLLO), need(c, MESH)];
    const [lGw, lD, lE] = [need(l, 'gateway'), need(l, APOLLO), need(l, MESH)];
    const rate = (x: Measured, y: Measured) => x.load.reqPerSec / Math.max(1e-9, y.load.reqPerSec);
    const tail = (x: Measured, y: Measured) => x.load.p99Ms / Math.max(1e-9, y.load.p99Ms);
    const vs = (x: Measured, y: Measured) => `gateway ${rate(x, y).toFixed(2)}× req/s, ${tail(x, y).toFixed(2)}× p99`;
    const row = (scenario: Kind, server: string, x: Measured, vsBaseline?: string): Row => {
      const n = counted.get(`${scenario} ${server}`);
      return {
        scenario: SCENARIO_NAMES[scenario],
        server,
        reqPerSec: x.load.reqPerSec,
        p50Ms: x.load.p50Ms,
        p99Ms: x.load.p99Ms,
        ...(x.cpuMicrosPerRequest === undefined ? {} : { cpuMicrosPerRequest: x.cpuMicrosPerRequest }),
        ...(n === undefined ? {} : { getsPerRequest: n.gets / Math.max(1, n.requests) }),
        ...(vsBaseline === undefined ? {} : { vsBaseline }),
      };
    };
    const everyone = [hGw, hD, hE, hA, cGw, cD, cE, lGw, lD, lE];
    const comparedRows: Row[] = [];
    if (compared !== undefined) {
      const [hF, cF, lF] = [need(h, COMPARED), need(c, COMPARED), need(l, COMPARED)];
      everyone.push(hF, cF, lF);
      const cpu = (x: Measured, y: Measured) => (x.cpuMicrosPerRequest ?? NaN) / Math.max(1e-9, y.cpuMicrosPerRequest ?? NaN);
      const before = (x: Measured, y: Measured) => `this build ${rate(x, y).toFixed(2)}× req/s, ${cpu(x, y).toFixed(2)}× CPU/req, ${tail(x, y).toFixed(2)}× p99 of (f)`;
      comparedRows.push(row('hot', COMPARED, hF, before(hGw, hF)), row('cold', COMPARED, cF, before(cGw, cF)), row('literal', COMPARED, lF, before(lGw, lF)));
    }
    const countedErrors = [...counted.values()].reduce((sum, n) => sum + n.errors, 0);
    const coldChecks = (kind: string, gw: Measured, d: Measured, e: Measured): Check[] => [
      ratioCheck('peers', `cold saturation, ${kind}: gateway req/s ≥ ${COLD_VS_APOLLO_TARGET} × (d)`, gw, d, COLD_VS_APOLLO_TARGET),
      ratioCheck('peers', `cold saturation, ${kind}: gateway req/s ≥ ${COLD_VS_MESH_TARGET} × (e)`, gw, e, COLD_VS_MESH_TARGET),
      {
        scenario: 'peers',
        target: `cold saturation, ${kind}: gateway p99 no worse than (d) or (e)`,
        measured: `${gw.load.p99Ms.toFixed(1)} vs ${d.load.p99Ms.toFixed(1)} (d) and ${e.load.p99Ms.toFixed(1)} ms (e)`,
        pass: gw.load.p99Ms <= Math.min(d.load.p99Ms, e.load.p99Ms),
      },
    ];
    const checks: Check[] = [
      ...coldChecks('id by variable', cGw, cD, cE),
      ...coldChecks('id literal', lGw, lD, lE),
      ratioCheck('peers', `hot: gateway req/s ≥ ${HOT_VS_YOGA_TARGET} × bare Yoga (a)`, hGw, hA, HOT_VS_YOGA_TARGET),
      {
        scenario: 'peers',
        // A ratio to a server that answered errors would flatter whoever failed fastest.
        target: 'every server answers every request without errors',
        measured: `${everyone.map(errorsOf).reduce((a, b) => a + b, 0) + countedErrors} errors`,
        pass: everyone.every((x) => errorsOf(x) === 0) && countedErrors === 0,
      },
    ];
    return {
      name: 'peers',
      rows: [
        row('hot', 'gateway', hGw, `${rate(hGw, hA).toFixed(2)}× req/s of (a)`),
        row('hot', APOLLO, hD, vs(hGw, hD)),
        row('hot', MESH, hE, vs(hGw, hE)),
        row('hot', YOGA, hA, vs(hGw, hA)),
        row('cold', 'gateway', cGw),
        row('cold', APOLLO, cD, vs(cGw, cD)),
        row('cold', MESH, cE, vs(cGw, cE)),
        row('literal', 'gateway', lGw),
        row('literal', APOLLO, lD, vs(lGw, lD)),
        row('literal', MESH, lE, vs(lGw, lE)),
        ...comparedRows,
      ],
      checks,
      notes: [
        `${options.connections} connections, closed loop, ${options.rounds} interleaved rounds of ${options.roundSeconds} s; ` +
          `upstream latency ${options.latencyMs} ms. The peers get one bearer up front and call C1 once per request ` +
          `(no cross-request cache), hot or cold; the gateway answers hot from its cache. (e) answers the same fields ` +
          "through the schema Omnigraph generates from the seed's spec (bench/peers/personal-client-get.openapi.yaml).",
        `Before the cold rounds the gateway's cache is filled with ${IN_SERVICE_READS} other ids (CACHE_MAX_ENTRIES), as a gateway in service has it: ` +
          'every cold round is then a miss in a full cache, as it would be in production, not part of its first fill.',
        ...[['id by variable', cGw, cD] as const, ['id literal', lGw, lD] as const].map(([kind, gw, d]) => sharedCores(kind, gw, d)),
        ...(options.compareDist === undefined
          ? []
          : [`(f) is the build in ${options.compareDist}${comparedWith(options)}, measured in the same rounds (BENCH_COMPARE_DIST).`]),
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

type Kind = 'hot' | 'cold' | 'literal';
const SCENARIO_NAMES: Record<Kind, string> = {
  hot: 'peers hot',
  cold: 'peers cold (saturation), id by variable',
  literal: 'peers cold (saturation), id literal',
};

function ratioCheck(scenario: string, target: string, x: Measured, y: Measured, wanted: number): Check {
  const ratio = x.load.reqPerSec / Math.max(1e-9, y.load.reqPerSec);
  return {
    scenario,
    target,
    measured: `${ratio.toFixed(2)}× (${Math.round(x.load.reqPerSec)} vs ${Math.round(y.load.reqPerSec)} req/s)`,
    pass: ratio >= wanted,
  };
}

/** The gateway's answer for the sample id: bare Yoga's constant, so both serve the same bytes. */
async function sampleClient(gatewayUrl: string): Promise<PersonalClient> {
  const response = await fetch(`${gatewayUrl}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body: oneClientBody(SAMPLE_CLIENT_ID) });
  const body = (await response.json()) as { data?: { personalClient?: PersonalClient } };
  if (body.data?.personalClient == null) throw new Error(`peers: the gateway did not answer the sample id: ${JSON.stringify(body)}`);
  return body.data.personalClient;
}

/**
 * What the rest of the machine spent per cold request beside the gateway (the sandbox, and this
 * process generating load), and so the gateway's CPU per request at which the 1.5× (d) target could
 * be met if every core were busy; and, since the gateway runs its JavaScript on one thread, the most
 * of that thread a request may take at that rate. The lesser bounds the cold targets.
 */
function sharedCores(kind: string, gw: Measured, d: Measured): string {
  const cores = availableParallelism();
  const rest = gw.sandboxCpuMicrosPerRequest + gw.loadCpuMicrosPerRequest;
  const wanted = COLD_VS_APOLLO_TARGET * d.load.reqPerSec;
  const allowed = (cores * 1e6) / wanted - rest;
  return (
    `Cold, ${kind}: per gateway request the sandbox spent ${Math.round(gw.sandboxCpuMicrosPerRequest)} µs of CPU and the load ` +
    `generator ${Math.round(gw.loadCpuMicrosPerRequest)} µs, on the same ${cores} cores: a server costing nothing would reach ` +
    `${Math.round((cores * 1e6) / rest)} req/s, and ${wanted.toFixed(0)} req/s (${COLD_VS_APOLLO_TARGET}× (d)) leaves the gateway ` +
    `${allowed > 0 ? `${Math.round(allowed)} µs` : 'no CPU'} per request with every core busy, and at most ${Math.round(1e6 / wanted)} µs ` +
    `of its one JavaScript thread (it spent ${Math.round(gw.cpuMicrosPerRequest ?? NaN)} µs of CPU in all).`
  );
}

/** How the compared gateway differs besides its build: Node flags and env. */
function comparedWith(options: BenchEnv['options']): string {
  const parts = [...options.compareNodeArgs, ...Object.entries(options.compareEnv).map(([k, v]) => `${k}=${v}`)];
  return parts.length > 0 ? ` run with ${parts.join(' ')}` : '';
}
