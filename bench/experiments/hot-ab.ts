/**
 * The hot read, two builds, several processes each: PROCS gateway processes of this build (dist/)
 * and PROCS of another (BEFORE, a dist/ directory), all measured in the same interleaved rounds
 * (the harness's BENCH_* settings apply). One process of a build can sit 15 % away from another
 * process of the same build, so a one-process A/B cannot show a change smaller than that; this
 * prints each process's figures and each build's median.
 * Run after `npm run build`:  BEFORE=/path/to/other/dist npx tsx bench/experiments/hot-ab.ts
 */
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import type { GatewayBuild } from '../child.js';
import { createBenchEnv } from '../env.js';
import { benchOptionsFromEnv } from '../options.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from '../queries.js';
import { measureRounds, warmUp, type Measured, type RoundTarget } from '../rounds.js';

const PROCS = Number(process.env['PROCS'] ?? 3);
const before = process.env['BEFORE'];
if (before === undefined) throw new Error('BEFORE=<another build\'s dist directory> is required');
const options = benchOptionsFromEnv(process.env);
const env = await createBenchEnv(options);
const body = oneClientBody(SAMPLE_CLIENT_ID);
const builds: [string, GatewayBuild][] = [
  ['this', 'dist'],
  ['before', { dist: before }],
];
try {
  const targets: RoundTarget[] = [];
  for (let i = 0; i < PROCS; i += 1) {
    for (const [build, from] of builds) {
      const server = await env.startGateway(`${build}-${i}`, {}, { from, nodeArgs: [] });
      // Fills the cache: every measured request is a hit.
      await fetch(`${server.url}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body });
      targets.push({ name: `${build}-${i}`, spec: { url: server.url, body, headers: GRAPHQL_HEADERS, connections: options.connections, verifyBody: hasNoErrors }, server });
    }
  }
  await warmUp(env, targets, options.warmupSeconds);
  const measured = await measureRounds(env, targets);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const figures = (xs: number[]) => `${xs.map((x) => Math.round(x)).join(' ')} (median ${Math.round(median(xs))})`;
  for (const [build] of builds) {
    const processes: Measured[] = Object.entries(measured).filter(([name]) => name.startsWith(`${build}-`)).map(([, m]) => m);
    console.log(
      `${build}: req/s ${figures(processes.map((m) => m.load.reqPerSec))}; ` +
        `CPU µs/req ${figures(processes.map((m) => m.cpuMicrosPerRequest ?? NaN))}`,
    );
  }
} finally {
  await env.close();
}
