/**
 * One server per process: the sandbox, the gateway, or a baseline. Separate processes keep the load
 * generator off the measured event loop and let RSS be read per server. The parent (processes.ts)
 * talks to it over IPC: `{id, cmd, args}` in, `{id, ok, value | error}` out.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import type { PersonalClient } from '../src/domain/personal-client.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { startServer, type RunningServer } from '../src/ops/server.js';
import { benchClientId } from './ids.js';
import type { PeerUpstream } from './peers/upstream.js';

export type ChildSpec =
  | { kind: 'sandbox'; latencyMs: number; poolSize: number }
  | { kind: 'gateway'; env: Record<string, string>; from: GatewayBuild }
  | { kind: 'bare-yoga'; client: PersonalClient; bodyLimit?: number }
  | { kind: 'node-http'; body: string }
  | { kind: 'otlp-sink' }
  | { kind: 'apollo-rest' | 'mesh-openapi'; upstream: PeerUpstream };

type Handler = (args: unknown[]) => unknown;

/**
 * 'dist': the compiled build `npm start` runs; 'src': the TypeScript sources through tsx (tests);
 * `{ dist }`: another compiled build, by its directory (a before/after in one run).
 */
export type GatewayBuild = 'dist' | 'src' | { dist: string };

async function start(spec: ChildSpec): Promise<{ url: string; commands: Record<string, Handler>; close(): Promise<void> }> {
  switch (spec.kind) {
    case 'sandbox':
      return startSandbox(spec);
    case 'gateway': {
      // Imported per kind, so a baseline process carries none of the gateway's modules (RSS, startup).
      const { createApp, loadConfig, createLogger, loadTracing } = await importGateway(spec.from);
      const config = loadConfig(spec.env);
      // As main.ts does: the OpenTelemetry SDK only when the env names an OTLP endpoint.
      const tracing = await loadTracing(config.tracing);
      const app = createApp({ config, logger: createLogger({ level: config.LOG_LEVEL }), tracing });
      const server = await startServer(app.yoga, { port: 0, requestTimeoutMs: config.REQUEST_BODY_TIMEOUT_MS });
      return {
        url: server.url,
        // Read as an operator would: the in-process cache's gauge on /metrics.
        commands: { cacheSize: async () => cacheEntries(await (await fetch(`${server.url}/metrics`)).text()) },
        close: async () => {
          await server.close(1_000);
          await app.close();
        },
      };
    }
    case 'bare-yoga': {
      const { createBareYoga } = await import('./baselines.js');
      return plain(await startServer(await createBareYoga(spec.client, spec.bodyLimit), { port: 0 }));
    }
    case 'node-http': {
      const { createNodeHttpBaseline } = await import('./baselines.js');
      return plain(await startServer(createNodeHttpBaseline(spec.body), { port: 0 }));
    }
    case 'otlp-sink': {
      const { startOtlpSink } = await import('./otlp-sink.js');
      return startOtlpSink();
    }
    case 'apollo-rest': {
      const { startApolloRest } = await import('./peers/apollo-rest.js');
      return { commands: {}, ...(await startApolloRest(spec.upstream)) };
    }
    case 'mesh-openapi': {
      const { startMeshOpenApi } = await import('./peers/mesh-openapi.js');
      return { commands: {}, ...(await startMeshOpenApi(spec.upstream)) };
    }
  }
}

/**
 * The gateway's modules from the build `npm start` runs, or from source. tsx compiles with
 * esbuild's keepNames, which adds a call per closure created; the gateway creates closures per
 * request and bare Yoga (plain JS) does not, so measuring source would understate the gateway.
 */
async function importGateway(from: GatewayBuild) {
  const at = (path: string) =>
    typeof from === 'object'
      ? pathToFileURL(`${from.dist}/${path}.js`).href
      : new URL(from === 'dist' ? `../dist/${path}.js` : `../src/${path}.ts`, import.meta.url).href;
  const [app, config, logger, tracing] = (await Promise.all([
    import(at('app')),
    import(at('config')),
    import(at('kernel/logger')),
    import(at('observability/tracing')),
  ])) as [
    typeof import('../src/app.js'),
    typeof import('../src/config.js'),
    typeof import('../src/kernel/logger.js'),
    typeof import('../src/observability/tracing.js'),
  ];
  return { createApp: app.createApp, loadConfig: config.loadConfig, createLogger: logger.createLogger, loadTracing: tracing.loadTracing };
}

function plain(server: RunningServer) {
  return { url: server.url, commands: {}, close: () => server.close(1_000) };
}

async function startSandbox(spec: { latencyMs: number; poolSize: number }) {
  const { createSandbox, SAMPLE_CLIENT_ID } = await import('../src/sandbox/index.js');
  const sandbox: Sandbox = createSandbox({ latencyMs: spec.latencyMs });
  const template = sandbox.clients.find((c) => c.id === SAMPLE_CLIENT_ID);
  if (template === undefined) throw new Error('the sandbox seed lost its sample client');
  for (let i = 0; i < spec.poolSize; i += 1) sandbox.addClient({ ...template, id: benchClientId(i) });
  const url = await sandbox.listen(0);
  return {
    url,
    commands: {
      credentials: () => sandbox.credentials,
      stats: () => structuredClone(sandbox.stats),
      resetStats: () => sandbox.resetStats(),
      setLatency: ([ms]) => sandbox.setLatency(Number(ms)),
      setTokenTtl: ([seconds]) => sandbox.setTokenTtl(Number(seconds)),
      issueToken: () => sandbox.issueToken(sandbox.credentials.clientId, 24 * 3600),
    } satisfies Record<string, Handler>,
    close: () => sandbox.close(),
  };
}

/**
 * CPU profiling of a window (warm-up and rounds, not module loading), through the inspector in
 * this process: `--cpu-prof` would also profile start-up and tsx's loader thread.
 */
function profilerCommands(): Record<string, Handler> {
  const session = new Session();
  return {
    profileStart: async () => {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 }); // µs
      await session.post('Profiler.start');
    },
    profileStop: async ([path]) => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(String(path), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

interface Command {
  id: number;
  cmd: string;
  args: unknown[];
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as ChildSpec;
  const running = await start(spec);
  const commands: Record<string, Handler> = {
    ...running.commands,
    memory: () => process.memoryUsage(),
    cpu: () => process.cpuUsage(),
    // A full, compacting collection that also hands free pages back to the OS, so a memory sample
    // counts what is retained, not garbage or heap V8 merely kept reserved.
    gc: () => {
      const collect = (globalThis as { gc?: (options?: object) => void }).gc;
      if (collect === undefined) throw new Error('start the process with --expose-gc');
      collect();
      collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      return process.memoryUsage();
    },
    ...profilerCommands(),
    close: async () => {
      await running.close();
      setImmediate(() => process.exit(0));
    },
  };
  process.on('message', (message: Command) => {
    const handler = commands[message.cmd];
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown command ${message.cmd}`);
        return handler(message.args);
      })
      .then(
        (value) => process.send?.({ id: message.id, ok: true, value }),
        (error: unknown) => process.send?.({ id: message.id, ok: false, error: String(error) }),
      );
  });
  // The parent going away (Ctrl-C, a crashed run) must not leave servers behind.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: running.url });
}

main().catch((error: unknown) => {
  console.error('bench child failed to start:', error);
  process.exit(1);
});

function cacheEntries(metrics: string): number {
  const match = /^c1_gateway_cache_entries (\d+)$/m.exec(metrics);
  if (match === null) throw new Error('no c1_gateway_cache_entries on /metrics: is METRICS_ENABLED off?');
  return Number(match[1]);
}
