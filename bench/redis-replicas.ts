/**
 * Two gateway replicas on one Redis versus two without: upstream GETs per 1,000 requests, and the
 * hot-path cost of the Redis lookup (an in-process-cache miss served from Redis, against an
 * in-process hit and against a miss that goes to C1), as ratios from the same run.
 *
 *   npx tsx bench/redis-replicas.ts        (needs Debian's redis-server on PATH)
 *
 * Knobs: BENCH_REQUESTS (2000), BENCH_IDS (100), BENCH_CONCURRENCY (16), BENCH_LATENCY_MS (5),
 * BENCH_HOT_REQUESTS (2000), BENCH_HOT_ROUNDS (3).
 * Everything runs in this process on loopback, so absolute req/s include the load generator's own
 * cost on the same cores; compare the figures of one run with each other, not across machines.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { Agent, request } from 'undici';
import { noopObserver, type Observer } from '../src/kernel/observer.js';
import { createSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../test/helpers/gateway.js';
import { redisAvailable, startRedisServer, type TestRedis } from '../test/helpers/redis-server.js';
import { ONE_CALLER_UNBOUNDED } from './env.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const REQUESTS = num('BENCH_REQUESTS', 2_000);
const IDS = num('BENCH_IDS', 100);
const CONCURRENCY = num('BENCH_CONCURRENCY', 16);
const LATENCY_MS = num('BENCH_LATENCY_MS', 5);
const HOT_REQUESTS = num('BENCH_HOT_REQUESTS', 2_000);
const HOT_ROUNDS = num('BENCH_HOT_ROUNDS', 3);

const QUERY = 'query($id: ID!) { personalClient(id: $id) { id displayName } }';
const agent = new Agent({ connections: CONCURRENCY * 2, pipelining: 1 });

type Run = Awaited<ReturnType<typeof drive>>;

/** Sends `total` requests, `concurrency` at a time; request i goes to `target(i)` for id `idOf(i)`. */
async function drive(
  total: number,
  target: (i: number) => string,
  idOf: (i: number) => string,
  concurrency = CONCURRENCY,
) {
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      const response = await request(`${target(i)}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: QUERY, variables: { id: idOf(i) } }),
        dispatcher: agent,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200 || text.includes('"errors"')) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { reqPerSec: total / seconds, failures };
}

/** A deterministic pseudo-random sequence (mulberry32), so both modes see the same requests. */
function sequence(seed: number, count: number, range: number): number[] {
  let a = seed;
  return Array.from({ length: count }, () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * range);
  });
}


/** L2 events of the replicas of one scenario, e.g. `l2Lookup:hit`, `l2Error:timeout`, `l2Lock:waited`. */
type Events = Map<string, number>;

function recorder(events: Events, onUp: () => void): Observer {
  const count = (name: string) => (arg: string) => void events.set(`${name}:${arg}`, (events.get(`${name}:${arg}`) ?? 0) + 1);
  const l2Connection = (state: 'up' | 'down') => state === 'up' && onUp();
  return { ...noopObserver, l2Lookup: count('l2Lookup'), l2Error: count('l2Error'), l2Lock: count('l2Lock'), l2Connection };
}

const show = (events: Events) =>
  [...events].filter(([k]) => !k.startsWith('l2Lookup')).map(([k, v]) => `${k.replace('l2', '')}=${v}`).join(' ') || '-';

async function replica(sandbox: Sandbox, env: Record<string, string>, events: Events = new Map()) {
  let up: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (up = resolve));
  const observer = recorder(events, up);
  // A TTL longer than the run: what is measured is sharing, not expiry in the middle of a run.
  // One caller drives every replica: per-caller bounds far beyond the run, or it would measure refusals.
  const base = { REQUEST_DEADLINE_MS: '30000', CACHE_TTL_MS: String(10 * 60 * 1000), ...ONE_CALLER_UNBOUNDED };
  // On a socket: what is measured includes each replica's HTTP serving, as in production.
  const gateway = await startGateway({ sandbox, env: { ...base, ...env }, deps: { observer }, listen: true });
  // Without REDIS_URL there is no connection to wait for.
  if (env['REDIS_URL'] !== undefined) await connected;
  return gateway;
}

async function replicasScenario(sandbox: Sandbox, ids: string[], env: Record<string, string>) {
  const events: Events = new Map();
  const a = await replica(sandbox, env, events);
  const b = await replica(sandbox, env, events);
  const picks = sequence(42, REQUESTS, ids.length);
  sandbox.resetStats();
  const run = await drive(REQUESTS, (i) => (i % 2 === 0 ? a : b).url, (i) => ids[picks[i] ?? 0] ?? '');
  const { apiGets, tokenRequests } = sandbox.stats;
  await Promise.all([a.close(), b.close()]);
  return { ...run, getsPer1000: (apiGets * 1000) / REQUESTS, apiGets, tokenRequests, events };
}

async function hotPathScenario(sandbox: Sandbox, redis: TestRedis, ids: string[]) {
  const events: Events = new Map();
  const warmer = await replica(sandbox, { REDIS_URL: redis.url });
  // One entry in-process: cycling over many ids misses it every time; one repeated id always hits.
  const measured = await replica(sandbox, { REDIS_URL: redis.url, CACHE_MAX_ENTRIES: '1' }, events);
  const direct = await replica(sandbox, { CACHE_MAX_ENTRIES: '1' });
  const cycle = (i: number) => ids[i % ids.length] ?? '';
  const close = () => Promise.all([warmer, measured, direct].map((g: TestGateway) => g.close()));
  try {
    await drive(ids.length, () => warmer.url, cycle); // every id now in Redis
    await drive(500, () => measured.url, cycle); // warm-up (JIT, sockets)
    await drive(500, () => direct.url, cycle);
    // Interleaved rounds, best of each: other processes on the machine slow some rounds down.
    const best: Record<'lruHit' | 'redisHit' | 'c1' | 'lruSerial' | 'redisSerial', Run[]> = {
      lruHit: [],
      redisHit: [],
      c1: [],
      lruSerial: [],
      redisSerial: [],
    };
    let getsDuringCacheRuns = 0;
    events.clear();
    for (let round = 0; round < HOT_ROUNDS; round += 1) {
      sandbox.resetStats();
      best.lruHit.push(await drive(HOT_REQUESTS, () => measured.url, () => ids[0] ?? ''));
      best.redisHit.push(await drive(HOT_REQUESTS, () => measured.url, cycle));
      getsDuringCacheRuns += sandbox.stats.apiGets;
      best.c1.push(await drive(HOT_REQUESTS, () => direct.url, cycle));
      sandbox.resetStats();
      // One request at a time: 1 / req/s is the latency, so the difference is the lookup's cost.
      best.lruSerial.push(await drive(HOT_REQUESTS / 2, () => measured.url, () => ids[0] ?? '', 1));
      best.redisSerial.push(await drive(HOT_REQUESTS / 2, () => measured.url, cycle, 1));
      getsDuringCacheRuns += sandbox.stats.apiGets;
    }
    const top = (runs: Run[]) => runs.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    return {
      lruHit: top(best.lruHit),
      redisHit: top(best.redisHit),
      c1: top(best.c1),
      lruSerial: top(best.lruSerial),
      redisSerial: top(best.redisSerial),
      failures: Object.values(best)
        .flat()
        .reduce((n, r) => n + r.failures, 0),
      events: new Map(events),
      getsDuringCacheRuns,
    };
  } finally {
    await close();
  }
}

const lines: string[] = [];
/** Prints a report line and keeps it for BENCHMARKS.md. */
function say(line: string): void {
  console.log(line);
  lines.push(...line.split('\n'));
}

/**
 * Appends this run's report to the Markdown file `npm run bench` just wrote (BENCH_OUTPUT, default
 * BENCHMARKS.md; '' writes nothing), so the two-replica figures sit beside the other scenarios.
 */
function appendToReport(): void {
  const output = process.env['BENCH_OUTPUT'] ?? 'BENCHMARKS.md';
  if (output.trim() === '' || !existsSync(output)) return;
  const section = [
    '',
    '## Two replicas on one Redis (`bench/redis-replicas.ts`)',
    '',
    'Two gateways on one sandbox, requests alternating between them, without and then with a shared',
    'Redis (`REDIS_URL`); then the cost of an in-process-cache miss served from Redis, as ratios from',
    'the same run. Everything runs in one process on loopback.',
    '',
    '```',
    ...lines.filter((l, i) => i > 0 || l !== ''),
    '```',
    '',
  ];
  appendFileSync(output, section.join('\n'));
}

async function main(): Promise<void> {
  if (!redisAvailable()) {
    console.log('redis-server is not on PATH: skipping the two-replica scenario (apt-get install redis-server)');
    return;
  }
  const redis = await startRedisServer();
  const sandbox = createSandbox({ latencyMs: LATENCY_MS });
  await sandbox.listen(0);
  const template = sandbox.clients[0];
  for (let i = sandbox.clients.length; i < IDS && template !== undefined; i += 1) {
    sandbox.addClient({ ...template, id: `bench-client-${i}` });
  }
  const ids = sandbox.clients.slice(0, IDS).map((c) => c.id ?? '');
  try {
    say(`sandbox latency ${LATENCY_MS} ms, ${REQUESTS} requests over ${ids.length} ids, ${CONCURRENCY} in flight`);
    const without = await replicasScenario(sandbox, ids, {});
    await redis.admin.flushall();
    const withRedis = await replicasScenario(sandbox, ids, { REDIS_URL: redis.url });
    say('\ntwo replicas, requests alternating between them');
    say('mode                 upstream GETs   per 1,000 req   token requests   req/s   failures   L2 events');
    for (const [name, r] of [['in-process only', without], ['shared Redis', withRedis]] as const) {
      say(
        `${name.padEnd(20)} ${String(r.apiGets).padStart(13)}   ${r.getsPer1000.toFixed(1).padStart(13)}` +
          `   ${String(r.tokenRequests).padStart(14)}   ${r.reqPerSec.toFixed(0).padStart(5)}   ${String(r.failures).padStart(8)}` +
          `   ${show(r.events)}`,
      );
    }

    await redis.admin.flushall();
    const hot = await hotPathScenario(sandbox, redis, ids);
    say(`\nhot path, one replica, best of ${HOT_ROUNDS} interleaved rounds of ${HOT_REQUESTS} requests`);
    say(`in-process hit          ${hot.lruHit.reqPerSec.toFixed(0).padStart(6)} req/s`);
    say(
      `in-process miss, Redis hit ${hot.redisHit.reqPerSec.toFixed(0).padStart(3)} req/s` +
        `  = ${(hot.redisHit.reqPerSec / hot.lruHit.reqPerSec).toFixed(2)} x the in-process hit` +
        `  (${hot.events.get('l2Lookup:hit') ?? 0} Redis hits, ${hot.getsDuringCacheRuns} upstream GETs; ${show(hot.events)})`,
    );
    say(
      `in-process miss, C1 (${LATENCY_MS} ms) ${hot.c1.reqPerSec.toFixed(0).padStart(5)} req/s` +
        `  = ${(hot.c1.reqPerSec / hot.lruHit.reqPerSec).toFixed(2)} x the in-process hit`,
    );
    const micros = (run: Run) => 1e6 / run.reqPerSec;
    say(
      `one request at a time: in-process hit ${micros(hot.lruSerial).toFixed(0)} µs, Redis hit ` +
        `${micros(hot.redisSerial).toFixed(0)} µs per request (+${(micros(hot.redisSerial) - micros(hot.lruSerial)).toFixed(0)} µs)`,
    );
    if (hot.failures > 0) say(`(${hot.failures} failed requests in the hot-path runs)`);
    appendToReport();
  } finally {
    await sandbox.close();
    await redis.close();
    await agent.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
