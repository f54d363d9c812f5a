import { GatewayError, isGatewayError, type ErrorCode, type ErrorOrigin } from '../kernel/errors.js';

/** How one attempt counts for a breaker: a failure says C1 is down; neutral says nothing either way. */
export type BreakerCount = 'success' | 'failure' | 'neutral';

/** What a failure means, everywhere it is handled. */
export interface Outcome {
  code: ErrorCode;
  /** Whose failure it is (see ErrorOrigin). */
  origin: ErrorOrigin;
  /** Whether repeating the same idempotent call may succeed: the retry policy repeats exactly these. */
  retryable: boolean;
  countsAgainstBreaker: BreakerCount;
  /** Whether an expired cached value is better than this error (stale-if-error). */
  staleServable: boolean;
}

const row = (code: ErrorCode, origin: ErrorOrigin, retryable: boolean, countsAgainstBreaker: BreakerCount, staleServable: boolean): Outcome =>
  ({ code, origin, retryable, countsAgainstBreaker, staleServable });

/**
 * The one table of what can go wrong on the way to C1 and what each means. Nothing else decides
 * whether a failure is retried, trips a breaker or may be answered from a stale value. The gateway's
 * own refusals (overloaded, callerBudget) happen before the retry policy, so for them `retry` only
 * tells the caller it may come back later.
 */
export const OUTCOMES = {
  // what happened    code                        origin      retry  breaker    stale    why
  rejected:        row('UPSTREAM_UNAUTHENTICATED', 'upstream', false, 'success', false), // 401 (token: 400/401): C1 works; our credential is bad, no value may outlive it
  forbidden:       row('UPSTREAM_FORBIDDEN',       'upstream', false, 'success', false), // 403: C1 works and said no; an old value would bypass the denial
  throttled:       row('UPSTREAM_RATE_LIMITED',    'upstream', true,  'neutral', true),  // 429: alive but busy; wait its Retry-After; an old value costs it nothing
  proxyFailed:     row('UPSTREAM_UNAVAILABLE',     'upstream', true,  'failure', true),  // 502/503/504: a gateway in front of C1 failed; transient
  serverFailed:    row('UPSTREAM_UNAVAILABLE',     'upstream', false, 'failure', true),  // 500 and other 5xx: a bug on C1's side; repeating it only adds load
  unexpected:      row('UPSTREAM_BAD_RESPONSE',    'upstream', false, 'success', false), // any other status, a bad body: C1 answered, wrongly; it would again
  unreachable:     row('UPSTREAM_UNAVAILABLE',     'upstream', true,  'failure', true),  // refused, reset, DNS: C1 (or the way to it) is down
  attemptTimedOut: row('UPSTREAM_TIMEOUT',         'upstream', true,  'failure', true),  // undici's connect/headers/body timeouts, the token request's own: C1 was silent
  circuitOpen:     row('UPSTREAM_UNAVAILABLE',     'upstream', false, 'neutral', true),  // the breaker's fail-fast: reached nothing; no retry helps before the cool-down
  deadline:        row('UPSTREAM_TIMEOUT',         'gateway',  false, 'neutral', true),  // the caller's deadline passed or it went away: no verdict on C1
  closed:          row('UPSTREAM_UNAVAILABLE',     'gateway',  false, 'neutral', true),  // the token source shut down: the gateway stopped, not C1
  offOrigin:       row('UPSTREAM_UNAVAILABLE',     'gateway',  false, 'neutral', false), // the origin pin refused to send: a gateway bug, nothing reached C1
  overloaded:      row('OVERLOADED',               'gateway',  true,  'neutral', true),  // the gateway's own queue is full: never reached C1
  callerBudget:    row('RATE_LIMITED',             'gateway',  true,  'neutral', true),  // the caller's own budget is spent: never reached C1
  badInput:        row('BAD_USER_INPUT',           'gateway',  false, 'neutral', false), // the caller's input: refused before any call
  unauthenticated: row('UNAUTHENTICATED',          'gateway',  false, 'neutral', false), // the caller brought no token: refused before any call
  configInvalid:   row('CONFIG_INVALID',           'gateway',  false, 'neutral', false), // start-up: nothing was called
} as const satisfies Record<string, Outcome>;

export type OutcomeKind = keyof typeof OUTCOMES;

/** Anything thrown that is not a GatewayError: a bug somewhere below, so the breaker counts it. */
const UNTYPED: Omit<Outcome, 'code' | 'origin'> = { retryable: false, countsAgainstBreaker: 'failure', staleServable: false };

/** For errors made without a row (by status if they carry one, else by code). */
const BY_CODE: Record<ErrorCode, OutcomeKind> = {
  UPSTREAM_UNAUTHENTICATED: 'rejected',
  UPSTREAM_FORBIDDEN: 'forbidden',
  UPSTREAM_RATE_LIMITED: 'throttled',
  UPSTREAM_UNAVAILABLE: 'serverFailed',
  UPSTREAM_TIMEOUT: 'attemptTimedOut',
  UPSTREAM_BAD_RESPONSE: 'unexpected',
  OVERLOADED: 'overloaded',
  RATE_LIMITED: 'callerBudget',
  BAD_USER_INPUT: 'badInput',
  UNAUTHENTICATED: 'unauthenticated',
  CONFIG_INVALID: 'configInvalid',
};

/**
 * The row for a non-2xx status (404 is the API's "no such client", handled before). The token
 * endpoint speaks OAuth2, where rejected client credentials come back as 400 (RFC 6749 §5.2).
 */
export function classifyStatus(status: number, endpoint: 'api' | 'token' = 'api'): OutcomeKind {
  if (status === 401 || (status === 400 && endpoint === 'token')) return 'rejected';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'throttled';
  if (status === 502 || status === 503 || status === 504) return 'proxyFailed';
  if (status >= 500) return 'serverFailed';
  return 'unexpected';
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The row for what a request threw (undici error, socket error, abort): an abort of the caller's
 * `signal` is the caller's doing, whatever undici reported; undici's own timeouts are C1's.
 */
export function classifyThrown(error: unknown, signal?: AbortSignal): OutcomeKind {
  if (signal?.aborted) return 'deadline';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'attemptTimedOut' : 'unreachable';
}

/** What a thrown `error` means: its row, or the row its status or code implies. */
export function outcomeOf(error: unknown): Omit<Outcome, 'code' | 'origin'> {
  if (!isGatewayError(error)) return UNTYPED;
  const kind = error.outcome !== undefined && error.outcome in OUTCOMES ? (error.outcome as OutcomeKind) : undefined;
  return OUTCOMES[kind ?? (error.status === undefined ? BY_CODE[error.code] : classifyStatus(error.status))];
}

export interface OutcomeErrorOptions {
  cause?: unknown;
  status?: number;
  retryAfterMs?: number | undefined;
}

/** A GatewayError whose code, origin and retryability are its row's. */
export function outcomeError(kind: OutcomeKind, message: string, options: OutcomeErrorOptions = {}): GatewayError {
  const { code, origin, retryable } = OUTCOMES[kind];
  const { retryAfterMs, ...rest } = options;
  return new GatewayError(code, message, { ...rest, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), origin, retryable, outcome: kind });
}
