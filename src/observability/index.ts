/**
 * Logs, request ids and metrics, wired in one place so app.ts adds them with three lines:
 * the observer the data path reports to, the Yoga plugins, and the request id for the context.
 */
import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Observer } from '../kernel/observer.js';
import { useGraphQLRequests } from './graphql-requests.js';
import { createLogObserver } from './log-observer.js';
import { useMetricsEndpoint } from './metrics-endpoint.js';
import { createMetrics } from './metrics.js';
import { combineObservers } from './observers.js';
import { createRequestIds } from './request-id.js';
import { LogThrottle } from '../kernel/log-throttle.js';
import { createRequestLog } from './request-log.js';
import { registerDroppedSpans } from './trace-metrics.js';
import { createRequestTracing } from './tracing-plugin.js';
import type { Tracing } from './tracing.js';
import type { TraceRef } from '../kernel/tracer.js';

/** Codes that say the caller sent something to change: logged at info, without a stack. */
const CALLER_MISTAKES = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_ID_REQUIRED',
  'PERSISTED_QUERY_ONLY',
]);
/** Caller mistakes are frequent and each is cheap to cause: a few lines per 10 s show the pattern. */
const CALLER_MISTAKE_LINES_PER_10S = 20;
/** Unexpected errors carry a stack (~1.4 KB); if a caller finds a way to cause one, it cannot flood the log. */
const UNEXPECTED_LINES_PER_10S = 50;
/** Longest message of a caller mistake written to the log; messages may quote the caller's input. */
const MAX_MESSAGE_CHARS = 200;

export interface ObservabilityOptions {
  logger: Logger;
  clock: Clock;
  /** Serve Prometheus metrics at /metrics (config METRICS_ENABLED). */
  metricsEnabled: boolean;
  /** Scrapes within this many ms of the last render share it (config METRICS_MIN_INTERVAL_MS). @default 1000 */
  metricsMinIntervalMs?: number;
  /** Metrics texts this long or longer are compressed for scrapers that accept it (config COMPRESSION_MIN_BYTES). @default 1024 */
  compressMinBytes?: number;
  /** Another observer to feed as well (tests, future exporters). */
  observer?: Observer | undefined;
  /** @default '/graphql' */
  graphqlEndpoint?: string;
  /** OpenTelemetry, when on (see tracing.ts): request spans, trace ids in log lines, dropped-span counts. */
  tracing?: Tracing | undefined;
}

export interface Observability {
  /** What the data path reports to: logs, metrics and `options.observer`. */
  observer: Observer;
  /** Yoga plugins: request ids first, so everything after runs inside the request's scope. */
  plugins: Plugin[];
  /** The id of an HTTP request, for the GraphQL context (forwarded upstream as x-request-id). */
  requestIdOf(request: Request): string;
  /** The request's span, for its load context; undefined when tracing is off. */
  traceOf: ((request: Request) => TraceRef | undefined) | undefined;
  /** This app's metrics registry, when metrics are enabled. */
  registry: Registry | undefined;
  /**
   * For the error mask: `cause` was masked as `masked`. It is logged, with the request's id, when
   * `masked` goes out in a response (every response passes the request plugin's result hook).
   */
  noteUnexpected(cause: unknown, masked: object): void;
}

export function createObservability(options: ObservabilityOptions): Observability {
  const { logger } = options;
  const requestIds = createRequestIds();
  const metrics = options.metricsEnabled ? createMetrics({ clock: options.clock }) : undefined;
  const requestLog = createRequestLog(logger);
  const endpoint = options.graphqlEndpoint ?? '/graphql';
  const tracing = options.tracing === undefined ? undefined : createRequestTracing(options.tracing, endpoint);
  if (metrics !== undefined && options.tracing !== undefined) registerDroppedSpans(metrics.registry, options.tracing);
  const unexpected = new WeakMap<object, unknown>();
  const mistakeLines = new LogThrottle({ linesPerInterval: CALLER_MISTAKE_LINES_PER_10S, clock: options.clock });
  const unexpectedLines = new LogThrottle({ linesPerInterval: UNEXPECTED_LINES_PER_10S, clock: options.clock });

  const plugins: Plugin[] = [
    requestIds.plugin,
    useGraphQLRequests({
      ...(options.graphqlEndpoint === undefined ? {} : { endpoint: options.graphqlEndpoint }),
      requestIdOf: requestIds.idOf,
      onRequestDone(summary, request) {
        requestLog(summary, tracing?.idsOf(request));
        metrics?.recordGraphQLRequest(summary);
        tracing?.finish(request, summary);
      },
      onError(error, requestId) {
        if (unexpected.has(error)) {
          const cause = unexpected.get(error);
          unexpected.delete(error);
          const admitted = unexpectedLines.admit();
          if (admitted !== undefined) logger.error({ requestId, err: cause, ...admitted }, 'unexpected error');
          return;
        }
        const code = error.extensions?.['code'];
        if (typeof code !== 'string' || !CALLER_MISTAKES.has(code) || !logger.isLevelEnabled('info')) return;
        const admitted = mistakeLines.admit();
        if (admitted === undefined) return;
        const reason = error.extensions['reason'];
        logger.info(
          { requestId, code, ...(typeof reason === 'string' ? { reason } : {}), error: error.message.slice(0, MAX_MESSAGE_CHARS), ...admitted },
          'caller error',
        );
      },
    }),
  ];
  if (metrics) {
    const scrapes = { minIntervalMs: options.metricsMinIntervalMs ?? 1000, compressMinBytes: options.compressMinBytes ?? 1024, clock: options.clock };
    plugins.push(useMetricsEndpoint(metrics.registry, scrapes));
  }
  // After the request summary's plugin, so its response hook runs first (see tracing-plugin.ts).
  if (tracing) plugins.push(tracing.plugin);

  return {
    observer: combineObservers(options.observer, createLogObserver(logger, options.clock), metrics?.observer),
    plugins,
    requestIdOf: requestIds.idOf,
    traceOf: tracing?.traceOf,
    registry: metrics?.registry,
    noteUnexpected: (cause, masked) => unexpected.set(masked, cause),
  };
}
