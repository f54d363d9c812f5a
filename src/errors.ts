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

export interface GatewayErrorOptions {
  cause?: unknown;
  /** HTTP status the upstream answered with, when there was one. */
  status?: number;
  /** Whether repeating the same idempotent call may succeed. */
  retryable?: boolean;
  /** Server-requested delay before a retry (from `Retry-After`), in ms. */
  retryAfterMs?: number;
}

const BRAND = Symbol.for('c1-gateway.GatewayError');

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  // A brand survives duplicate module instances (test runners, bundlers) where instanceof would not.
  return error instanceof GatewayError || (typeof error === 'object' && error !== null && BRAND in error);
}
