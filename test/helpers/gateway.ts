import { createApp, type App, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../src/ops/server.js';

export interface TestGateway {
  url: string;
  app: App;
  config: Config;
  sandbox: Sandbox;
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
}

/** A CURSOR_SECRET for tests: long enough, and obviously not a real one. */
export const TEST_CURSOR_SECRET = 'test-cursor-secret-not-for-production-use';

const CALM_EVENT_LOOP = { busy: () => false, close: () => undefined };

/** A real sandbox and a real gateway, both on port 0, wired through the real token flow. */
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
    ...options.env,
  });
  const app = createApp({
    config,
    logger: createLogger({ level: 'silent' }),
    // Like the clock, whether the event loop counts as saturated is the test's to say: sampled, a
    // busy test runner would tighten per-caller admission under tests that are about something else.
    eventLoopLoad: CALM_EVENT_LOOP,
    ...options.deps,
  });
  const server: RunningServer = await startServer(app.yoga, { port: 0, requestTimeoutMs: config.REQUEST_BODY_TIMEOUT_MS });
  return {
    url: server.url,
    app,
    config,
    sandbox,
    async query(query, variables, headers) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLBody<never>;
    },
    async close() {
      await server.close(1_000);
      await app.close();
      if (ownsSandbox) await sandbox.close();
    },
  };
}

/** The 11 API fields, as a selection set. */
export const ALL_FIELDS =
  'id clientId displayName userId allowSourceCidr scopedRoles createdAt updatedAt deletedAt expiresTime lastUsedAt';
