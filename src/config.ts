import { z } from 'zod';
import { credentialVars, isHttpUrl, pickCredentials, type Credentials } from './config/credentials.js';
import { loadPersistedOperations, PersistedOperationsError } from './config/persisted-operations.js';
import type { C1Upstream } from './domain/client-id.js';
import { tracingConfigOf, tracingEnv, type TracingConfig } from './config/tracing.js';

export type { Credentials } from './config/credentials.js';
export type { C1Upstream } from './domain/client-id.js';
export type { TracingConfig } from './config/tracing.js';

/**
 * Environment → typed, frozen Config. Validated and derived once at start-up (credential formats,
 * where C1 is, the persisted-operations file); every problem is named in one ConfigError. Defaults
 * live here and nowhere else: modules take every bound as a required option. Only `main.ts` passes
 * `process.env` here; everything else receives a Config.
 */

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const ratio = (def: number) => z.coerce.number().gt(0).lte(1).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v))
    .default(def);
const optionalBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : ['true', '1', 'yes', 'on'].includes(v)));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const url = optionalString.refine((v) => v === undefined || URL.canParse(v), 'must be an absolute URL');
const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );

/** @default 32 — shortest CURSOR_SECRET accepted, in characters: 32 random ones hold well over 128 bits. */
export const MIN_CURSOR_SECRET_LENGTH = 32;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(4000).pipe(z.number().max(65_535)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // C1 credentials and origin
  C1_CLIENT_ID: optionalString,
  C1_CLIENT_SECRET: optionalString,
  C1_ACCESS_TOKEN: optionalString,
  C1_API_URL: optionalString.refine((v) => v === undefined || isHttpUrl(v), 'must be an absolute http(s) URL'),
  C1_AUTH_MODE: z.enum(['service', 'forward']).default('service'),
  TOKEN_EXPIRY_MARGIN_MS: int(30_000),

  // Loading and caching
  // C1 calls in flight: an adaptive limit (loading/adaptive-limit.ts) between a floor and a hard ceiling
  UPSTREAM_MAX_IN_FLIGHT: int(128, 1),
  UPSTREAM_MIN_IN_FLIGHT: int(4, 1),
  UPSTREAM_INITIAL_IN_FLIGHT: int(16, 1),
  UPSTREAM_MAX_HOLD_MS: int(10_000),
  // Calls waiting for a slot (all callers), and callers served in turn with a queue of their own
  UPSTREAM_MAX_QUEUE: int(1_000, 0),
  UPSTREAM_MAX_CALLERS: int(256, 1),
  CACHE_MAX_ENTRIES: int(10_000, 1),
  CACHE_TTL_MS: int(30_000),
  CACHE_NOT_FOUND_TTL_MS: int(5_000),
  CACHE_STALE_MS: int(300_000),
  MAX_IDS_PER_REQUEST: int(100, 1),

  // Per-caller budget on upstream (C1) calls: a token bucket per caller; cache hits are free
  CALLER_UPSTREAM_RATE: int(50, 1),
  CALLER_UPSTREAM_BURST: int(200, 1),
  CALLER_BUDGET_MAX_CALLERS: int(10_000, 1),
  // Per-caller admission: GraphQL requests one caller may have in progress (while the event loop
  // keeps up, and while it is saturated), and waiting
  CALLER_MAX_IN_FLIGHT: int(64, 1),
  CALLER_MAX_IN_FLIGHT_BUSY: int(4, 1),
  CALLER_MAX_QUEUED: int(1_000, 0),

  // Resilience
  REQUEST_DEADLINE_MS: int(10_000, 1),
  UPSTREAM_CONNECT_TIMEOUT_MS: int(3_000, 1),
  UPSTREAM_HEADERS_TIMEOUT_MS: int(5_000, 1),
  UPSTREAM_BODY_TIMEOUT_MS: int(5_000, 1),
  UPSTREAM_MAX_BODY_BYTES: int(1_048_576, 1),
  UPSTREAM_RETRIES: int(2),
  UPSTREAM_RETRY_BASE_MS: int(100),
  UPSTREAM_RETRY_MAX_MS: int(2_000),
  BREAKER_WINDOW_MS: int(10_000, 1),
  BREAKER_MIN_REQUESTS: int(10, 1),
  BREAKER_FAILURE_RATIO: ratio(0.5),
  BREAKER_CONSECUTIVE_FAILURES: int(5, 1),
  BREAKER_COOLDOWN_MS: int(5_000, 1),
  SHUTDOWN_DRAIN_MS: int(10_000),

  // GraphQL and HTTP edge
  GRAPHIQL: optionalBool,
  INTROSPECTION: optionalBool,
  LIMIT_MAX_DEPTH: int(12, 1),
  LIMIT_MAX_ALIASES: int(100, 1),
  LIMIT_MAX_TOKENS: int(2_000, 1),
  LIMIT_MAX_DIRECTIVES: int(20, 1),
  MAX_UPSTREAM_FETCHES_PER_OPERATION: int(100, 1),
  MAX_RESOLUTIONS_PER_OPERATION: int(1_000, 1),
  MAX_FIELDS_PER_OPERATION: int(10_000, 1),
  HEAVY_OPERATION_FIELDS: int(2_000, 1),
  HEAVY_OPERATIONS_IN_FLIGHT: int(2, 1),
  HEAVY_OPERATIONS_QUEUE: int(32, 0),
  MAX_RESPONSE_BYTES: int(2_097_152, 1_024),
  MAX_REQUEST_BYTES: int(102_400, 1),
  REQUEST_BODY_TIMEOUT_MS: int(30_000, 1),
  MAX_CONNECTIONS: int(10_000, 1),
  BATCHING_LIMIT: int(0),
  COMPRESSION_MIN_BYTES: int(1_024),
  INLINE_TRACES: z.enum(['router', 'any', 'off']).default('router'),
  CORS_ORIGINS: list,
  PERSISTED_OPERATIONS_FILE: optionalString,
  ROUTER_SECRET: optionalString,
  ROUTER_SECRET_HEADER: z.string().default('x-router-secret'),
  JWKS_URL: url,
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  OPS_ENDPOINTS_REQUIRE_AUTH: bool(false),
  METRICS_ENABLED: bool(true),
  METRICS_MIN_INTERVAL_MS: int(1000),

  // Relay cursors: the key every replica derives the same way (graphql/cursor-key.ts)
  CURSOR_SECRET: optionalString.refine((v) => v === undefined || v.length >= MIN_CURSOR_SECRET_LENGTH, `must be at least ${MIN_CURSOR_SECRET_LENGTH} characters`),

  // Shared cache
  REDIS_URL: url,
  REDIS_KEY_PREFIX: z.string().default('c1gw'),
  REDIS_TIMEOUT_MS: int(50, 1),
  REDIS_LOCK_MS: int(2_000, 1),

  // OpenTelemetry tracing: the SDK specification's own variables (config/tracing.ts)
  ...tracingEnv,
});

type Env = z.infer<typeof envSchema>;

export type Config = Readonly<
  Omit<Env, 'GRAPHIQL' | 'INTROSPECTION' | 'C1_CLIENT_SECRET' | 'C1_ACCESS_TOKEN' | 'OTEL_EXPORTER_OTLP_HEADERS' | 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'> & {
    GRAPHIQL: boolean;
    INTROSPECTION: boolean;
    credentials: Credentials;
    /** Where C1 is, derived once; undefined only for the sandbox, which main.ts swaps for a real URL. */
    c1: C1Upstream | undefined;
    /** The allow-list read from PERSISTED_OPERATIONS_FILE, when set. */
    persistedOperations: ReadonlyMap<string, string> | undefined;
    /** OpenTelemetry export, when an OTLP endpoint is set and the SDK is not disabled. */
    tracing: TracingConfig | undefined;
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses, validates and derives the configuration. Throws one ConfigError naming every problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    // Issue messages name the variable and the rule, never the value (it may be a secret).
    problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    pickCredentials(credentialVars(env), problems); // so one run names every problem
    const file = env['PERSISTED_OPERATIONS_FILE']?.trim();
    if (file) readPersistedOperations(file, problems);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const { credentials, c1 } = pickCredentials(e, problems);
  checkCallerAuth(e, problems);
  checkCursorSecret(e, problems);
  const file = e.PERSISTED_OPERATIONS_FILE;
  const persistedOperations = file === undefined ? undefined : readPersistedOperations(file, problems);
  const tracing = tracingConfigOf(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const { C1_CLIENT_SECRET: _s, C1_ACCESS_TOKEN: _t, OTEL_EXPORTER_OTLP_HEADERS: _h, OTEL_EXPORTER_OTLP_TRACES_HEADERS: _th, ...rest } = e;
  const devDefault = e.NODE_ENV !== 'production';
  return Object.freeze({
    ...rest,
    CORS_ORIGINS: Object.freeze([...e.CORS_ORIGINS]) as string[],
    GRAPHIQL: e.GRAPHIQL ?? devDefault,
    INTROSPECTION: e.INTROSPECTION ?? devDefault,
    credentials,
    c1: c1 === undefined ? undefined : Object.freeze(c1),
    persistedOperations,
    tracing,
  });
}

function readPersistedOperations(path: string, problems: string[]): ReadonlyMap<string, string> | undefined {
  try {
    return loadPersistedOperations(path);
  } catch (error) {
    if (!(error instanceof PersistedOperationsError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/**
 * In production the cursor key must come from configuration. The issue asks for it where more than
 * one replica runs, but the gateway cannot know that: an autoscaler adds replicas without telling
 * it, and a rolling deploy runs old and new side by side. Without a shared key every replica (and
 * every restart) would refuse the others' cursors as BAD_USER_INPUT: an intermittent, confusing
 * failure. One more secret at deploy time is the cheaper price, so production requires it outright.
 */
function checkCursorSecret(e: Env, problems: string[]): void {
  if (e.NODE_ENV === 'production' && e.CURSOR_SECRET === undefined) {
    problems.push('CURSOR_SECRET: required in production, the same on every replica (e.g. `openssl rand -base64 48`)');
  }
}

/**
 * Caller authentication that would silently not happen, or could not work, is refused at start-up.
 * In forward mode `Authorization` carries the caller's C1 token, so it cannot also carry a JWT for
 * our JWKS: authenticate the router with ROUTER_SECRET there instead.
 */
function checkCallerAuth(e: Env, problems: string[]): void {
  if (e.JWKS_URL !== undefined) {
    if (e.C1_AUTH_MODE === 'forward') {
      problems.push('JWKS_URL: cannot be used with C1_AUTH_MODE=forward (Authorization carries the C1 token); use ROUTER_SECRET');
    }
    if (e.JWT_ISSUER === undefined) problems.push('JWT_ISSUER: required with JWKS_URL');
    if (e.JWT_AUDIENCE === undefined) problems.push('JWT_AUDIENCE: required with JWKS_URL');
    if (e.NODE_ENV === 'production' && !e.JWKS_URL.startsWith('https:')) problems.push('JWKS_URL: must be https in production');
  } else if (e.JWT_ISSUER !== undefined || e.JWT_AUDIENCE !== undefined) {
    problems.push('JWT_ISSUER/JWT_AUDIENCE: set without JWKS_URL, so no caller token would be verified');
  }
  e.CORS_ORIGINS.forEach((origin, i) => {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+\/?$/i.test(origin)) {
      problems.push(`CORS_ORIGINS: entry ${i + 1} is not an origin (scheme://host[:port]) or '*'`);
    }
  });
}
