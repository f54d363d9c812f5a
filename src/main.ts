/**
 * The entry point: the only module that reads process.env, listens, and handles signals.
 */
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './kernel/logger.js';
import { loadTracing } from './observability/tracing.js';
import { connectionCapFor } from './ops/connection-cap.js';
import { openFilesLimit } from './ops/open-files.js';
import { startServer } from './ops/server.js';
import { createSandbox, type Sandbox } from './sandbox/index.js';

async function main(): Promise<void> {
  let config = configOrExit(process.env);
  const logger = createLogger({
    level: config.LOG_LEVEL,
    pretty: config.NODE_ENV === 'development' && process.stdout.isTTY,
  });

  let sandbox: Sandbox | undefined;
  let exampleIds: string[] = [];
  if (config.credentials.kind === 'sandbox') {
    ({ sandbox, config, exampleIds } = await startEmbeddedSandbox(process.env, logger));
  }

  // The OpenTelemetry SDK is imported only when an OTLP endpoint is set (config.tracing).
  const tracing = await loadTracing(config.tracing);
  if (tracing !== undefined) logger.info({ sampler: config.tracing?.sampler, protocol: config.tracing?.protocol }, 'OpenTelemetry tracing on');
  const app = createApp({ config, logger, tracing, ...(exampleIds[0] ? { exampleId: exampleIds[0] } : {}) });
  const openFiles = openFilesLimit();
  const maxConnections = connectionCapFor(config.MAX_CONNECTIONS, openFiles, config.UPSTREAM_MAX_IN_FLIGHT);
  if (maxConnections < config.MAX_CONNECTIONS) {
    logger.warn({ maxConnections, openFilesLimit: openFiles }, 'MAX_CONNECTIONS lowered to what the open-files limit leaves besides C1 sockets');
  }
  const server = await startServer(app.yoga, {
    host: config.HOST,
    port: config.PORT,
    requestTimeoutMs: config.REQUEST_BODY_TIMEOUT_MS,
    connections: { max: maxConnections, onOpen: app.observer.httpConnections, onShed: app.observer.connectionShed },
    onPipelineCut: () => app.observer.connectionShed('pipelined'),
  });
  const graphqlUrl = `${server.url}/graphql`;
  logger.info(
    { url: graphqlUrl, mode: sandbox ? 'sandbox' : config.credentials.kind, graphiql: config.GRAPHIQL },
    `c1-gateway listening on ${graphqlUrl}`,
  );
  if (exampleIds.length > 0) {
    logger.info(
      { exampleIds, exampleQuery: `{ personalClient(id: "${exampleIds[0]}") { id displayName clientId } }` },
      `Sandbox mode: open ${graphqlUrl} and run the example query`,
    );
  }

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutting down: draining in-flight requests');
    app.beginShutdown();
    await server.close(config.SHUTDOWN_DRAIN_MS);
    await app.close();
    await sandbox?.close();
    logger.info('shutdown complete');
    logger.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Every configuration problem is printed at once, as one message that never holds a secret. */
function configOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/**
 * No credentials outside production: run the fake C1 in this process and point the gateway at it,
 * through the real token flow with the sandbox's minted credential.
 */
async function startEmbeddedSandbox(env: Record<string, string | undefined>, logger: Logger) {
  const sandbox = createSandbox();
  const url = await sandbox.listen(0, '127.0.0.1');
  const exampleIds = sandbox.clients
    .filter((c) => c.deletedAt === null && c.id !== null)
    .slice(0, 3)
    .map((c) => c.id as string);
  logger.warn({ sandboxUrl: url }, 'No C1 credentials configured: serving the embedded sandbox (fake C1 data)');
  // Loaded again with the sandbox's URL and credential, so where C1 is is derived by the one rule.
  const { clientId, clientSecret } = sandbox.credentials;
  const config = configOrExit({ ...env, C1_API_URL: url, C1_CLIENT_ID: clientId, C1_CLIENT_SECRET: clientSecret });
  return { sandbox, config, exampleIds };
}

main().catch((error: unknown) => {
  console.error('c1-gateway failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
