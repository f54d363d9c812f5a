/**
 * `npm run soak:hostile` (issue 12): the built gateway in production mode with default settings,
 * for SOAK_HOSTILE_SECONDS under amplification callers and a cold-id flood from 127.0.0.1, beside
 * a normal caller from 127.0.0.2. Prints whether the process lived, its RSS, the normal caller's
 * latency, every answer by outcome and the C1 GETs against the per-caller budgets; writes them to
 * its section of BENCHMARKS.md; exits 1 on a missed target, 2 if the harness itself failed.
 * Knobs: SOAK_HOSTILE_SECONDS (60), _AMPLIFIERS (48; 0 for none), _FLOODERS (10; 0 for none),
 * _NORMAL_RATE (4 requests/s), _NODE_ARGS (`npm start`'s flags), _OUTPUT (BENCHMARKS.md; '' writes nothing).
 */
import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { createSandbox, SAMPLE_CLIENT_ID } from '../src/sandbox/index.js';
import { gatewayDefaults } from './env.js';
import { benchClientId } from './ids.js';
import { runLoad } from './load.js';
import { describeMachine } from './report.js';
import { startClosedLoop } from './soak/closed-loop.js';
import { startClosedLoopThread } from './soak/closed-loop-thread.js';
import { startGatewayProcess } from './soak/gateway-process.js';
import { entitiesAmplifier, manyIdsBody, oneIdBody, repeatedIdsAmplifier, typenameAmplifier } from './soak/hostile-bodies.js';
import { consoleText, hostileChecks, markdownSection, writeSection, type HostileResult } from './soak/hostile-report.js';
import { outcomeOf } from './soak/outcomes.js';
import { watchGateway } from './soak/watch.js';
import { productionNodeArgs } from './node-args.js';

/** A knob from the environment; `min` 0 lets one kind of caller be left out, to see the others alone. */
const num = (name: string, fallback: number, min = Number.MIN_VALUE): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number of at least ${min}`);
  return value;
};
const KNOBS = ['SECONDS', 'AMPLIFIERS', 'FLOODERS', 'NORMAL_RATE', 'NODE_ARGS', 'OUTPUT'].map((k) => `SOAK_HOSTILE_${k}`);
const SECONDS = num('SOAK_HOSTILE_SECONDS', 60);
const AMPLIFIERS = Math.floor(num('SOAK_HOSTILE_AMPLIFIERS', 48, 0));
const FLOODERS = Math.floor(num('SOAK_HOSTILE_FLOODERS', 10, 0));
const NORMAL_RATE = num('SOAK_HOSTILE_NORMAL_RATE', 4);
// By default the flags `npm start` runs with (no heap limit among them: V8's own).
const NODE_ARGS = (process.env['SOAK_HOSTILE_NODE_ARGS'] ?? productionNodeArgs().join(' ')).split(' ').filter((a) => a !== '');
const OUTPUT = process.env['SOAK_HOSTILE_OUTPUT'] ?? 'BENCHMARKS.md';
/** Upstream latency of every sandbox GET (ms): a C1 in the same region. */
const LATENCY_MS = 50;
const HOSTILE_ADDRESS = '127.0.0.1';
const NORMAL_ADDRESS = '127.0.0.2';
/** Ids in the normal caller's warm working set; every COLD_EVERY-th request asks a fresh id instead. */
const WORKING_SET = 16;
const COLD_EVERY = 10;
const IDS_PER_FLOOD_REQUEST = 100;
/** How long answers in flight at the end may take before they are cut (ms). */
const DRAIN_GRACE_MS = 10_000;
const RSS_LIMIT = 512 * 1024 * 1024;
const P99_LIMIT_MS = 1_000;

async function main(): Promise<number> {
  const defaults = gatewayDefaults();
  const sandbox = createSandbox({ latencyMs: LATENCY_MS });
  await sandbox.listen(0);
  const template = sandbox.clients.find((c) => c.id === SAMPLE_CLIENT_ID) ?? sandbox.clients[0];
  let fresh = 0;
  /** An id the sandbox knows and nobody has asked for yet. */
  const freshId = (): string => {
    const id = benchClientId(1_000_000 + fresh++);
    if (template !== undefined) sandbox.addClient({ ...template, id });
    return id;
  };
  const loadBefore = loadavg()[0] ?? 0;
  // Production mode, default settings: only what production needs (credentials, the C1 origin) is set.
  const { clientId, clientSecret } = sandbox.credentials;
  const env = {
    NODE_ENV: 'production',
    C1_CLIENT_ID: clientId,
    C1_CLIENT_SECRET: clientSecret,
    C1_API_URL: sandbox.url,
    CURSOR_SECRET: 'bench-cursor-secret-not-for-production-use',
  };
  const gateway = await startGatewayProcess(env, NODE_ARGS, 'dist');
  const warm = sandbox.clients.filter((c) => c.deletedAt === null).slice(0, WORKING_SET).map((c) => c.id ?? '');
  const shapes = [
    entitiesAmplifier(SAMPLE_CLIENT_ID, defaults.MAX_REQUEST_BYTES),
    repeatedIdsAmplifier(SAMPLE_CLIENT_ID, defaults.MAX_IDS_PER_REQUEST),
    typenameAmplifier(),
  ];
  let asked = 0;
  const normalBody = () => oneIdBody(++asked % COLD_EVERY === 0 ? freshId() : (warm[asked % warm.length] ?? ''));
  const normalLoad = (seconds: number, rate: number, onResponse?: (status: number, text: string) => void) =>
    runLoad({
      url: gateway.url, connections: 8, seconds, overallRate: rate, localAddress: NORMAL_ADDRESS,
      headers: { 'content-type': 'application/json' }, nextBody: normalBody, ...(onResponse ? { onResponse } : {}),
    });
  await normalLoad(1, warm.length); // the working set is cached before the clock starts
  const tokenPostsBefore = sandbox.stats.tokenRequests; // the first token is fetched here
  sandbox.resetStats();

  const watch = watchGateway(gateway, () => sandbox.stats.apiGets);
  const rssStart = gateway.alive() ? gateway.rss() : 0;
  const amplifiers = startClosedLoopThread({
    url: gateway.url, localAddress: HOSTILE_ADDRESS, workers: AMPLIFIERS,
    bodies: shapes.map(({ kind, body }) => ({ kind, body })),
  });
  const flood = startClosedLoop({
    url: gateway.url, localAddress: HOSTILE_ADDRESS, workers: FLOODERS,
    next: () => ({ kind: 'cold-ids', body: manyIdsBody(Array.from({ length: IDS_PER_FLOOD_REQUEST }, freshId)) }),
  });
  const normalOutcomes = new Map<string, number>();
  const normal = normalLoad(SECONDS, NORMAL_RATE, (status, text) => {
    const outcome = outcomeOf(status, text);
    normalOutcomes.set(outcome, (normalOutcomes.get(outcome) ?? 0) + 1);
  });

  let normalFinished = false;
  void normal.then(() => (normalFinished = true));
  await delay(SECONDS * 1000);
  const rssEnd = watch.lastRss();
  const hostileDone = Promise.all([amplifiers.stop(), flood.stop()]);
  const drained = Promise.all([hostileDone, normal]).then(() => true);
  if ((await Promise.race([drained, delay(DRAIN_GRACE_MS, false)])) === false) {
    amplifiers.abort();
    flood.abort();
  }
  await hostileDone;
  // The normal caller has sent everything by now; what is still unanswered ends with the gateway.
  const ending = normalFinished ? undefined : await watch.stop();
  const normalResult = await normal;
  await watch.quiet(() => sandbox.stats.inFlightGets === 0);
  const upstreamSeconds = watch.elapsedSeconds();
  const stats = { ...sandbox.stats, getsByStatus: { ...sandbox.stats.apiGetsByStatus } };
  const exit = ending ?? (await watch.stop());
  await sandbox.close();

  const result: HostileResult = {
    command: [...KNOBS.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`), 'npm run soak:hostile'].join(' '),
    settings: {
      seconds: SECONDS, amplifiers: AMPLIFIERS, flooders: FLOODERS, idsPerFloodRequest: IDS_PER_FLOOD_REQUEST,
      normalRate: NORMAL_RATE, workingSet: WORKING_SET, coldEvery: COLD_EVERY, sandboxLatencyMs: LATENCY_MS,
      nodeArgs: NODE_ARGS.join(' ') || '(none)',
      loadAverage: `${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after`,
    },
    shapes: (AMPLIFIERS > 0 ? shapes : []).map((s) => `${s.kind}: ${s.about}, ${(s.body.length / 1024).toFixed(1)} KiB in`),
    tallies: new Map([...amplifiers.tallies, ...flood.tallies]),
    normal: normalResult,
    normalOutcomes,
    death: watch.death(),
    ending: exit,
    rssStart, rssPeak: watch.rssPeak(), rssEnd, timeline: watch.timeline,
    upstreamSeconds, gets: stats.apiGets, getsByStatus: stats.getsByStatus, tokenPosts: tokenPostsBefore + stats.tokenRequests,
    callerKeys: 2, rate: defaults.CALLER_UPSTREAM_RATE, burst: defaults.CALLER_UPSTREAM_BURST,
    rssLimit: RSS_LIMIT, p99LimitMs: P99_LIMIT_MS, problems: gateway.problems,
  };
  console.log(consoleText(result));
  if (OUTPUT.trim() !== '') {
    writeSection(OUTPUT, markdownSection(result, describeMachine()));
    console.log(`wrote its section of ${OUTPUT}`);
  }
  return hostileChecks(result).every((c) => c.pass) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('soak:hostile failed to run:', error);
    process.exit(2);
  },
);
