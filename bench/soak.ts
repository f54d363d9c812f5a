/**
 * `npm run soak`: the real gateway process (the build) against the sandbox behind a fault-injecting
 * proxy, hit with SOAK_REQUESTS GraphQL requests, with Node's default heap flags. The proxy answers
 * a share of C1 calls with random faults, and pushes back with 429 (`Retry-After: 0`) whenever more
 * than SOAK_PUSHBACK_ABOVE calls are in flight, as a loaded C1 does. Passes when every response is
 * data or typed errors, the process is alive (no crash from an unhandled rejection), its RSS after
 * warm-up is flat within 20 % (by the peaks of its saw-tooth, soak/rss-trend.ts), C1 never saw more
 * calls in flight than UPSTREAM_MAX_IN_FLIGHT allows, and SIGTERM ends it with exit code 0.
 * Knobs: SOAK_REQUESTS (100000), SOAK_CONCURRENCY (32), SOAK_FAULT_RATE (0.1), SOAK_PUSHBACK_ABOVE
 * (12), SOAK_SEED (random), SOAK_NODE_ARGS (the gateway's Node flags; none, V8's defaults).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import { loadConfig } from '../src/config.js';
import { createSandbox } from '../src/sandbox/index.js';
import { ONE_CALLER_UNBOUNDED } from './env.js';
import { startFaultProxy } from './soak/fault-proxy.js';
import { startGatewayProcess } from './soak/gateway-process.js';
import { seededRandom } from './soak/random.js';
import { rssTrend } from './soak/rss-trend.js';
import { classify } from './soak/responses.js';

const num = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};
const REQUESTS = num('SOAK_REQUESTS', 100_000);
const CONCURRENCY = num('SOAK_CONCURRENCY', 32);
const FAULT_RATE = num('SOAK_FAULT_RATE', 0.1);
/** The issue's pushback: C1 refuses what comes in above 12 calls in flight. */
const PUSHBACK_ABOVE = num('SOAK_PUSHBACK_ABOVE', 12);
const SEED = num('SOAK_SEED', Math.floor(Math.random() * 2 ** 31));
/**
 * With Node's default heap flags V8 grows its heap for the first requests, which says nothing about
 * leaks: RSS is judged only after the first fifth, by the peaks of its saw-tooth (soak/rss-trend.ts).
 */
const WARMUP = Math.floor(REQUESTS / 5);
const RSS_TOLERANCE = 0.2;
/** Requests between RSS samples: 80 after warm-up, several per garbage-collection cycle. */
const RSS_EVERY = Math.max(1, Math.floor(REQUESTS / 100));
/** Every this many RSS samples the line printed carries one, with the heap beside it. */
const PRINT_EVERY = 5;
const NODE_ARGS = (process.env['SOAK_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

let harnessRejections = 0;
process.on('unhandledRejection', () => void harnessRejections++);

async function main(): Promise<number> {
  const random = seededRandom(SEED);
  // Short-lived tokens, so the token path is refreshed (through the faults) during the run.
  const sandbox = createSandbox({ tokenTtlSeconds: 30 });
  await sandbox.listen(0);
  const proxy = await startFaultProxy({ target: sandbox.url, faultRate: FAULT_RATE, random, slowMs: 1_500, pushbackAbove: PUSHBACK_ABOVE });
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    C1_CLIENT_ID: sandbox.credentials.clientId,
    C1_CLIENT_SECRET: sandbox.credentials.clientSecret,
    C1_API_URL: proxy.url,
    TOKEN_EXPIRY_MARGIN_MS: '5000',
    REQUEST_DEADLINE_MS: '2000',
    UPSTREAM_HEADERS_TIMEOUT_MS: '500',
    UPSTREAM_BODY_TIMEOUT_MS: '500',
    UPSTREAM_RETRY_BASE_MS: '20',
    UPSTREAM_RETRY_MAX_MS: '200',
    // Short TTL so most requests reach the faulty upstream; the stale window masks some faults.
    CACHE_TTL_MS: '200',
    CACHE_NOT_FOUND_TTL_MS: '200',
    // One caller at full speed: the soak exercises upstream faults, not the per-caller bounds.
    ...ONE_CALLER_UNBOUNDED,
    // The limit gauge is read every LIMIT_POLL_MS: each read must be a fresh render.
    METRICS_MIN_INTERVAL_MS: '0',
  };
  // The ceiling the gateway runs with, read as it reads it; the adaptive limit stays under it.
  const maxInFlight = loadConfig(env).UPSTREAM_MAX_IN_FLIGHT;
  const gateway = await startGatewayProcess(env, NODE_ARGS, 'dist');
  const ids = [...sandbox.clients.map((c) => c.id as string), ...Array.from({ length: 8 }, (_, i) => `missing-${i}`)];
  const anyId = () => ids[Math.floor(random() * ids.length)] as string;
  const queryText = (): string => {
    const r = random();
    if (r < 0.6) return `{ personalClient(id: "${anyId()}") { id displayName scopedRoles } }`;
    if (r < 0.9) return `{ personalClients(ids: ${JSON.stringify([anyId(), anyId(), anyId(), anyId(), anyId()])}) { id clientId } }`;
    return `{ a: personalClient(id: "${anyId()}") { id } b: personalClient(id: "${anyId()}") { userId } }`;
  };

  const highestLimit = watchHighestLimit(gateway.url);
  const pool = new Pool(gateway.url, { connections: CONCURRENCY });
  const verdicts = { data: 0, 'typed-error': 0, untyped: 0 };
  const codes = new Map<string, number>();
  const untypedSamples: string[] = [];
  let sent = 0;
  let rssWarm = 0;
  const rssSeries: number[] = [];
  const heapSeries: { used: number; total: number }[] = [];
  const started = performance.now();
  const worker = async () => {
    while (sent < REQUESTS) {
      const n = ++sent;
      if (n === WARMUP + 1) rssWarm = gateway.rss();
      if (n > WARMUP && n % RSS_EVERY === 0) {
        rssSeries.push(gateway.rss());
        if (rssSeries.length % PRINT_EVERY === 0) heapSeries.push(highestLimit.heap());
      }
      const response = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: queryText() }),
      });
      const result = classify(response.statusCode, await response.body.text());
      verdicts[result.verdict]++;
      for (const code of result.codes) codes.set(code, (codes.get(code) ?? 0) + 1);
      if (result.verdict === 'untyped' && untypedSamples.length < 5) untypedSamples.push(result.codes.join(','));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const rssEnd = gateway.rss();
  const gatewayCpu = gateway.cpuSeconds();
  const rssMax = Math.max(rssEnd, ...rssSeries);
  const rssMin = Math.min(rssEnd, ...rssSeries);
  const limitPeak = await highestLimit.stop();
  const alive = gateway.alive();
  const health = await fetch(`${gateway.url}/health`).then((r) => r.status, () => 0);
  await pool.close();
  const exitCode = await gateway.stop();
  await proxy.close();
  await sandbox.close();

  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const trend = rssTrend([...rssSeries, rssEnd], RSS_TOLERANCE);
  const faults = Object.values(proxy.counts.faults).reduce((a, b) => a + b, 0);
  const totalUpstream = proxy.counts.forwarded + faults + proxy.counts.pushback;
  const share = (n: number) => `${((n / Math.max(1, totalUpstream)) * 100).toFixed(1)} %`;
  const checks: [string, boolean][] = [
    [`every response is data or typed errors (untyped: ${verdicts.untyped})`, verdicts.untyped === 0],
    [`gateway alive at the end, /health ${health}`, alive && health === 200],
    [`no crash, error log or unhandled rejection in the gateway (${gateway.problems.length} lines)`, gateway.problems.length === 0],
    [`no unhandled rejection in the harness (${harnessRejections})`, harnessRejections === 0],
    [
      `RSS flat after warm-up within ${RSS_TOLERANCE * 100} %: the second half's peak ${pct(trend.change)} from the first half's ` +
        `(${mib(trend.earlyPeak)} to ${mib(trend.latePeak)}; within ±${RSS_TOLERANCE * 50} %, as a steady climb shows at half its size)`,
      trend.flat,
    ],
    [
      `C1 saw no more calls in flight than the highest limit the gateway reached (peak ${proxy.inFlight.peak}, ` +
        `limit at most ${limitPeak}, UPSTREAM_MAX_IN_FLIGHT ${maxInFlight})`,
      proxy.inFlight.peak <= Math.min(limitPeak, maxInFlight),
    ],
    [`SIGTERM exit code 0 (got ${exitCode})`, exitCode === 0],
  ];
  const lines = [
    `soak: ${REQUESTS} GraphQL requests, concurrency ${CONCURRENCY}, fault rate ${FAULT_RATE}, 429 above ${PUSHBACK_ABOVE} in flight, ` +
      `seed ${SEED}, node ${NODE_ARGS.join(' ') || '(default heap flags)'}`,
    `  duration ${seconds.toFixed(1)} s, ${(REQUESTS / seconds).toFixed(0)} requests/s; gateway CPU ${gatewayCpu.toFixed(1)} s, harness CPU ${(process.cpuUsage().user / 1e6).toFixed(1)} s`,
    `  responses: data ${verdicts.data}, typed errors ${verdicts['typed-error']}, untyped ${verdicts.untyped}`,
    `  error codes: ${[...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`,
    `  C1 API calls and token POSTs ${totalUpstream}: forwarded ${proxy.counts.forwarded}, random faults ${faults} (${share(faults)}), ` +
      `pushback 429s ${proxy.counts.pushback} (${share(proxy.counts.pushback)})`,
    `  C1 API calls in flight as C1 saw them: peak ${proxy.inFlight.peak}, against the limit's highest ${limitPeak} (c1_gateway_upstream_concurrency_limit ` +
      `every ${LIMIT_POLL_MS} ms), UPSTREAM_MAX_IN_FLIGHT ${maxInFlight} and pushback above ${PUSHBACK_ABOVE}`,
    `  faults by kind: ${Object.entries(proxy.counts.faults).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `  sandbox: ${sandbox.stats.tokenRequests} token requests, ${sandbox.stats.apiGets} GETs`,
    `  RSS after warm-up (${WARMUP} requests) ${mib(rssWarm)}, at the end ${mib(rssEnd)}, min ${mib(rssMin)}, max ${mib(rssMax)}`,
    `  RSS every ${RSS_EVERY * PRINT_EVERY} requests after warm-up (MiB; judged on one every ${RSS_EVERY}): ` +
      rssSeries.filter((_, i) => (i + 1) % PRINT_EVERY === 0).map((b) => (b / 1024 / 1024).toFixed(0)).join(' '),
    `  V8 heap used / total at the same points (MiB): ${heapSeries.map((h) => `${(h.used / 1024 / 1024).toFixed(0)}/${(h.total / 1024 / 1024).toFixed(0)}`).join(' ')}`,
    ...untypedSamples.map((s) => `  untyped sample: ${s}`),
    ...gateway.problems.slice(0, 5).map((p) => `  gateway: ${p}`),
    ...checks.map(([what, ok]) => `  ${ok ? 'PASS' : 'FAIL'} ${what}`),
  ];
  console.log(lines.join('\n'));
  return checks.every(([, ok]) => ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('soak failed to run:', error);
    process.exit(2);
  },
);

/** How often the gateway's limit gauge is read; it moves by one slot per limit's worth of answers. */
const LIMIT_POLL_MS = 50;

/** The highest value of c1_gateway_upstream_concurrency_limit on /metrics while the load runs. */
function watchHighestLimit(gatewayUrl: string): { stop(): Promise<number>; heap(): { used: number; total: number } } {
  let highest = 0;
  let running = true;
  const heap = { used: NaN, total: NaN };
  const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  const poll = (async () => {
    while (running) {
      const text = await fetch(`${gatewayUrl}/metrics`).then((r) => r.text(), () => '');
      const value = gauge(text, 'c1_gateway_upstream_concurrency_limit');
      if (Number.isFinite(value)) highest = Math.max(highest, value);
      heap.used = gauge(text, 'nodejs_heap_size_used_bytes');
      heap.total = gauge(text, 'nodejs_heap_size_total_bytes');
      await delay(LIMIT_POLL_MS);
    }
  })();
  return {
    heap: () => ({ ...heap }),
    async stop() {
      running = false;
      await poll;
      return highest;
    },
  };
}
