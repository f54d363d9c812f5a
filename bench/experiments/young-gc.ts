/**
 * What cold reads leave to the young-generation GC: one gateway started as `npm start` runs it
 * (`node --max-semi-space-size=32 dist/main.js`, plus `--trace-gc-nvp`), against the sandbox (5 ms) in
 * its own process, at RATE new ids a second (open loop, 50 connections) for SECONDS after an 8 s
 * warm-up. Prints, over the measured scavenges, the median bytes each promoted to the old
 * generation and copied within the young one, the pauses, and the client's p99. Promoted bytes are
 * counts, not times, and steadier than CPU figures on this VM, though one build can still move by
 * a quarter from one run to the next: compare builds in alternating runs.
 * Not part of `npm run bench`: a reproducible experiment behind the cold-tail analysis in README.md.
 *
 * Run after `npm run build`:  npx tsx bench/experiments/young-gc.ts
 *   MAIN=/path/to/other/dist/main.js   another build (a before/after; run them alternately)
 *   RATE=300 SECONDS=10                the load
 *   GATEWAY_ENV='{"CACHE_MAX_ENTRIES":"1"}'  gateway settings on top of the bench's
 *   NODE_ARGS='--max-semi-space-size=16'     node flags instead of npm start's
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gatewayEnv } from '../env.js';
import { IdSequence } from '../ids.js';
import { runOpenLoop } from '../open-loop.js';
import { spawnServer } from '../processes.js';
import { GRAPHQL_HEADERS, oneClientBody } from '../queries.js';
import { median } from '../stats.js';

const RATE = Number(process.env['RATE'] ?? 300);
const SECONDS = Number(process.env['SECONDS'] ?? 10);
const POOL = 200_000;
const PORT = 4321;
const main = process.env['MAIN'] ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const nodeArgs = (process.env['NODE_ARGS'] ?? '--max-semi-space-size=32').split(' ').filter((a) => a !== '');

const sandbox = await spawnServer('sandbox', { kind: 'sandbox', latencyMs: 5, poolSize: POOL });
const credentials = await sandbox.call<{ clientId: string; clientSecret: string }>('credentials');
const env = {
  ...process.env,
  ...gatewayEnv(credentials, sandbox.url, 'info'),
  PORT: String(PORT),
  ...(JSON.parse(process.env['GATEWAY_ENV'] ?? '{}') as Record<string, string>),
};
const gateway = spawn(process.execPath, [...nodeArgs, '--trace-gc-nvp', main], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const traces: string[] = [];
let pending = '';
gateway.stdout.on('data', (chunk: Buffer) => {
  const lines = (pending + chunk.toString()).split('\n');
  pending = lines.pop() ?? '';
  traces.push(...lines.filter((line) => line.includes(' gc=')));
});

try {
  await waitForReady(`http://127.0.0.1:${PORT}/health`);
  const ids = new IdSequence(POOL);
  const load = (seconds: number) =>
    runOpenLoop({ url: `http://127.0.0.1:${PORT}`, headers: GRAPHQL_HEADERS, connections: 50, overallRate: RATE, seconds, nextBody: () => oneClientBody(ids.next()) });
  await load(8);
  traces.length = 0;
  const result = await load(SECONDS);
  const field = (line: string, key: string) => Number(new RegExp(`\\b${key}=([\\d.]+)`).exec(line)?.[1] ?? NaN);
  // Every isolate of the process traces here (a worker's, a loader thread's): keep the main thread's,
  // the one that allocated the most while serving.
  const isolateOf = (line: string) => /^\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1] ?? '';
  const allocated = new Map<string, number>();
  for (const line of traces) allocated.set(isolateOf(line), (allocated.get(isolateOf(line)) ?? 0) + (field(line, 'allocated') || 0));
  const mainIsolate = [...allocated].sort((x, y) => y[1] - x[1])[0]?.[0];
  const ours = traces.filter((line) => isolateOf(line) === mainIsolate);
  const scavenges = ours.filter((line) => line.includes(' gc=s '));
  const kb = (values: number[]) => `${(median(values) / 1024).toFixed(0)} KB`;
  const pauses = scavenges.map((line) => field(line, 'pause'));
  console.log(
    `${scavenges.length} scavenges (${ours.length - scavenges.length} other GCs) in ${SECONDS} s at ${RATE}/s; per scavenge: ` +
      `promoted ${kb(scavenges.map((line) => field(line, 'promoted')))}, copied ${kb(scavenges.map((line) => field(line, 'new_space_survived')))}, ` +
      `pause median ${median(pauses).toFixed(1)} ms, max ${Math.max(...pauses).toFixed(1)} ms; ` +
      `client p99 ${result.p99Ms.toFixed(1)} ms, ${result.non2xx + result.errors} failed`,
  );
} finally {
  gateway.kill('SIGTERM');
  await sandbox.close();
}

async function waitForReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the gateway did not answer ${url}`);
}
