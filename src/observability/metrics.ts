import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Observer } from '../kernel/observer.js';
import { BoundedLabels } from './bounded-labels.js';
import type { GraphQLRequestSummary } from './graphql-requests.js';
import { createMetricsObserver } from './metrics-observer.js';

export interface MetricsOptions {
  /** @default Date.now — for the seconds-to-token-expiry gauge, on the same clock as the token manager. */
  clock?: Clock;
  /** @default true — Node's process metrics (CPU, memory, event loop lag, GC). */
  defaultMetrics?: boolean;
  /** @default 100 — distinct operation names with their own series; later ones count as `other`. */
  maxOperationNames?: number;
}

export interface GatewayMetrics {
  /** This app's own registry: several apps in one process (tests) never share series. */
  registry: Registry;
  /** Feeds the data path's events into the metrics below. */
  observer: Observer;
  /** Counts one finished GraphQL request. */
  recordGraphQLRequest(summary: GraphQLRequestSummary): void;
}

const PREFIX = 'c1_gateway_';
// Seconds; GraphQL requests span cache hits (sub-ms) to the 10 s deadline.
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100];

export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const operations = new BoundedLabels({ maxValues: options.maxOperationNames ?? 100 });
  const errorCodes = new BoundedLabels({ maxValues: 50, pattern: /^[A-Z][A-Z0-9_]{0,63}$/ });

  const graphqlRequests = new Counter({
    name: `${PREFIX}graphql_requests_total`,
    help: 'GraphQL requests, by operation name and outcome (ok, error).',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const graphqlDuration = new Histogram({
    name: `${PREFIX}graphql_request_duration_seconds`,
    help: 'Time from receiving a GraphQL request to its response, by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const graphqlErrors = new Counter({
    name: `${PREFIX}graphql_errors_total`,
    help: 'Errors returned to GraphQL clients, by extensions.code.',
    labelNames: ['code'] as const,
    registers,
  });

  const observer = createMetricsObserver({
    clock: options.clock ?? systemClock,
    prefix: PREFIX,
    registers,
    batchBuckets: BATCH_BUCKETS,
    requestBuckets: REQUEST_BUCKETS,
  });

  return {
    registry,
    observer,
    recordGraphQLRequest(summary) {
      const labels = { operation: operationLabel(summary, operations), outcome: summary.outcome };
      graphqlRequests.inc(labels);
      graphqlDuration.observe(labels, summary.durationMs / 1000);
      for (const code of summary.errorCodes) graphqlErrors.inc({ code: errorCodes.label(code) });
    },
  };
}

function operationLabel(summary: GraphQLRequestSummary, operations: BoundedLabels): string {
  if (summary.operationCount > 1) return 'batch';
  return summary.operation === null ? 'anonymous' : operations.label(summary.operation);
}

