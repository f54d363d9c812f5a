import { z } from 'zod';

/**
 * Environment → typed, frozen Config. Validated once at start-up; every bad variable is named in
 * one error. Only `main.ts` passes `process.env` here; everything else receives a Config.
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

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(4000).pipe(z.number().max(65_535)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // C1 credentials and origin
  C1_CLIENT_ID: optionalString,
  C1_CLIENT_SECRET: optionalString,
  C1_ACCESS_TOKEN: optionalString,
  C1_API_URL: url,
  C1_AUTH_MODE: z.enum(['service', 'forward']).default('service'),
  TOKEN_EXPIRY_MARGIN_MS: int(30_000),

  // Loading and caching
  UPSTREAM_MAX_IN_FLIGHT: int(16, 1),
  UPSTREAM_MAX_QUEUE: int(1_000, 0),
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
  BATCHING_LIMIT: int(0),
  CORS_ORIGINS: list,
  PERSISTED_OPERATIONS_FILE: optionalString,
  ROUTER_SECRET: optionalString,
  ROUTER_SECRET_HEADER: z.string().default('x-router-secret'),
  JWKS_URL: url,
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  OPS_ENDPOINTS_REQUIRE_AUTH: bool(false),
  METRICS_ENABLED: bool(true),

  // Shared cache
  REDIS_URL: url,
  REDIS_KEY_PREFIX: z.string().default('c1gw'),
  REDIS_TIMEOUT_MS: int(50, 1),
  REDIS_LOCK_MS: int(2_000, 1),
});

type Env = z.infer<typeof envSchema>;

/** How the gateway obtains the bearer it sends to C1. */
export type Credentials =
  | { kind: 'client-credentials'; clientId: string; clientSecret: string }
  | { kind: 'static-token'; accessToken: string }
  | { kind: 'forward' }
  | { kind: 'sandbox' };

export type Config = Readonly<
  Omit<Env, 'GRAPHIQL' | 'INTROSPECTION' | 'C1_CLIENT_SECRET' | 'C1_ACCESS_TOKEN'> & {
    GRAPHIQL: boolean;
    INTROSPECTION: boolean;
    credentials: Credentials;
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and validates the environment. Throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    // Issue messages name the variable and the rule, never the value (it may be a secret).
    problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    pickCredentials(credentialVars(env), problems); // so one run names every problem
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const credentials = pickCredentials(e, problems);
  checkCallerAuth(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const { C1_CLIENT_SECRET: _s, C1_ACCESS_TOKEN: _t, ...rest } = e;
  const devDefault = e.NODE_ENV !== 'production';
  return Object.freeze({
    ...rest,
    CORS_ORIGINS: Object.freeze([...e.CORS_ORIGINS]) as string[],
    GRAPHIQL: e.GRAPHIQL ?? devDefault,
    INTROSPECTION: e.INTROSPECTION ?? devDefault,
    credentials,
  });
}

type CredentialVars = Pick<
  Env,
  'NODE_ENV' | 'C1_AUTH_MODE' | 'C1_API_URL' | 'C1_ACCESS_TOKEN' | 'C1_CLIENT_ID' | 'C1_CLIENT_SECRET'
>;

/** The credential variables read leniently from raw env, for reporting when other variables are bad. */
function credentialVars(env: Record<string, string | undefined>): CredentialVars {
  const get = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  return {
    NODE_ENV: env['NODE_ENV'] === 'production' ? 'production' : 'development',
    C1_AUTH_MODE: env['C1_AUTH_MODE'] === 'forward' ? 'forward' : 'service',
    C1_API_URL: get('C1_API_URL'),
    C1_ACCESS_TOKEN: get('C1_ACCESS_TOKEN'),
    C1_CLIENT_ID: get('C1_CLIENT_ID'),
    C1_CLIENT_SECRET: get('C1_CLIENT_SECRET'),
  };
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

function pickCredentials(e: CredentialVars, problems: string[]): Credentials {
  if (e.C1_AUTH_MODE === 'forward') {
    if (e.C1_API_URL === undefined) problems.push('C1_API_URL: required when C1_AUTH_MODE=forward');
    return { kind: 'forward' };
  }
  if (e.C1_ACCESS_TOKEN !== undefined) {
    if (e.C1_API_URL === undefined) problems.push('C1_API_URL: required with C1_ACCESS_TOKEN');
    return { kind: 'static-token', accessToken: e.C1_ACCESS_TOKEN };
  }
  if (e.C1_CLIENT_ID !== undefined || e.C1_CLIENT_SECRET !== undefined) {
    if (e.C1_CLIENT_ID === undefined) problems.push('C1_CLIENT_ID: required with C1_CLIENT_SECRET');
    if (e.C1_CLIENT_SECRET === undefined) problems.push('C1_CLIENT_SECRET: required with C1_CLIENT_ID');
    return { kind: 'client-credentials', clientId: e.C1_CLIENT_ID ?? '', clientSecret: e.C1_CLIENT_SECRET ?? '' };
  }
  if (e.NODE_ENV === 'production') {
    problems.push(
      'C1_CLIENT_ID and C1_CLIENT_SECRET (or C1_ACCESS_TOKEN with C1_API_URL): required in production; ' +
        'the embedded sandbox only runs outside production',
    );
  }
  return { kind: 'sandbox' };
}
