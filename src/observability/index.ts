/**
 * Logs, request ids and metrics, wired in one place so app.ts adds them with three lines:
 * the observer the data path reports to, the Yoga plugins, and the request id for the context.
 */
import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Observer } from '../observer.js';
import { useGraphQLRequests } from './graphql-requests.js';
import { createLogObserver } from './log-observer.js';
import { useMetricsEndpoint } from './metrics-endpoint.js';
import { createMetrics } from './metrics.js';
import { combineObservers } from './observers.js';
import { createRequestIds } from './request-id.js';
import { createRequestLog } from './request-log.js';

export interface ObservabilityOptions {
  logger: Logger;
  clock: Clock;
  /** Serve Prometheus metrics at /metrics (config METRICS_ENABLED). */
  metricsEnabled: boolean;
  /** Another observer to feed as well (tests, future exporters). */
  observer?: Observer | undefined;
  /** @default '/graphql' */
  graphqlEndpoint?: string;
}

export interface Observability {
  /** What the data path reports to: logs, metrics and `options.observer`. */
  observer: Observer;
  /** Yoga plugins: request ids first, so everything after runs inside the request's scope. */
  plugins: Plugin[];
  /** The id of an HTTP request, for the GraphQL context (forwarded upstream as x-request-id). */
  requestIdOf(request: Request): string;
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
  const unexpected = new WeakMap<object, unknown>();

  const plugins: Plugin[] = [
    requestIds.plugin,
    useGraphQLRequests({
      ...(options.graphqlEndpoint === undefined ? {} : { endpoint: options.graphqlEndpoint }),
      requestIdOf: requestIds.idOf,
      onRequestDone(summary) {
        requestLog(summary);
        metrics?.recordGraphQLRequest(summary);
      },
      onError(error, requestId) {
        if (!unexpected.has(error)) return;
        const cause = unexpected.get(error);
        unexpected.delete(error);
        logger.error({ requestId, err: cause }, 'unexpected error');
      },
    }),
  ];
  if (metrics) plugins.push(useMetricsEndpoint(metrics.registry));

  return {
    observer: combineObservers(options.observer, createLogObserver(logger), metrics?.observer),
    plugins,
    requestIdOf: requestIds.idOf,
    registry: metrics?.registry,
    noteUnexpected: (cause, masked) => unexpected.set(masked, cause),
  };
}
