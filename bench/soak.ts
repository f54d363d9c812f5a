/**
 * `npm run soak`: the real gateway process against the sandbox behind a fault-injecting proxy,
 * hit with SOAK_REQUESTS GraphQL requests. Passes when every response is data or typed errors,
 * the process is alive (no crash from an unhandled rejection), its RSS at the end is within 20 %
 * of RSS after warm-up, and SIGTERM ends it with exit code 0. Prints the figures.
 * Knobs: SOAK_REQUESTS (20000), SOAK_CONCURRENCY (32), SOAK_FAULT_RATE (0.1), SOAK_SEED (random),
 * SOAK_NODE_ARGS (the gateway's Node flags, --max-old-space-size=192).
 */
import { Pool } from 'undici';
import { createSandbox } from '../src/sandbox/index.js';
import { ONE_CALLER_UNBOUNDED } from './env.js';
import { startFaultProxy } from './soak/fault-proxy.js';
import { startGatewayProcess } from './soak/gateway-process.js';
import { seededRandom } from './soak/random.js';
import { classify } from './soak/responses.js';

const num = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};
const REQUESTS = num('SOAK_REQUESTS', 20_000);
const CONCURRENCY = num('SOAK_CONCURRENCY', 32);
const FAULT_RATE = num('SOAK_FAULT_RATE', 0.1);
const SEED = num('SOAK_SEED', Math.floor(Math.random() * 2 ** 31));
const WARMUP = Math.min(2_000, Math.floor(REQUESTS / 10));
const RSS_TOLERANCE = 0.2;
/**
 * The gateway runs with a fixed heap ceiling, as in a container with a memory limit. Without one,
 * V8 keeps growing its heap for the first ~10,000 requests (heap used after GC stays flat), which
 * says nothing about leaks; with one, a leak shows as a crash instead. SOAK_NODE_ARGS='' for V8 defaults.
 */
const NODE_ARGS = (process.env['SOAK_NODE_ARGS'] ?? '--max-old-space-size=192').split(' ').filter((a) => a !== '');

let harnessRejections = 0;
process.on('unhandledRejection', () => void harnessRejections++);

async function main(): Promise<number> {
  const random = seededRandom(SEED);
  // Short-lived tokens, so the token path is refreshed (through the faults) during the run.
  const sandbox = createSandbox({ tokenTtlSeconds: 30 });
  await sandbox.listen(0);
  const proxy = await startFaultProxy({ target: sandbox.url, faultRate: FAULT_RATE, random, slowMs: 1_500 });
  const gateway = await startGatewayProcess({
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
  }, NODE_ARGS);
  const ids = [...sandbox.clients.map((c) => c.id as string), ...Array.from({ length: 8 }, (_, i) => `missing-${i}`)];
  const anyId = () => ids[Math.floor(random() * ids.length)] as string;
  const queryText = (): string => {
    const r = random();
    if (r < 0.6) return `{ personalClient(id: "${anyId()}") { id displayName scopedRoles } }`;
    if (r < 0.9) return `{ personalClients(ids: ${JSON.stringify([anyId(), anyId(), anyId(), anyId(), anyId()])}) { id clientId } }`;
    return `{ a: personalClient(id: "${anyId()}") { id } b: personalClient(id: "${anyId()}") { userId } }`;
  };

  const pool = new Pool(gateway.url, { connections: CONCURRENCY });
  const verdicts = { data: 0, 'typed-error': 0, untyped: 0 };
  const codes = new Map<string, number>();
  const untypedSamples: string[] = [];
  let sent = 0;
  let rssWarm = 0;
  const rssSeries: number[] = [];
  const started = performance.now();
  const worker = async () => {
    while (sent < REQUESTS) {
      const n = ++sent;
      if (n === WARMUP + 1) rssWarm = gateway.rss();
      if (n % 2_000 === 0) rssSeries.push(gateway.rss());
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
  const alive = gateway.alive();
  const health = await fetch(`${gateway.url}/health`).then((r) => r.status, () => 0);
  await pool.close();
  const exitCode = await gateway.stop();
  await proxy.close();
  await sandbox.close();

  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const rssChange = rssWarm > 0 ? (rssEnd - rssWarm) / rssWarm : Infinity;
  const totalUpstream = proxy.counts.forwarded + Object.values(proxy.counts.faults).reduce((a, b) => a + b, 0);
  const checks: [string, boolean][] = [
    [`every response is data or typed errors (untyped: ${verdicts.untyped})`, verdicts.untyped === 0],
    [`gateway alive at the end, /health ${health}`, alive && health === 200],
    [`no crash, error log or unhandled rejection in the gateway (${gateway.problems.length} lines)`, gateway.problems.length === 0],
    [`no unhandled rejection in the harness (${harnessRejections})`, harnessRejections === 0],
    [`RSS end within ${RSS_TOLERANCE * 100} % of warm-up (${(rssChange * 100).toFixed(1)} %)`, Math.abs(rssChange) <= RSS_TOLERANCE],
    [`SIGTERM exit code 0 (got ${exitCode})`, exitCode === 0],
  ];
  const lines = [
    `soak: ${REQUESTS} GraphQL requests, concurrency ${CONCURRENCY}, fault rate ${FAULT_RATE}, seed ${SEED}, node ${NODE_ARGS.join(' ') || '(defaults)'}`,
    `  duration ${seconds.toFixed(1)} s, ${(REQUESTS / seconds).toFixed(0)} requests/s; gateway CPU ${gatewayCpu.toFixed(1)} s, harness CPU ${(process.cpuUsage().user / 1e6).toFixed(1)} s`,
    `  responses: data ${verdicts.data}, typed errors ${verdicts['typed-error']}, untyped ${verdicts.untyped}`,
    `  error codes: ${[...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}`,
    `  upstream requests ${totalUpstream}: forwarded ${proxy.counts.forwarded}, faults ${totalUpstream - proxy.counts.forwarded} (${(((totalUpstream - proxy.counts.forwarded) / Math.max(1, totalUpstream)) * 100).toFixed(1)} %)`,
    `  faults by kind: ${Object.entries(proxy.counts.faults).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `  sandbox: ${sandbox.stats.tokenRequests} token requests, ${sandbox.stats.apiGets} GETs`,
    `  RSS after warm-up (${WARMUP} requests) ${mib(rssWarm)}, at the end ${mib(rssEnd)}, max ${mib(rssMax)}`,
    `  RSS every 2,000 requests (MiB): ${rssSeries.map((b) => (b / 1024 / 1024).toFixed(0)).join(' ')}`,
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
