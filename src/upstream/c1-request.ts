import type { Dispatcher } from 'undici';
import type { TokenSource } from '../kernel/token-source.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import { isGatewayError } from '../kernel/errors.js';
import { endWith, noopTracer, type TraceRef, type Tracer } from '../kernel/tracer.js';
import { runOnce, type AttemptPolicy } from '../resilience/attempt-policy.js';
import { toUpstreamError } from '../resilience/network-error.js';
import { headerValue, readJsonBody } from '../resilience/read-body.js';
import { errorForStatus } from '../resilience/status.js';

/** What one upstream call needs from the GraphQL request that caused it. */
export interface UpstreamCall {
  tokens: TokenSource;
  /** Aborts when the GraphQL request's deadline passes. */
  signal?: AbortSignal;
  requestId?: string;
  /** Milliseconds left before that deadline, so a retry never waits past it. */
  remainingMs?: () => number;
  /** The span this call's attempts are children of; absent when tracing is off. */
  trace?: TraceRef | undefined;
}

export interface C1RequestOptions {
  /** Origin (and optional path prefix) of the C1 API, e.g. `https://acme.conductor.one`. */
  baseUrl: string;
  dispatcher: Dispatcher;
  /** Largest response body, in bytes; larger ones are refused as UPSTREAM_BAD_RESPONSE (UPSTREAM_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  policy?: AttemptPolicy;
  clock?: Clock;
  /**
   * Called once per HTTP attempt with its status (0 for network failures), its duration and the
   * operation's route template (never the concrete path: ids would make unbounded metric labels).
   */
  onAttempt?: (status: number, durationMs: number, route: string) => void;
  /** One span per HTTP attempt, whose context each request carries to C1. @default noopTracer */
  tracer?: Tracer;
  /** The C1 breaker's state, for attempt spans. */
  breakerState?: () => string;
}

/** One C1 read: where it goes and how its answer is read. */
export interface C1Operation<T> {
  method: 'GET' | 'POST';
  /** Below the API prefix, already percent-encoded, query string included. */
  path: string;
  /** The route template reported to `onAttempt`, e.g. `/api/v1/iam/personal_clients/{id}`. */
  route: string;
  /** A JSON request body, serialised once for every attempt. */
  body?: string;
  /** The answer to a 404, where it means "no such thing"; without it a 404 is unexpected. */
  notFound?: () => T;
  /** Reads a 200's parsed JSON body; throws the `unexpected` outcome for a shape C1 should not send. */
  decode: (body: unknown) => T;
}

/** Sends one operation through the policy (retries, breaker), with one fresh-token retry after a 401. */
export type C1Send = <T>(operation: C1Operation<T>, call: UpstreamCall) => Promise<T>;

/**
 * The one path every C1 API read takes: bearer, policy, deadline, typed errors. Every read is
 * idempotent (Search is a POST only because its filter is a body), so the policy may retry each.
 */
export function createC1Send(options: C1RequestOptions): C1Send {
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const policy: AttemptPolicy = options.policy ?? runOnce;

  const tracer = options.tracer ?? noopTracer;
  const breakerState = options.breakerState ?? (() => 'closed');

  async function attemptOnce<T>(op: C1Operation<T>, token: string, call: UpstreamCall, retry: number): Promise<T> {
    const span = call.trace?.sampled === true ? attemptSpan(op, call.trace, retry) : undefined;
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': 'c1-gateway',
    };
    if (op.body !== undefined) headers['content-type'] = 'application/json';
    if (call.requestId !== undefined) headers['x-request-id'] = call.requestId;
    // The attempt's own span is C1's parent; an unsampled trace still carries its id (flag 00).
    tracer.inject(span?.ref ?? call.trace, headers);
    const started = clock();
    let status = 0;
    try {
      const response = await options.dispatcher.request({
        origin,
        path: `${prefix}${op.path}`,
        method: op.method,
        headers,
        body: op.body ?? null,
        signal: call.signal ?? null,
      });
      status = response.statusCode;
      if (status === 404 && op.notFound !== undefined) {
        await response.body.dump();
        return op.notFound();
      }
      if (status !== 200) {
        await response.body.dump();
        throw errorForStatus(status, headerValue(response.headers['retry-after']), clock());
      }
      const value = op.decode(await readJsonBody(response, options.maxBodyBytes));
      span?.set({ 'http.response.status_code': status });
      span?.end();
      return value;
    } catch (error) {
      const typed = toUpstreamError(error, call.signal);
      span?.set({ 'http.response.status_code': status || undefined, 'c1_gateway.retry_after_ms': typed.retryAfterMs });
      endWith(span, typed);
      throw typed;
    } finally {
      options.onAttempt?.(status, clock() - started, op.route);
    }
  }

  /** Operator attributes of one attempt: the route template, never the concrete path (ids). */
  const attemptSpan = (op: C1Operation<unknown>, trace: TraceRef, retry: number) =>
    tracer.start(`${op.method} ${op.route}`, trace, {
      kind: 'client',
      attributes: { 'http.request.method': op.method, 'url.template': op.route, 'http.request.resend_count': retry, 'c1_gateway.breaker.state': breakerState() },
    });

  /** The policy's run of one operation; a breaker that refuses before any attempt gets a span too. */
  async function run<T>(op: C1Operation<T>, token: string, call: UpstreamCall, first: number): Promise<T> {
    let retry = first;
    try {
      return await policy(() => attemptOnce(op, token, call, retry++), call.signal, call);
    } catch (error) {
      if (retry === first && call.trace?.sampled === true) endWith(attemptSpan(op, call.trace, retry), error);
      throw error;
    }
  }

  return async (op, call) => {
    const token = await tokenFor(call);
    try {
      return await run(op, token, call, 0);
    } catch (error) {
      if (!isGatewayError(error) || error.status !== 401) throw error;
      // The token may have been revoked or expired early: one fresh token, one more try.
      call.tokens.invalidate(token);
      const fresh = await tokenFor(call);
      return run(op, fresh, call, 1);
    }
  };
}

/** A waiter whose deadline passes gets a typed UPSTREAM_TIMEOUT, not the signal's bare DOMException. */
function tokenFor(call: UpstreamCall): Promise<string> {
  return call.tokens.getToken(call.signal, call.trace).catch((error: unknown) => {
    throw toUpstreamError(error, call.signal);
  });
}
