/**
 * The hot target with several processes of each server: PROCS gateway processes (dist/) and PROCS
 * bare Yoga processes, all measured in the same interleaved rounds (the harness's BENCH_* settings
 * apply), then the median gateway's req/s over the median bare Yoga's. The hot scenario measures
 * one process of each, and one process of a server can sit 15 % or more from another of the same
 * server; this says whether that spread hides a different ratio.
 * Run after `npm run build`:  npx tsx bench/experiments/hot-ratio.ts
 */
import type { PersonalClient } from '../../src/domain/personal-client.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { createBenchEnv } from '../env.js';
import type { ChildServer } from '../processes.js';
import { benchOptionsFromEnv } from '../options.js';
import { GRAPHQL_HEADERS, hasNoErrors, oneClientBody } from '../queries.js';
import { measureRounds, warmUp, type Measured, type RoundTarget } from '../rounds.js';
import { median } from '../stats.js';
import { HOT_RATIO_TARGET } from '../scenarios/hot.js';

const PROCS = Number(process.env['PROCS'] ?? 3);
if (!Number.isInteger(PROCS) || PROCS < 1) throw new Error('PROCS must be a whole number, at least 1');
const options = benchOptionsFromEnv(process.env);
const env = await createBenchEnv(options);
const body = oneClientBody(SAMPLE_CLIENT_ID);
const target = (name: string, url: string, server: ChildServer): RoundTarget => ({
  name,
  spec: { url, body, headers: GRAPHQL_HEADERS, connections: options.connections, verifyBody: hasNoErrors },
  server,
});
try {
  const targets: RoundTarget[] = [];
  let client: PersonalClient | undefined;
  for (let i = 0; i < PROCS; i += 1) {
    const gateway = await env.startGateway(`gateway-${i}`);
    // Fills the cache: every measured request is a hit. Its data is bare Yoga's constant.
    const filled = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body });
    client ??= ((await filled.json()) as { data: { personalClient: PersonalClient } }).data.personalClient;
    targets.push(target(`gateway-${i}`, gateway.url, gateway));
  }
  for (let i = 0; i < PROCS; i += 1) {
    const yoga = await env.startServer(`yoga-${i}`, { kind: 'bare-yoga', client: client! });
    targets.push(target(`yoga-${i}`, yoga.url, yoga));
  }
  await warmUp(env, targets, options.warmupSeconds);
  const measured = await measureRounds(env, targets);
  const of = (prefix: string): Measured[] => Object.entries(measured).filter(([name]) => name.startsWith(prefix)).map(([, m]) => m);
  const summary = (prefix: string) => {
    const processes = of(prefix);
    const reqPerSec = processes.map((m) => m.load.reqPerSec);
    const cpu = processes.map((m) => m.cpuMicrosPerRequest ?? NaN);
    console.log(`${prefix}: req/s ${reqPerSec.map(Math.round).join(' ')}; CPU µs/req ${cpu.map(Math.round).join(' ')}`);
    return { reqPerSec: median(reqPerSec), cpu: median(cpu) };
  };
  const gateway = summary('gateway-');
  const yoga = summary('yoga-');
  const ratio = gateway.reqPerSec / yoga.reqPerSec;
  console.log(
    `median gateway / median bare Yoga: ${ratio.toFixed(3)}× req/s, ${(yoga.cpu / gateway.cpu).toFixed(3)}× by CPU per request ` +
      `(target ${HOT_RATIO_TARGET}× req/s: ${ratio >= HOT_RATIO_TARGET ? 'PASS' : 'MISS'})`,
  );
} finally {
  await env.close();
}
