/**
 * The run's shared environment: one sandbox process for every scenario, and a way to start a fresh
 * gateway (or baseline) process per scenario with that scenario's settings.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig, type Config } from '../src/config.js';
import type { SandboxStats } from '../src/sandbox/index.js';
import type { ChildSpec, GatewayBuild } from './child.js';
import { productionNodeArgs } from './node-args.js';
import type { BenchOptions } from './options.js';
import { spawnServer, type ChildServer } from './processes.js';

export interface BenchEnv {
  readonly options: BenchOptions;
  readonly sandbox: ChildServer;
  /** Synthetic clients the sandbox knows (`benchClientId(0 … poolSize-1)`). */
  readonly poolSize: number;
  /** A gateway process against the sandbox via the real token flow; `env` overrides its config. */
  startGateway(name: string, env?: Record<string, string>, build?: { from: GatewayBuild; nodeArgs: string[] }): Promise<ChildServer>;
  startServer(name: string, spec: ChildSpec): Promise<ChildServer>;
  stats(): Promise<SandboxStats>;
  resetStats(): Promise<void>;
  setLatency(ms: number): Promise<void>;
  /**
   * Waits until the sandbox has no GET in flight and its counts stopped moving, so work a run
   * left queued in the gateway is charged to that run, not the next one.
   */
  settle(): Promise<void>;
  /** Stops the sandbox and any server a scenario forgot to close. */
  close(): Promise<void>;
}

/** With a profile directory, the server is profiled from now until it closes (`<dir>/<name>.cpuprofile`). */
async function profiled(starting: Promise<ChildServer>, dir: string | undefined): Promise<ChildServer> {
  const server = await starting;
  if (dir === undefined) return server;
  await mkdir(dir, { recursive: true });
  await server.call('profileStart');
  return {
    ...server,
    async close() {
      await server.call('profileStop', resolve(dir, `${server.name}.cpuprofile`));
      await server.close();
    },
  };
}

/**
 * One load generator is one caller: its budget of C1 calls and its requests in progress are set far
 * beyond what a run can use, so the benchmarks measure the read path, not the per-caller bounds.
 */
export const ONE_CALLER_UNBOUNDED = {
  CALLER_UPSTREAM_RATE: '1000000000',
  CALLER_UPSTREAM_BURST: '1000000000',
  CALLER_MAX_IN_FLIGHT: '1000000',
  CALLER_MAX_IN_FLIGHT_BUSY: '1000000',
};

/** How the bench runs every gateway against the sandbox, before a scenario's own settings. */
export function gatewayEnv(credentials: { clientId: string; clientSecret: string }, sandboxUrl: string, logLevel: string): Record<string, string> {
  return {
    // Production settings: GraphiQL and introspection off, the log level operators run with.
    NODE_ENV: 'production',
    LOG_LEVEL: logLevel,
    C1_CLIENT_ID: credentials.clientId,
    C1_CLIENT_SECRET: credentials.clientSecret,
    C1_API_URL: sandboxUrl,
    CURSOR_SECRET: 'bench-cursor-secret-not-for-production-use',
    // The harness reads gauges on /metrics between phases (cache entries, dropped spans): fresh each time.
    METRICS_MIN_INTERVAL_MS: '0',
    // Every scenario is one caller (one address) driving cold ids at full speed: the per-caller
    // budget would cut it at 50/s, and the run would measure refusals, not the gateway.
    ...ONE_CALLER_UNBOUNDED,
  };
}

const SETTLE_POLL_MS = 50;
const SETTLE_TIMEOUT_MS = 5 * 1000; // a gateway queue drains far sooner; never hang a run on it

export async function createBenchEnv(options: BenchOptions): Promise<BenchEnv> {
  // The memory scenario needs that many distinct ids; the others need far more than the cache bound.
  const poolSize = Math.max(options.memoryIds, 50_000);
  const sandbox = await spawnServer('sandbox', { kind: 'sandbox', latencyMs: options.latencyMs, poolSize });
  const credentials = await sandbox.call<{ clientId: string; clientSecret: string }>('credentials');
  const open = new Set<ChildServer>();

  const track = async (server: Promise<ChildServer>): Promise<ChildServer> => {
    const started = await server;
    open.add(started);
    return {
      ...started,
      close: async () => {
        open.delete(started);
        await started.close();
      },
    };
  };

  return {
    options,
    sandbox,
    poolSize,
    startGateway(name, env = {}, build = { from: options.gatewayFrom, nodeArgs: [] }) {
      const spec: ChildSpec = {
        kind: 'gateway',
        from: build.from,
        env: { ...gatewayEnv(credentials, sandbox.url, options.logLevel), ...env },
      };
      // --expose-gc only adds the global gc(); the memory scenario samples after a full collection.
      return track(profiled(spawnServer(name, spec, { execArgv: ['--expose-gc', ...productionNodeArgs(), ...build.nodeArgs] }), options.cpuProfDir));
    },
    startServer: (name, spec) => track(profiled(spawnServer(name, spec), options.cpuProfDir)),
    stats: () => sandbox.call<SandboxStats>('stats'),
    resetStats: () => sandbox.call('resetStats'),
    setLatency: (ms) => sandbox.call('setLatency', ms),
    async settle() {
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      let last = -1;
      for (;;) {
        const stats = await sandbox.call<SandboxStats>('stats');
        // Pages have no in-flight gauge: a count that stopped moving is the sign they are done too.
        const calls = stats.apiGets + stats.apiPages;
        if ((stats.inFlightGets === 0 && calls === last) || Date.now() > deadline) return;
        last = calls;
        await delay(SETTLE_POLL_MS);
      }
    },
    async close() {
      await Promise.all([...open].map((s) => s.close()));
      await sandbox.close();
    },
  };
}

/** The gateway's configuration defaults (what a scenario gets unless it overrides a variable). */
export function gatewayDefaults(): Config {
  return loadConfig({ C1_ACCESS_TOKEN: 'unused', C1_API_URL: 'http://127.0.0.1' });
}
