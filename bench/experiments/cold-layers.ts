/**
 * Where a cold miss's CPU goes, layer by layer, and what a change does to each layer. Each layer
 * runs in this process at 50 concurrent; the sandbox runs in its own, so its CPU is not counted:
 *   raw     one undici GET to the sandbox, body parsed as JSON: any REST client's floor here;
 *   api     the gateway's C1 client (headers, bearer, body cap, decode), no policy;
 *   source  PersonalClientSource: tiered cache, budget, limiter with its attempt feedback, metrics;
 *   cold    a whole GraphQL request for a new id through `app.yoga.fetch` (no HTTP server);
 *   coldlit the same with the id written into the document: a new document every time;
 *   tokens  a 10,000-token document, refused by the token limit (LIMIT_MAX_TOKENS) while parsing;
 *   hot     the same request for an id in the cache.
 * api, source, cold, coldlit, hot and tokens run once per variant: VARIANTS='{"before":{"DIST":"/path/to/other/dist"},"after":{}}'
 * compares two builds in one run (a variant's other keys are gateway env). Rounds interleave; the
 * figure is the median of CPU µs per operation. PROFILE=<layer> writes /tmp/<layer>.cpuprofile;
 * HEAP_PROFILE=<layer> writes /tmp/<layer>.heapprofile, every sampled allocation (collected ones too),
 * and prints the bytes allocated per operation.
 * Run after `npm run build`:  npx tsx bench/experiments/cold-layers.ts > /dev/null  (logs go to stdout).
 */
import { Agent } from 'undici';
import type { PersonalClient } from '../../src/domain/personal-client.js';
import { benchClientId } from '../ids.js';
import { gatewayEnv } from '../env.js';
import { spawnServer } from '../processes.js';
import { literalClientBody, oneClientBody } from '../queries.js';

const OPS = Number(process.env['OPS'] ?? 4000);
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const CONCURRENCY = 50;
const POOL = 400_000;

type Build = Awaited<ReturnType<typeof importBuild>>;
async function importBuild(dir: string | undefined) {
  const at = (p: string) => (dir === undefined ? new URL(`../../dist/${p}.js`, import.meta.url) : new URL(`${p}.js`, `file://${dir}/`)).href;
  return {
    ...((await import(at('app'))) as typeof import('../../src/app.js')),
    ...((await import(at('config'))) as typeof import('../../src/config.js')),
    ...((await import(at('kernel/logger'))) as typeof import('../../src/kernel/logger.js')),
    ...((await import(at('upstream/personal-clients-api'))) as typeof import('../../src/upstream/personal-clients-api.js')),
    ...((await import(at('cache/tiered-cache'))) as typeof import('../../src/cache/tiered-cache.js')),
    ...((await import(at('loading/personal-client-source'))) as typeof import('../../src/loading/personal-client-source.js')),
    ...((await import(at('loading/upstream-limiter'))) as typeof import('../../src/loading/upstream-limiter.js')),
    ...((await import(at('loading/hold-back'))) as typeof import('../../src/loading/hold-back.js')),
    ...((await import(at('budget/index'))) as typeof import('../../src/budget/index.js')),
    ...((await import(at('observability/index'))) as typeof import('../../src/observability/index.js')),
    ...((await import(at('resilience/attempt-policy'))) as typeof import('../../src/resilience/attempt-policy.js')),
  };
}

const sandbox = await spawnServer('sandbox', { kind: 'sandbox', latencyMs: 5, poolSize: POOL });
const credentials = await sandbox.call<{ clientId: string; clientSecret: string }>('credentials');
const bearer = await sandbox.call<string>('issueToken');
let next = 0;
const freshId = () => benchClientId(next++ % POOL);
const hotId = freshId();
const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
const origin = new URL(sandbox.url).origin;
const tokens = { getToken: () => Promise.resolve(bearer), invalidate: () => undefined, hasValidToken: () => true, close: () => undefined };
const baseEnv = gatewayEnv(credentials, sandbox.url, 'info');
// A new document each time (a comment in front), or Yoga's cache of parse errors would answer it.
const tokenBomb = () => JSON.stringify({ query: `# ${next++}\n{ ${'x '.repeat(10_000)}}` });

function layersOf(build: Build, env: Record<string, string>) {
  const config = build.loadConfig({ ...baseEnv, ...env });
  const api = build.createPersonalClientsApi({ baseUrl: sandbox.url, dispatcher: agent, maxBodyBytes: config.UPSTREAM_MAX_BODY_BYTES });
  const { observer } = build.createObservability({ logger: build.createLogger({ level: 'warn' }), clock: Date.now, metricsEnabled: true, observer: undefined, tracing: undefined });
  const { limiter, feedback } = build.createUpstreamLimiter(config, { now: () => performance.now(), observer, setTimer: build.unrefTimer });
  const limited = build.createPersonalClientsApi({ baseUrl: sandbox.url, dispatcher: agent, maxBodyBytes: config.UPSTREAM_MAX_BODY_BYTES, policy: build.chainPolicies((attempt) => attempt(), feedback) });
  const lifetimes = { ttlMs: config.CACHE_TTL_MS, notFoundTtlMs: config.CACHE_NOT_FOUND_TTL_MS, staleMs: config.CACHE_STALE_MS };
  const cache = new build.TieredCache<PersonalClient>({ kind: 'pc', maxEntries: config.CACHE_MAX_ENTRIES, lifetimes, shared: undefined, observer, clock: Date.now });
  const budget = build.createUpstreamBudget(config, { clock: Date.now, guard: undefined });
  const source = new build.PersonalClientSource({ api: limited, cache, limiter, budget, observer });
  const stats = () => ({ upstreamCalls: 0, cacheHits: 0, staleServed: 0, freshMs: Infinity });
  const app = build.createApp({ config, logger: build.createLogger({ level: config.LOG_LEVEL }) });
  const graphql = async (id: string, body = oneClientBody) => {
    const response = await app.yoga.fetch('http://gateway/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(id) });
    const text = await response.text();
    if (text.includes('"errors"')) throw new Error(text);
  };
  return {
    app,
    layers: {
      api: () => api.get(freshId(), { tokens }),
      source: () => source.loadMany([freshId()], { tokens, partition: 'service', caller: 'bench', stats: stats() }),
      cold: () => graphql(freshId()),
      coldlit: () => graphql(freshId(), literalClientBody),
      hot: () => graphql(hotId),
      // A hostile document: far past the token limit, refused while parsing, whatever the limit.
      tokens: async () => {
        const response = await app.yoga.fetch('http://gateway/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: tokenBomb() });
        if (!(await response.text()).includes('MAX_TOKENS_EXCEEDED')) throw new Error('tokens: not refused');
      },
    } as Record<string, () => Promise<unknown>>,
  };
}

const variants = JSON.parse(process.env['VARIANTS'] ?? '{"gateway":{}}') as Record<string, Record<string, string>>;
const built = await Promise.all(
  Object.entries(variants).map(async ([name, { DIST, ...env }]) => ({ name, ...layersOf(await importBuild(DIST), env) })),
);
const layers: Record<string, () => Promise<unknown>> = {
  raw: async () => {
    const r = await agent.request({ origin, path: `/api/v1/iam/personal_clients/${freshId()}`, method: 'GET', headers: { authorization: `Bearer ${bearer}` } });
    return r.body.json();
  },
  ...Object.fromEntries(built.flatMap(({ name, layers: own }) => Object.entries(own).map(([layer, op]) => [`${layer}:${name}`, op]))),
};
const only = process.env['LAYERS']?.split(',');
const chosen = Object.entries(layers).filter(([name]) => only === undefined || only.includes(name.split(':')[0]!));

async function run(op: () => Promise<unknown>, n: number): Promise<number> {
  let left = n;
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (left-- > 0) await op();
  }));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

for (const [, op] of chosen) await run(op, 1000); // warm-up: sockets, JIT, the hot id cached
const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round += 1) {
  // Each round starts one layer later, so none always follows the same neighbour's garbage.
  for (const [name, op] of chosen.map((_, i) => chosen[(i + round) % chosen.length]!)) {
    results.set(name, [...(results.get(name) ?? []), await run(op, OPS)]);
  }
}
if (process.env['PROFILE'] !== undefined) await profile(process.env['PROFILE'], 'cpu');
if (process.env['HEAP_PROFILE'] !== undefined) await profile(process.env['HEAP_PROFILE'], 'heap');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of results) console.error(`${name.padEnd(16)} ${median(xs).toFixed(0).padStart(5)} µs/op   rounds: ${xs.map((x) => x.toFixed(0)).join(' ')}`);
for (const { app } of built) await app.close();
await agent.close();
await sandbox.close();

/** Runs `layer` once more under the inspector: `cpu` writes its CPU profile, `heap` every sampled allocation. */
async function profile(layer: string, kind: 'cpu' | 'heap'): Promise<void> {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const op = layers[layer];
  if (op === undefined) throw new Error(`${kind === 'cpu' ? 'PROFILE' : 'HEAP_PROFILE'}: no layer ${layer}`);
  const file = `/tmp/${layer.replace(':', '-')}.${kind === 'cpu' ? 'cpuprofile' : 'heapprofile'}`;
  const session = new Session();
  session.connect();
  if (kind === 'cpu') {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await run(op, OPS);
    const { profile: taken } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(taken));
  } else {
    await session.post('HeapProfiler.enable');
    // Collected objects too, not only those alive at the end: the garbage is what costs here.
    await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await run(op, OPS);
    const { profile: taken } = await session.post('HeapProfiler.stopSampling');
    await writeFile(file, JSON.stringify(taken));
    const bytes = (node: typeof taken.head): number => node.selfSize + node.children.reduce((sum, child) => sum + bytes(child), 0);
    console.error(`${layer}: ${(bytes(taken.head) / OPS / 1024).toFixed(1)} KiB allocated per operation (sampled)`);
  }
  session.disconnect();
}
