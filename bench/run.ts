/**
 * `npm run bench`: starts the sandbox, then per scenario a fresh gateway and the baselines it is
 * compared with, prints the table and writes BENCHMARKS.md. Knobs: see bench/options.ts (BENCH_*).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { readSection } from './soak/hostile-report.js';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createBenchEnv, type BenchEnv } from './env.js';
import { benchOptionsFromEnv, type BenchOptions } from './options.js';
import { consoleReport, describeMachine, markdownReport, type ScenarioResult } from './report.js';
import { coldScenario } from './scenarios/cold.js';
import { compressionScenario } from './scenarios/compression.js';
import { fanOutScenario } from './scenarios/fan-out.js';
import { herdScenario } from './scenarios/herd.js';
import { hotScenario } from './scenarios/hot.js';
import { memoryScenario } from './scenarios/memory.js';
import { fairnessScenario } from './scenarios/fairness.js';
import { pushbackScenario } from './scenarios/pushback.js';
import { peersScenario } from './scenarios/peers.js';
import { searchScenario } from './scenarios/search.js';
import { tokenChurnScenario } from './scenarios/token-churn.js';
import { tracingScenario } from './scenarios/tracing.js';

export const SCENARIOS: Record<string, (env: BenchEnv) => Promise<ScenarioResult>> = {
  hot: hotScenario,
  cold: coldScenario,
  'fan-out': fanOutScenario,
  herd: herdScenario,
  'token-churn': tokenChurnScenario,
  memory: memoryScenario,
  compression: compressionScenario,
  search: searchScenario,
  pushback: pushbackScenario,
  fairness: fairnessScenario,
  tracing: tracingScenario,
  peers: peersScenario,
};

/** Runs the chosen scenarios against one sandbox; what run.ts prints and the test inspects. */
export async function runBench(options: BenchOptions, log: (line: string) => void = () => {}): Promise<ScenarioResult[]> {
  const env = await createBenchEnv(options);
  const results: ScenarioResult[] = [];
  try {
    for (const name of options.scenarios) {
      const scenario = SCENARIOS[name];
      if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
      const started = Date.now();
      log(`running ${name} …`);
      results.push(await scenario(env));
      log(`  ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await env.close();
  }
  return results;
}

async function main(): Promise<void> {
  const options = benchOptionsFromEnv(process.env);
  if (options.gatewayFrom === 'dist' && !existsSync(new URL('../dist/app.js', import.meta.url))) {
    throw new Error('dist/app.js is missing: `npm run bench` builds it first (or set BENCH_GATEWAY_FROM=src)');
  }
  const started = Date.now();
  const loadBefore = loadavg()[0] ?? 0;
  const results = await runBench(options, (line) => console.log(line));
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${consoleReport(results)}\n\nwhole run: ${seconds.toFixed(0)} s`);
  if (options.output === '') return;

  const envSet = Object.keys(process.env)
    .filter((k) => k.startsWith('BENCH_') && process.env[k])
    .sort()
    .map((k) => `${k}=${process.env[k]}`);
  const markdown = markdownReport({
    machine: describeMachine(),
    command: [...envSet, 'npm run bench'].join(' '),
    settings: {
      latencyMs: options.latencyMs,
      rounds: options.rounds,
      roundSeconds: options.roundSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      gatewayLogLevel: options.logLevel,
      gatewayBuild: options.gatewayFrom,
    },
    results,
    remarks: [
      `whole run took ${seconds.toFixed(0)} s; 1-minute load average ${loadBefore.toFixed(2)} before and ` +
        `${(loadavg()[0] ?? 0).toFixed(2)} after (the harness itself keeps about 2 cores busy).`,
    ],
  });
  // `npm run soak:hostile` keeps its own section in the same file: a bench run leaves it as it was.
  const hostile = readSection(options.output);
  writeFileSync(options.output, hostile === '' ? markdown : `${markdown.trimEnd()}\n\n${hostile}\n`);
  console.log(`wrote ${options.output}`);
}

// Run only as a script, so the test can import runBench without starting a benchmark.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
