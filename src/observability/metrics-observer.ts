import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../kernel/clock.js';
import type { Observer } from '../kernel/observer.js';

export interface MetricsObserverOptions {
  clock: Clock;
  prefix: string;
  registers: Registry[];
  batchBuckets: number[];
  requestBuckets: number[];
}

/** Breaker states as gauge values: higher is worse, so `max()` across replicas reads naturally. */
export const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** The data path's events (see Observer) as Prometheus series. */
export function createMetricsObserver(options: MetricsObserverOptions): Observer {
  const { clock, prefix, registers } = options;

  const upstreamRequests = new Counter({
    name: `${prefix}upstream_requests_total`,
    help: 'HTTP attempts to C1, by route template and status ("none" when no response arrived).',
    labelNames: ['route', 'status'] as const,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: `${prefix}upstream_request_duration_seconds`,
    help: 'Duration of HTTP attempts to C1, by route template and status.',
    labelNames: ['route', 'status'] as const,
    buckets: options.requestBuckets,
    registers,
  });
  const upstreamInFlight = new Gauge({
    name: `${prefix}upstream_requests_in_flight`,
    help: 'Requests to C1 holding a concurrency slot right now.',
    registers,
  });
  const upstreamFailures = new Counter({
    name: `${prefix}upstream_failures_total`,
    help: 'Upstream fetches that failed after retries, by gateway error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const cacheLookups = new Counter({
    name: `${prefix}cache_lookups_total`,
    help: 'Lookups in the in-process cache, by result (hit, miss).',
    labelNames: ['result'] as const,
    registers,
  });
  const staleServed = new Counter({
    name: `${prefix}cache_stale_served_total`,
    help: 'Expired cache entries served because C1 was failing (stale-if-error).',
    registers,
  });
  const batchSize = new Histogram({
    name: `${prefix}loader_batch_size`,
    help: 'Ids per DataLoader batch (one batch per GraphQL request tick).',
    buckets: options.batchBuckets,
    registers,
  });
  const tokenFetches = new Counter({
    name: `${prefix}token_fetches_total`,
    help: 'OAuth2 token requests to C1, by outcome (success, failure).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const breakerState = new Gauge({
    name: `${prefix}breaker_state`,
    // A fixed name, not the origin: a label must not carry the deployment's upstream URL.
    help: 'Circuit breaker state per upstream (c1): 0 closed, 1 half-open, 2 open.',
    labelNames: ['upstream'] as const,
    registers,
  });

  const l2Lookups = new Counter({
    name: `${prefix}l2_cache_lookups_total`,
    help: 'Lookups in the shared (Redis) cache, by result (hit, miss, error).',
    labelNames: ['result'] as const,
    registers,
  });
  const l2Errors = new Counter({
    name: `${prefix}l2_cache_errors_total`,
    help: 'Redis calls that failed and fell back to the in-process path, by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const l2Connected = new Gauge({
    name: `${prefix}l2_cache_connected`,
    help: 'Whether the shared (Redis) cache connection is usable: 1 up, 0 down (absent without REDIS_URL).',
    registers,
  });
  const cacheEntries = new Gauge({
    name: `${prefix}cache_entries`,
    help: 'Entries held in the in-process cache (bounded by CACHE_MAX_ENTRIES).',
    registers,
  });
  const l2Locks = new Counter({
    name: `${prefix}l2_cache_lock_total`,
    help: 'Cross-replica fetch locks, by outcome (acquired, waited, fallback).',
    labelNames: ['outcome'] as const,
    registers,
  });

  const validationsSkipped = new Counter({
    name: `${prefix}graphql_validations_skipped_total`,
    help: 'New GraphQL documents not validated because a document of the same shape (only string literals differing) was; from the shape\'s third document on, not parsed either (run as its template).',
    registers,
  });

  const documentsCompiled = new Counter({
    name: `${prefix}graphql_documents_compiled_total`,
    help: 'GraphQL documents compiled by graphql-jit after repeated execution, by outcome (compiled, failed).',
    labelNames: ['outcome'] as const,
    registers,
  });

  const budgetRefused = new Counter({
    name: `${prefix}caller_budget_refused_total`,
    help: 'C1 calls not made because the caller had spent its upstream budget (served stale or RATE_LIMITED).',
    registers,
  });

  const upstreamLimit = new Gauge({
    name: `${prefix}upstream_concurrency_limit`,
    help: 'C1 calls allowed in flight at once, as learnt from C1 (between UPSTREAM_MIN_IN_FLIGHT and UPSTREAM_MAX_IN_FLIGHT).',
    registers,
  });
  const upstreamLimitChanges = new Counter({
    name: `${prefix}upstream_concurrency_limit_changes_total`,
    help: 'Moves of the C1 concurrency limit, by cause (increase, pushback: 429/502/503/504/timeout, latency: C1 slowed down).',
    labelNames: ['change'] as const,
    registers,
  });
  const upstreamQueued = new Gauge({
    name: `${prefix}upstream_queue_length`,
    help: 'C1 calls waiting for a slot, across all callers (bounded by UPSTREAM_MAX_QUEUE).',
    registers,
  });
  const httpConnections = new Gauge({
    name: `${prefix}http_connections`,
    help: 'Client connections open (at most MAX_CONNECTIONS).',
    registers,
  });
  const connectionsShed = new Counter({
    name: `${prefix}http_connections_shed_total`,
    help: 'Client connections closed to stay within bounds, by kind: at MAX_CONNECTIONS, silent (never sent a request), idle (idle the longest) or refused (a new one, every other being busy); pipelined (too many requests waiting behind one in progress).',
    labelNames: ['kind'] as const,
    registers,
  });

  let tokenExpiresAt: number | undefined;
  new Gauge({
    name: `${prefix}token_expiry_seconds`,
    help: 'Seconds until the current C1 access token expires (NaN before the first token).',
    registers,
    collect() {
      // Computed at scrape time, so it counts down between token fetches.
      this.set(tokenExpiresAt === undefined ? Number.NaN : (tokenExpiresAt - clock()) / 1000);
    },
  });

  // Series that exist from the start, so rate() and ratios work before the first event.
  for (const result of ['hit', 'miss']) cacheLookups.inc({ result }, 0);
  for (const outcome of ['success', 'failure']) tokenFetches.inc({ outcome }, 0);
  for (const outcome of ['compiled', 'failed']) documentsCompiled.inc({ outcome }, 0);
  for (const change of ['increase', 'pushback', 'latency']) upstreamLimitChanges.inc({ change }, 0);
  upstreamQueued.set(0);
  httpConnections.set(0);
  for (const kind of ['silent', 'idle', 'refused', 'pipelined']) connectionsShed.inc({ kind }, 0);

  return {
    cacheLookup: (result) => cacheLookups.inc({ result }),
    staleServed: () => staleServed.inc(),
    loaderBatch: (size) => batchSize.observe(size),
    upstreamAttempt(route, status, durationMs) {
      const labels = { route, status: status === 0 ? 'none' : String(status) };
      upstreamRequests.inc(labels);
      upstreamDuration.observe(labels, durationMs / 1000);
    },
    upstreamInFlight: (delta) => upstreamInFlight.inc(delta),
    upstreamFailure: (code) => upstreamFailures.inc({ code }),
    tokenFetch(outcome, expiresAtMs) {
      tokenFetches.inc({ outcome });
      // A failed refresh leaves the previous token in use; keep counting down to its expiry.
      if (expiresAtMs !== undefined) tokenExpiresAt = expiresAtMs;
    },
    breakerState: (upstream, state) => breakerState.set({ upstream }, BREAKER_STATE_VALUE[state]),
    l2Lookup: (result) => l2Lookups.inc({ result }),
    l2Error: (kind) => l2Errors.inc({ kind }),
    l2Lock: (outcome) => l2Locks.inc({ outcome }),
    l2Connection: (state) => l2Connected.set(state === 'up' ? 1 : 0),
    cacheEntries: (count) => cacheEntries.set(count),
    documentCompiled: (outcome) => documentsCompiled.inc({ outcome }),
    validationSkipped: () => validationsSkipped.inc(),
    budgetRefused: () => budgetRefused.inc(),
    upstreamLimit(slots, change) {
      upstreamLimit.set(slots);
      if (change !== undefined) upstreamLimitChanges.inc({ change });
    },
    upstreamQueued: (length) => upstreamQueued.set(length),
    httpConnections: (open) => httpConnections.set(open),
    connectionShed: (kind) => connectionsShed.inc({ kind }),
  };
}
