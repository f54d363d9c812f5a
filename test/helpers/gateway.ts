import { createApp, type App, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import { loadTracing } from '../../src/observability/tracing.js';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../src/ops/server.js';

export interface TestGateway {
  app: App;
  config: Config;
  sandbox: Sandbox;
  /**
   * The listening server's `http://127.0.0.1:<port>`. Only with `listen`: reading it from an
   * in-process gateway throws, so a test that needs a socket says so.
   */
  readonly url: string;
  /** Sends one request to `path` (e.g. `/graphql`, `/ready`), in-process or over the socket when listening. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs a GraphQL operation and returns the parsed body. */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLBody<T>>;
  close(): Promise<void>;
}

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

export interface GatewayOptions {
  /** Env overrides on top of the sandbox credential. */
  env?: Record<string, string>;
  sandbox?: Sandbox;
  sandboxOptions?: SandboxOptions;
  deps?: Partial<Omit<AppDeps, 'config'>>;
  /**
   * Also serve the app on a real socket (port 0), and send `fetch`/`query` over it: for what only
   * node:http does (body timeouts, 413 before reading, `Connection: close`, the peer address that
   * keys a caller). Otherwise requests go through `app.yoga.fetch`, as Yoga's own tests do.
   * @default false
   */
  listen?: boolean;
}

/** A CURSOR_SECRET for tests: long enough, and obviously not a real one. */
export const TEST_CURSOR_SECRET = 'test-cursor-secret-not-for-production-use';

const CALM_EVENT_LOOP = { busy: () => false, close: () => undefined };

/** Any origin will do in-process: Yoga routes on the path, and no plugin reads the host. */
const IN_PROCESS_ORIGIN = 'http://gateway.test';

/**
 * A real sandbox (C1) on port 0, wired through the real token flow and upstream HTTP client, and
 * the gateway driven in-process, or listening on port 0 too when `listen`.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const sandbox = options.sandbox ?? createSandbox(options.sandboxOptions);
  const ownsSandbox = options.sandbox === undefined;
  if (ownsSandbox) await sandbox.listen(0);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    C1_CLIENT_ID: sandbox.credentials.clientId,
    C1_CLIENT_SECRET: sandbox.credentials.clientSecret,
    C1_API_URL: sandbox.url,
    // Production requires it; one fixed value keeps tests that switch NODE_ENV starting.
    CURSOR_SECRET: TEST_CURSOR_SECRET,
    // Each scrape renders, so a test reads a change at once (test/ops/metrics.test.ts covers the interval).
    METRICS_MIN_INTERVAL_MS: '0',
    ...options.env,
  });
  // As main.ts does: the OpenTelemetry SDK only when the env names an OTLP endpoint.
  const tracing = await loadTracing(config.tracing);
  const app = createApp({
    config,
    logger: createLogger({ level: 'silent' }),
    tracing,
    // Like the clock, whether the event loop counts as saturated is the test's to say: sampled, a
    // busy test runner would tighten per-caller admission under tests that are about something else.
    eventLoopLoad: CALM_EVENT_LOOP,
    ...options.deps,
  });
  const listen = options.listen ?? false;
  const server: RunningServer | undefined = listen
    ? await startServer(app.yoga, {
        port: 0,
        requestTimeoutMs: config.REQUEST_BODY_TIMEOUT_MS,
        connections: { max: config.MAX_CONNECTIONS, onOpen: app.observer.httpConnections, onShed: app.observer.connectionShed },
        onPipelineCut: () => app.observer.connectionShed('pipelined'),
      })
    : undefined;
  const send = (path: string, init: RequestInit = {}): Promise<Response> => {
    if (server !== undefined) return fetch(`${server.url}${path}`, init);
    // A copy of the headers: Yoga's Request adds content-length to the object it is given, and a
    // test reusing that object over a socket would then declare a stale length.
    return Promise.resolve(app.yoga.fetch(new URL(path, IN_PROCESS_ORIGIN), { ...init, headers: new Headers(init.headers) }));
  };
  return {
    app,
    config,
    sandbox,
    get url() {
      if (server === undefined) throw new Error('this gateway runs in-process: start it with `listen: true` for a URL');
      return server.url;
    },
    fetch: send,
    async query(query, variables, headers) {
      const response = await send('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLBody<never>;
    },
    async close() {
      await server?.close(1_000);
      await app.close();
      if (ownsSandbox) await sandbox.close();
    },
  };
}

/** The 11 API fields, as a selection set. */
export const ALL_FIELDS =
  'id clientId displayName userId allowSourceCidr scopedRoles createdAt updatedAt deletedAt expiresTime lastUsedAt';
