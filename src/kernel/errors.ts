/**
 * Typed errors raised below the GraphQL edge. `upstream/`, `auth/` and `cache/` throw these;
 * `graphql/errors.ts` maps them once to GraphQL errors with a stable `extensions.code`.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'UPSTREAM_UNAUTHENTICATED'
  | 'UPSTREAM_FORBIDDEN'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'OVERLOADED'
  | 'RATE_LIMITED'
  | 'CONFIG_INVALID';

/**
 * Whose failure an error reports. `upstream`: C1 answered badly or not at all (a 5xx, a refused or
 * reset connection, an attempt it left unanswered past undici's timeouts). `gateway`: the gateway
 * gave up on its own (the caller's deadline passed or it went away, a full queue, a shutdown),
 * which says nothing about C1's health. The circuit breakers count only `upstream` failures.
 */
export type ErrorOrigin = 'upstream' | 'gateway';

export interface GatewayErrorOptions {
  cause?: unknown;
  /** HTTP status the upstream answered with, when there was one. */
  status?: number;
  /** Whether repeating the same idempotent call may succeed. */
  retryable?: boolean;
  /** Server-requested delay before a retry (from `Retry-After`), in ms. */
  retryAfterMs?: number;
  /** @default 'upstream' for UPSTREAM_* codes, 'gateway' for the others */
  origin?: ErrorOrigin;
  /**
   * The row of the upstream outcome table (resilience/outcome.ts) this error was made from: what it
   * means for retries, the breaker and stale-if-error is read there, never decided by its holder.
   */
  outcome?: string;
  /**
   * A stable, finer reason within `code` that clients may branch on (e.g. `INVALID_CURSOR` for a
   * BAD_USER_INPUT): the edge exposes it as `extensions.reason`, so it must never hold input.
   */
  reason?: string;
}

const BRAND = Symbol.for('c1-gateway.GatewayError');

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly origin: ErrorOrigin;
  readonly outcome: string | undefined;
  readonly reason: string | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.origin = options.origin ?? (code.startsWith('UPSTREAM_') ? 'upstream' : 'gateway');
    this.outcome = options.outcome;
    this.reason = options.reason;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  // A brand survives duplicate module instances (test runners, bundlers) where instanceof would not.
  return error instanceof GatewayError || (typeof error === 'object' && error !== null && BRAND in error);
}
