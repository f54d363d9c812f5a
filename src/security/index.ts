/**
 * Everything that keeps callers where they belong, built from Config in one place so app.ts adds
 * it with two lines: Yoga options for the HTTP edge, and plugins in the order they must run.
 */
import { randomUUID } from 'node:crypto';
import { useReadinessCheck, type Plugin } from 'graphql-yoga';
import type { Clock } from '../kernel/clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../kernel/logger.js';
import { useRequestBodyLimit } from './body-limit.js';
import { callerAuthEnabled, OPS_PATHS, useCallerAuth, type AuthenticatedCaller, type CallerAuthOptions } from './caller-auth.js';
import { createCallerAdmission } from './caller-admission.js';
import { watchEventLoopLoad, type EventLoopLoad } from './event-loop-load.js';
import { bearerOf, callerKey, tokenHash } from './caller-key.js';
import { createOperationCost } from './cost-limits.js';
import { httpEdgePlugins, httpEdgeYogaOptions, useExactRoutes, type HttpEdgeOptions } from './http-edge.js';
import { useOperationLimits } from './operation-limits.js';
import { usePersistedOperationsAllowList } from './persisted-operations.js';
import { useResponseSizeLimit } from './response-size.js';
import { useResponseCompression } from './compression.js';

export { pinToOrigin } from './upstream-pin.js';

export interface SecurityDeps {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** The request's id, for the line that says it was refused. */
  requestIdOf?: (request: Request) => string;
  /** Whether the event loop is saturated (per-caller admission tightens then). @default sampled utilization */
  eventLoopLoad?: EventLoopLoad | undefined;
}

export interface Security {
  /** Spread into createYoga's options: health endpoint, CORS, batching, body size. */
  yogaOptions: ReturnType<typeof httpEdgeYogaOptions> & { healthCheckEndpoint: string };
  /** Put first in createYoga's plugins: authentication must answer before anything it guards. */
  plugins: Plugin[];
  /** Put last in createYoga's plugins, after graphql-jit: it wraps whichever executor was picked. */
  executionPlugins: Plugin[];
  /** Stops the event-loop sampling. */
  close(): void;
  /** Whether the request proved to come from the router (it carried the right ROUTER_SECRET). */
  fromRouter(request: Request): boolean;
  /** Whose upstream budget a GraphQL request spends (see caller-key.ts); forward mode passes its token hash. */
  callerKeyOf(initial: ServerContext, forwardPartition?: string): string;
}

/** What Yoga's context holds of a request: on node:http, the server context's `req` is the IncomingMessage. */
export interface ServerContext {
  request: Request;
  req?: { socket?: { remoteAddress?: string | undefined } | undefined } | undefined;
}

export function createSecurity({ config, logger, clock, requestIdOf, eventLoopLoad }: SecurityDeps): Security {
  // Kept with the Request, like its id: gone with it, and never holding the token itself.
  const authenticated = new WeakMap<Request, AuthenticatedCaller>();
  const auth: CallerAuthOptions = {
    routerSecret: config.ROUTER_SECRET,
    routerSecretHeader: config.ROUTER_SECRET_HEADER,
    jwt:
      config.JWKS_URL === undefined
        ? undefined
        : { jwksUrl: config.JWKS_URL, issuer: config.JWT_ISSUER ?? '', audience: config.JWT_AUDIENCE ?? '' },
    requireBearer: config.credentials.kind === 'forward',
    opsEndpointsRequireAuth: config.OPS_ENDPOINTS_REQUIRE_AUTH,
    ...(clock === undefined ? {} : { clock }),
    onReject: (reason, request) =>
      logger.info({ ...(requestIdOf === undefined ? {} : { requestId: requestIdOf(request) }), reason }, 'caller refused: not authenticated'),
    onAuthenticated: (request, caller) => authenticated.set(request, caller),
  };
  const edge: HttpEdgeOptions = {
    corsOrigins: config.CORS_ORIGINS,
    maxRequestBytes: config.MAX_REQUEST_BYTES,
    batchingLimit: config.BATCHING_LIMIT,
    introspection: config.INTROSPECTION,
  };
  const guardOps = callerAuthEnabled(auth) && config.OPS_ENDPOINTS_REQUIRE_AUTH;
  const forwardMode = config.credentials.kind === 'forward';
  const load = eventLoopLoad ?? watchEventLoopLoad();
  // Worked out once per request (at admission, else when its GraphQL context is made) and kept with it.
  const keys = new WeakMap<Request, string>();
  const keyOf = (request: Request, req: ServerContext['req'], forwardPartition: string | undefined): string => {
    let key = keys.get(request);
    if (key === undefined) {
      const caller = authenticated.get(request);
      key = callerKey({
        jwtSubject: caller?.jwtSubject,
        forwardPartition,
        routerAuthenticated: caller?.routerSecret ?? false,
        clientName: request.headers.get('apollographql-client-name'),
        address: req?.socket?.remoteAddress,
      });
      keys.set(request, key);
    }
    return key;
  };

  const cost = createOperationCost({
    maxFetches: config.MAX_UPSTREAM_FETCHES_PER_OPERATION,
    maxResolutions: config.MAX_RESOLUTIONS_PER_OPERATION,
    maxFields: config.MAX_FIELDS_PER_OPERATION,
    heavyFields: config.HEAVY_OPERATION_FIELDS,
    heavyInFlight: config.HEAVY_OPERATIONS_IN_FLIGHT,
    heavyQueue: config.HEAVY_OPERATIONS_QUEUE,
  });
  // First: a path that is not exactly one of the gateway's is a 404 before auth, admission or anything else.
  const plugins: Plugin[] = [useExactRoutes(['/graphql', ...OPS_PATHS])];
  if (callerAuthEnabled(auth)) plugins.push(useCallerAuth(auth));
  // Yoga's built-in /health answers before any user plugin; to guard it, serve it after auth instead.
  if (guardOps) plugins.push(useReadinessCheck({ endpoint: '/health', check: () => true }));
  const admission = createCallerAdmission({
    maxInFlight: () => (load.busy() ? config.CALLER_MAX_IN_FLIGHT_BUSY : config.CALLER_MAX_IN_FLIGHT),
    maxQueued: config.CALLER_MAX_QUEUED,
    maxWaitMs: config.REQUEST_DEADLINE_MS,
    callerOf: (request, serverContext) => {
      const token = forwardMode ? bearerOf(request.headers.get('authorization')) : undefined;
      return keyOf(request, (serverContext as ServerContext).req, token === undefined ? undefined : tokenHash(token));
    },
  });
  // What queued under the tight limit goes on as soon as the loop is calm again.
  load.onCalm?.(() => admission.rebalance());
  plugins.push(admission.plugin);
  plugins.push(...httpEdgePlugins(edge), useResponseCompression({ minBytes: config.COMPRESSION_MIN_BYTES }));
  if (config.persistedOperations !== undefined) plugins.push(usePersistedOperationsAllowList(config.persistedOperations));
  plugins.push(
    ...useOperationLimits({
      maxDepth: config.LIMIT_MAX_DEPTH,
      maxAliases: config.LIMIT_MAX_ALIASES,
      maxTokens: config.LIMIT_MAX_TOKENS,
      maxDirectives: config.LIMIT_MAX_DIRECTIVES,
      blockFieldSuggestions: config.NODE_ENV !== 'development',
    }),
    cost.limits,
    useResponseSizeLimit(config.MAX_RESPONSE_BYTES),
    useRequestBodyLimit(config.MAX_REQUEST_BYTES),
  );

  return {
    yogaOptions: {
      ...httpEdgeYogaOptions(edge),
      // An unguessable path parks the built-in check (it cannot be turned off) when ours replaces it.
      healthCheckEndpoint: guardOps ? `/__builtin-health-${randomUUID()}` : '/health',
    },
    plugins,
    executionPlugins: [cost.heavyLane],
    close: () => load.close(),
    fromRouter: (request) => authenticated.get(request)?.routerSecret === true,
    callerKeyOf: (initial, forwardPartition) => keyOf(initial.request, initial.req, forwardPartition),
  };
}
