/**
 * The harness's knobs, read once from the environment by `run.ts` (nothing else in bench/ reads
 * process.env). Defaults give a full run well under 5 minutes on 2 cores.
 */

export interface BenchOptions {
  /** Artificial latency of each sandbox GET, in ms. @default 5 */
  latencyMs: number;
  /** Measured rounds per target; figures are their medians. @default 3 */
  rounds: number;
  /** Length of one measured round, in s. @default 3 */
  roundSeconds: number;
  /** Unmeasured load before a scenario's rounds, in s (JIT, pools, caches). @default 1 */
  warmupSeconds: number;
  /** Concurrent connections for throughput scenarios. @default 50 */
  connections: number;
  /** Scenarios to run, in order. @default every scenario */
  scenarios: string[];
  /** Length of the token-churn load, in s. @default 5 */
  churnSeconds: number;
  /** Distinct ids pushed through the cache in the memory scenario. @default 200_000 */
  memoryIds: number;
  /** Ids after which the memory scenario takes its first RSS sample. @default 20_000 */
  memorySampleAfter: number;
  /**
   * Idle seconds over which each memory sample is read: after sustained load V8 keeps freed heap
   * reserved (RSS 440 MiB with 69 MiB used) until its memory reducer returns it. @default 8
   */
  memorySettleSeconds: number;
  /** Simultaneous requests for one uncached id in the herd scenario. @default 500 */
  herdRequests: number;
  /** Upstream latency during the herd, in ms: long enough that every request arrives while the one GET is out. @default 250 */
  herdLatencyMs: number;
  /** Gateway LOG_LEVEL; `info` is what production runs with. @default 'info' */
  logLevel: string;
  /** Where to write the Markdown report; '' writes nothing. @default 'BENCHMARKS.md' */
  output: string;
  /** Which gateway build to measure: 'dist' (compiled, as `npm start` runs it; build first) or 'src' (tsx). @default 'dist' */
  gatewayFrom: 'dist' | 'src';
  /**
   * Another gateway build to measure beside this one in the peers scenario, same run: the `dist/`
   * directory of a worktree at the commit before a change, for a before/after in one run. @default undefined
   */
  compareDist: string | undefined;
  /** Extra Node flags for that compared gateway (e.g. `--max-semi-space-size=32`), to measure a flag. @default [] */
  compareNodeArgs: string[];
  /** Extra gateway env for it (e.g. `CACHE_MAX_ENTRIES=1000`), to measure a setting. @default {} */
  compareEnv: Record<string, string>;
  /** A directory: every server but the sandbox is CPU-profiled from start-up done to close, into `<name>.cpuprofile`. @default undefined */
  cpuProfDir: string | undefined;
}

export const ALL_SCENARIOS = ['hot', 'cold', 'fan-out', 'herd', 'token-churn', 'memory', 'compression', 'search', 'pushback', 'fairness', 'tracing', 'peers'] as const;

export const DEFAULT_OPTIONS: BenchOptions = {
  latencyMs: 5,
  rounds: 5,
  roundSeconds: 3,
  warmupSeconds: 1,
  connections: 50,
  scenarios: [...ALL_SCENARIOS],
  churnSeconds: 5,
  memoryIds: 200_000,
  memorySampleAfter: 20_000,
  memorySettleSeconds: 8,
  herdRequests: 500,
  herdLatencyMs: 250,
  logLevel: 'info',
  output: 'BENCHMARKS.md',
  gatewayFrom: 'dist',
  compareDist: undefined,
  compareNodeArgs: [],
  compareEnv: {},
  cpuProfDir: undefined,
};

/** The env variables the harness reads, with what each sets. */
export const BENCH_ENV = {
  BENCH_LATENCY_MS: 'latencyMs',
  BENCH_ROUNDS: 'rounds',
  BENCH_ROUND_SECONDS: 'roundSeconds',
  BENCH_WARMUP_SECONDS: 'warmupSeconds',
  BENCH_CONNECTIONS: 'connections',
  BENCH_CHURN_SECONDS: 'churnSeconds',
  BENCH_MEMORY_IDS: 'memoryIds',
  BENCH_MEMORY_SAMPLE_AFTER: 'memorySampleAfter',
  BENCH_MEMORY_SETTLE_SECONDS: 'memorySettleSeconds',
  BENCH_HERD_REQUESTS: 'herdRequests',
  BENCH_HERD_LATENCY_MS: 'herdLatencyMs',
} as const satisfies Record<string, keyof BenchOptions>;

/** Options from env; a bad number or an unknown scenario stops the run with every problem named. */
export function benchOptionsFromEnv(env: Record<string, string | undefined>): BenchOptions {
  // Fresh lists and maps: parsing fills them, and the defaults must stay as they are.
  const options: BenchOptions = { ...DEFAULT_OPTIONS, scenarios: [...DEFAULT_OPTIONS.scenarios], compareNodeArgs: [], compareEnv: {} };
  const problems: string[] = [];
  for (const [name, key] of Object.entries(BENCH_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) problems.push(`${name} must be a non-negative number`);
    else (options[key] as number) = value;
  }
  if (env['BENCH_SCENARIOS']?.trim()) {
    options.scenarios = env['BENCH_SCENARIOS'].split(',').map((s) => s.trim()).filter((s) => s !== '');
    const unknown = options.scenarios.filter((s) => !(ALL_SCENARIOS as readonly string[]).includes(s));
    if (unknown.length > 0) problems.push(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${ALL_SCENARIOS.join(', ')})`);
  }
  if (env['BENCH_LOG_LEVEL']?.trim()) options.logLevel = env['BENCH_LOG_LEVEL'].trim();
  if (env['BENCH_OUTPUT'] !== undefined) options.output = env['BENCH_OUTPUT'].trim();
  const from = env['BENCH_GATEWAY_FROM']?.trim();
  if (from === 'dist' || from === 'src') options.gatewayFrom = from;
  else if (from) problems.push("BENCH_GATEWAY_FROM must be 'dist' or 'src'");
  if (env['BENCH_COMPARE_DIST']?.trim()) options.compareDist = env['BENCH_COMPARE_DIST'].trim();
  if (env['BENCH_COMPARE_NODE_ARGS']?.trim()) options.compareNodeArgs = env['BENCH_COMPARE_NODE_ARGS'].trim().split(/\s+/);
  for (const pair of env['BENCH_COMPARE_ENV']?.trim().split(/\s+/) ?? []) {
    const at = pair.indexOf('=');
    if (at > 0) options.compareEnv[pair.slice(0, at)] = pair.slice(at + 1);
    else if (pair !== '') problems.push(`BENCH_COMPARE_ENV: '${pair}' is not NAME=value`);
  }
  if (env['BENCH_CPU_PROF']?.trim()) options.cpuProfDir = env['BENCH_CPU_PROF'].trim();
  if (problems.length > 0) throw new Error(`Invalid benchmark environment:\n  ${problems.join('\n  ')}`);
  return options;
}
