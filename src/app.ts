import type { Dispatcher } from 'undici';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { createStaticTokenSource } from './auth/static-token-source.js';
import { createClientCredentialsTokenSource } from './auth/token-manager.js';
import { createUpstreamBudget } from './budget/index.js';
import { TieredCache } from './cache/tiered-cache.js';
import { useCacheControl } from './graphql/cache-control.js';
import { createRedisLayer } from './cache/redis-layer.js';
import { systemClock, type Clock } from './kernel/clock.js';
import { ConfigError, type C1Upstream, type Config } from './config.js';
import { createContextFactory, type GatewayContext } from './graphql/context.js';
import { createMaskError } from './graphql/errors.js';
import { useHotDocumentJit } from './graphql/jit.js';
import { useRequestErrorsAsBadInput } from './graphql/request-errors.js';
import { useKnownOperationTypes } from './graphql/operation-types.js';
import { useValidationCache } from './graphql/validation-cache.js';
import { createGraphiQLOptions } from './graphql/graphiql.js';
import { useGraphiQLPage } from './graphql/graphiql-page.js';
import { useInlineTrace, whoMayTrace } from './graphql/inline-trace.js';
import { buildSchema, type SchemaOptions } from './graphql/schema.js';
import { createDocumentShapes } from './graphql/document-shapes.js';
import { createCursorCodec } from './graphql/cursor.js';
import { cursorKey } from './graphql/cursor-key.js';
import { MAX_FILTER_USER_IDS } from './graphql/personal-client-filter.js';
import { PersonalClientPages } from './loading/personal-client-pages.js';
import { DeadlineSignals, deadlineSlotMs } from './resilience/deadline.js';
import { unrefTimer } from './loading/hold-back.js';
import { createUpstreamLimiter } from './loading/upstream-limiter.js';
import { PersonalClientSource } from './loading/personal-client-source.js';
import { yogaLogging, type Logger } from './kernel/logger.js';
import { createObservability } from './observability/index.js';
import type { Tracing } from './observability/tracing.js';
import { noopTracer, type Tracer } from './kernel/tracer.js';
import type { Observer } from './kernel/observer.js';
import type { TokenSource } from './kernel/token-source.js';
import type { PersonalClient } from './domain/personal-client.js';
import { createReadiness, type Readiness } from './ops/readiness.js';
import { useReadinessEndpoint } from './ops/readiness-endpoint.js';
import { chainPolicies, type AttemptPolicy } from './resilience/attempt-policy.js';
import { createDispatcher } from './upstream/dispatcher.js';
import { createPersonalClientsApi } from './upstream/personal-clients-api.js';
import { createResilience } from './resilience/resilience.js';
import type { EventLoopLoad } from './security/event-loop-load.js';
import { createSecurity, pinToOrigin } from './security/index.js';
import type { Sleep } from './resilience/retry-policy.js';

/** The name C1's breaker is reported under: metrics carry a fixed name, never the tenant's URL. */
const C1_UPSTREAM = 'c1';

export interface AppDeps {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** HTTP client for every upstream call; one keep-alive Agent by default. */
  dispatcher?: Dispatcher;
  observer?: Observer;
  /** An id that exists upstream, for GraphiQL's ready-to-run example query (sandbox mode). */
  exampleId?: string;
  /** Whether the event loop is saturated, for per-caller admission (tests pin it). @default sampled utilization */
  eventLoopLoad?: EventLoopLoad;
  /** Retry jitter source in [0, 1) (tests). @default Math.random */
  random?: () => number;
  /** Retry waits (tests record them instead of waiting). @default real timers */
  sleep?: Sleep;
  /** OpenTelemetry (observability/tracing.ts `loadTracing`), when on; the app shuts it down on close. */
  tracing?: Tracing | undefined;
}

export interface App {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>;
  /** What the app reports to (metrics, logs): the server's connection counts go here too. */
  observer: Observer;
  /** False while draining, while a circuit breaker is open, or when no token can be obtained. */
  isReady(): boolean;
  /** Marks the app as draining (readiness false); in-flight requests continue. */
  beginShutdown(): void;
  /** Releases timers and upstream sockets. */
  close(): Promise<void>;
}

/** The composition root: builds every module from Config and wires them. No env, no listen. */
export function createApp(deps: AppDeps): App {
  const { config, logger } = deps;
  const c1 = config.c1;
  if (c1 === undefined) {
    throw new ConfigError(['C1_CLIENT_ID/C1_CLIENT_SECRET: createApp needs real credentials; main.ts swaps in the sandbox credential first']);
  }
  const clock = deps.clock ?? systemClock;
  // Logs, metrics and request ids; the data path reports to `observer` and knows nothing else.
  const observability = createObservability({
    logger,
    clock,
    metricsEnabled: config.METRICS_ENABLED,
    metricsMinIntervalMs: config.METRICS_MIN_INTERVAL_MS,
    compressMinBytes: config.COMPRESSION_MIN_BYTES,
    observer: deps.observer,
    tracing: deps.tracing,
  });
  const observer = observability.observer;
  // The data path's port: a no-op unless tracing is on, so spans cost nothing when it is off.
  const tracer = deps.tracing?.tracer ?? noopTracer;
  const ownsDispatcher = deps.dispatcher === undefined;
  // Whatever builds a request, the bearer can only ever travel to the configured C1 origin.
  const dispatcher = pinToOrigin(
    deps.dispatcher ??
      createDispatcher({
        connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
        headersTimeoutMs: config.UPSTREAM_HEADERS_TIMEOUT_MS,
        bodyTimeoutMs: config.UPSTREAM_BODY_TIMEOUT_MS,
      }),
    c1.origin,
  );
  const resilience = createResilience(config, { clock, observer, random: deps.random, sleep: deps.sleep });
  // The token URL is on the API's origin, so both share one breaker, reported as 'c1'.
  const c1Policy = (url: string) => resilience.policyFor(url, C1_UPSTREAM);
  const readiness = createReadiness({
    tokens: () => serviceTokens,
    breakerOpen: () => resilience.breakers.anyRejecting(),
  });
  const serviceTokens = serviceTokensFor(config, c1, dispatcher, clock, observer, c1Policy, readiness, tracer);

  // Learnt from every API attempt: the feedback runs inside retries and the breaker.
  const { limiter, feedback } = createUpstreamLimiter(config, { now: () => performance.now(), observer, setTimer: unrefTimer });
  const api = createPersonalClientsApi({
    baseUrl: c1.apiBaseUrl,
    dispatcher,
    maxBodyBytes: config.UPSTREAM_MAX_BODY_BYTES,
    policy: chainPolicies(c1Policy(c1.apiBaseUrl), feedback),
    clock,
    onAttempt: (status, ms, route) => observer.upstreamAttempt(route, status, ms),
    tracer,
    // The API's policy above made this breaker already: this only looks it up.
    breakerState: () => resilience.breakers.for(c1.apiBaseUrl, C1_UPSTREAM).state,
  });
  const redisLayer = createRedisLayer(config, { observer, logger, clock });
  // In process, then Redis (when REDIS_URL is set), then one fetch per key: one lifetime policy for both tiers.
  const cache = new TieredCache<PersonalClient>({
    kind: 'pc',
    maxEntries: config.CACHE_MAX_ENTRIES,
    lifetimes: { ttlMs: config.CACHE_TTL_MS, notFoundTtlMs: config.CACHE_NOT_FOUND_TTL_MS, staleMs: config.CACHE_STALE_MS },
    shared: redisLayer?.shared,
    observer,
    clock,
    tracer,
  });
  // Per caller, one token per C1 call: shared across replicas through Redis when there is one.
  const budget = createUpstreamBudget(config, { clock, guard: redisLayer?.guard });
  const source = new PersonalClientSource({ api, cache, limiter, budget, observer, tracer });
  // List and Search share the GET's budget, limiter and cache: what they list is primed for reads by id.
  const pages = new PersonalClientPages({ api, cache, limiter, budget, observer });
  const cursorSecret = cursorKey(config.CURSOR_SECRET);
  if (cursorSecret.ephemeral) {
    logger.warn('CURSOR_SECRET is unset: cursors are sealed with this process\'s own key and fail on other replicas and after a restart');
  }

  // Caller auth, HTTP edge (CORS, CSRF, body size, batching), operation limits and the fan-out cap.
  const security = createSecurity({ config, logger, clock, requestIdOf: observability.requestIdOf, eventLoopLoad: deps.eventLoopLoad });
  const deadlines = new DeadlineSignals(deadlineSlotMs(config.REQUEST_DEADLINE_MS));
  const cacheScope = config.C1_AUTH_MODE === 'forward' ? 'private' : 'public';
  const schemaOptions: SchemaOptions = {
    maxIdsPerRequest: config.MAX_IDS_PER_REQUEST,
    cursors: createCursorCodec(cursorSecret.key),
    // Whole seconds rounded down, as the header's max-age: the hint is a ceiling the header never exceeds.
    cacheHints: { valueMaxAgeSeconds: Math.floor(config.CACHE_TTL_MS / 1000), scope: cacheScope },
  };
  // Apollo inline traces only for the router (INLINE_TRACES): see whoMayTrace.
  const mayTrace = whoMayTrace(config.INLINE_TRACES, config.ROUTER_SECRET === undefined ? undefined : security.fromRouter);
  // A document with its ids written in is parsed and validated once per shape (graphql/document-shapes.ts).
  const shapes = createDocumentShapes({
    onValidationSkipped: () => observer.validationSkipped(),
    onTemplateUsed: () => observer.validationSkipped(),
    maxTokens: config.LIMIT_MAX_TOKENS,
  });
  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema: buildSchema(schemaOptions),
    context: createContextFactory({
      requestIdOf: observability.requestIdOf,
      source,
      pages,
      maxUsersPerSearch: MAX_FILTER_USER_IDS,
      serviceTokens,
      deadlineMs: config.REQUEST_DEADLINE_MS,
      deadlines,
      maxBatchSize: Math.max(config.MAX_UPSTREAM_FETCHES_PER_OPERATION, config.MAX_IDS_PER_REQUEST),
      observer,
      callerKeyOf: security.callerKeyOf,
      traceOf: observability.traceOf,
      tracer,
    }),
    graphqlEndpoint: '/graphql',
    // Validation results are kept by useValidationCache below, which checks them for less.
    parserAndValidationCache: { documentCache: shapes.documentCache, validationCache: false },
    ...security.yogaOptions,
    landingPage: false,
    // Served by useGraphiQLPage instead: compressed once, with an ETag.
    graphiql: false,
    maskedErrors: {
      isDev: config.NODE_ENV === 'development',
      maskError: createMaskError({ onUnexpected: observability.noteUnexpected }),
    },
    logging: yogaLogging(logger),
    plugins: [
      ...(config.GRAPHIQL ? [useGraphiQLPage({ graphiql: createGraphiQLOptions(deps.exampleId), endpoint: '/graphql' })] : []),
      ...security.plugins,
      ...observability.plugins,
      useRequestErrorsAsBadInput(),
      useKnownOperationTypes(),
      useHotDocumentJit({
        onCompiled: () => observer.documentCompiled('compiled'),
        onCompileFailure: (_document, errors) => {
          observer.documentCompiled('failed');
          logger.warn({ errors: errors.map((e) => e.message) }, 'graphql-jit could not compile a document; it runs on the standard executor');
        },
      }),
      ...(mayTrace === undefined
        ? []
        : [useInlineTrace({ tracedSchema: buildSchema(schemaOptions), mayTrace, clock, nowNs: process.hrtime.bigint })]),
      useReadinessEndpoint({ endpoint: '/ready', check: () => readiness.check() }),
      useCacheControl({ scope: cacheScope, endpoint: '/graphql' }),
      ...security.executionPlugins,
      // After every plugin that adds a validation rule: its results are kept per document and rule set.
      useValidationCache(),
      // Last: it keys on the validation rules every plugin above has added, and reads the query they settled.
      shapes.plugin,
    ],
  });

  return {
    yoga,
    observer,
    isReady: () => readiness.isReady(),
    beginShutdown: () => readiness.beginShutdown(),
    async close() {
      serviceTokens?.close();
      deadlines.close();
      security.close();
      if (ownsDispatcher) await dispatcher.close();
      await redisLayer?.close();
      // Last: spans of the requests drained above are exported before the process exits.
      await deps.tracing?.shutdown();
    },
  };
}

function serviceTokensFor(
  config: Config,
  c1: C1Upstream,
  dispatcher: Dispatcher,
  clock: Clock,
  observer: Observer,
  policyFor: (url: string) => AttemptPolicy,
  readiness: Readiness,
  tracer: Tracer,
): TokenSource | undefined {
  const creds = config.credentials;
  switch (creds.kind) {
    case 'client-credentials':
      return createClientCredentialsTokenSource({
        clientId: creds.clientId,
        clientSecret: creds.clientSecret,
        tokenUrl: c1.tokenUrl,
        audience: c1.audience,
        dispatcher,
        clock,
        expiryMarginMs: config.TOKEN_EXPIRY_MARGIN_MS,
        // The token's own budget: no caller waits longer than its deadline anyway.
        requestTimeoutMs: config.REQUEST_DEADLINE_MS,
        policy: policyFor(c1.tokenUrl),
        tracer,
        onTokenFetch: (outcome, expiresAt) => {
          readiness.noteTokenFetch(outcome);
          observer.tokenFetch(outcome, expiresAt);
        },
      });
    case 'static-token':
      return createStaticTokenSource(creds.accessToken);
    case 'forward':
    case 'sandbox':
      return undefined;
  }
}
