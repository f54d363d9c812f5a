import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { GatewayError, type ErrorCode } from '../../src/kernel/errors.js';
import { classifyOutcome } from '../../src/resilience/circuit-breaker.js';
import { toUpstreamError } from '../../src/resilience/network-error.js';
import { classifyStatus, classifyThrown, OUTCOMES, outcomeError, outcomeOf, type OutcomeKind } from '../../src/resilience/outcome.js';
import { createRetryPolicy } from '../../src/resilience/retry-policy.js';
import { errorForStatus } from '../../src/resilience/status.js';
import { RETRY_BOUNDS } from '../helpers/bounds.js';

// The table as the README states it; a change to a row must change this line too.
const ROWS: [OutcomeKind, ErrorCode, 'upstream' | 'gateway', boolean, 'success' | 'failure' | 'neutral', boolean][] = [
  ['rejected', 'UPSTREAM_UNAUTHENTICATED', 'upstream', false, 'success', false],
  ['forbidden', 'UPSTREAM_FORBIDDEN', 'upstream', false, 'success', false],
  ['throttled', 'UPSTREAM_RATE_LIMITED', 'upstream', true, 'neutral', true],
  ['proxyFailed', 'UPSTREAM_UNAVAILABLE', 'upstream', true, 'failure', true],
  ['serverFailed', 'UPSTREAM_UNAVAILABLE', 'upstream', false, 'failure', true],
  ['unexpected', 'UPSTREAM_BAD_RESPONSE', 'upstream', false, 'success', false],
  ['unreachable', 'UPSTREAM_UNAVAILABLE', 'upstream', true, 'failure', true],
  ['attemptTimedOut', 'UPSTREAM_TIMEOUT', 'upstream', true, 'failure', true],
  ['circuitOpen', 'UPSTREAM_UNAVAILABLE', 'upstream', false, 'neutral', true],
  ['deadline', 'UPSTREAM_TIMEOUT', 'gateway', false, 'neutral', true],
  ['closed', 'UPSTREAM_UNAVAILABLE', 'gateway', false, 'neutral', true],
  ['offOrigin', 'UPSTREAM_UNAVAILABLE', 'gateway', false, 'neutral', false],
  ['overloaded', 'OVERLOADED', 'gateway', true, 'neutral', true],
  ['callerBudget', 'RATE_LIMITED', 'gateway', true, 'neutral', true],
  ['badInput', 'BAD_USER_INPUT', 'gateway', false, 'neutral', false],
  ['unauthenticated', 'UNAUTHENTICATED', 'gateway', false, 'neutral', false],
  ['configInvalid', 'CONFIG_INVALID', 'gateway', false, 'neutral', false],
];

/** How many times a retry policy (2 retries, no waiting) runs an attempt that always throws `error`. */
async function attemptsFor(error: unknown): Promise<number> {
  let attempts = 0;
  const policy = createRetryPolicy({ ...RETRY_BOUNDS, retries: 2, sleep: async () => undefined });
  await policy(async () => {
    attempts++;
    throw error;
  }, undefined).catch(() => undefined);
  return attempts;
}

describe('the upstream outcome table', () => {
  it('has exactly the rows the README lists, and every error code has one', () => {
    expect(Object.keys(OUTCOMES).sort()).toEqual(ROWS.map(([kind]) => kind).sort());
    const codes: ErrorCode[] = ['BAD_USER_INPUT', 'UNAUTHENTICATED', 'UPSTREAM_UNAUTHENTICATED', 'UPSTREAM_FORBIDDEN', 'UPSTREAM_RATE_LIMITED', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_BAD_RESPONSE', 'OVERLOADED', 'RATE_LIMITED', 'CONFIG_INVALID'];
    expect(new Set(ROWS.map(([, code]) => code))).toEqual(new Set(codes));
  });

  it.each(ROWS)('%s: %s from %s, retryable %s, %s for the breaker, stale-servable %s', async (kind, code, origin, retryable, breaker, stale) => {
    expect(OUTCOMES[kind]).toEqual({ code, origin, retryable, countsAgainstBreaker: breaker, staleServable: stale });
    const error = outcomeError(kind, 'what happened');
    expect(error).toMatchObject({ code, origin, retryable, outcome: kind });
    // Every reader takes the row's word: the retry policy, the breaker, stale-if-error.
    expect(await attemptsFor(error)).toBe(retryable ? 3 : 1);
    expect(classifyOutcome(error)).toBe(breaker);
    expect(outcomeOf(error).staleServable).toBe(stale);
  });
});

describe('what an upstream answer or failure is', () => {
  it.each([
    [401, 'rejected', 'rejected'],
    [400, 'unexpected', 'rejected'],
    [403, 'forbidden', 'forbidden'],
    [429, 'throttled', 'throttled'],
    [500, 'serverFailed', 'serverFailed'],
    [501, 'serverFailed', 'serverFailed'],
    [502, 'proxyFailed', 'proxyFailed'],
    [503, 'proxyFailed', 'proxyFailed'],
    [504, 'proxyFailed', 'proxyFailed'],
    [302, 'unexpected', 'unexpected'],
    [409, 'unexpected', 'unexpected'],
  ])('HTTP %i is %s from the API and %s from the token endpoint', (status, api, token) => {
    expect(classifyStatus(status, 'api')).toBe(api);
    expect(classifyStatus(status, 'token')).toBe(token);
    expect(errorForStatus(status, undefined, 0).outcome).toBe(api);
  });

  it('keeps the Retry-After of an API answer', () => {
    expect(errorForStatus(429, '7', 0)).toMatchObject({ outcome: 'throttled', retryAfterMs: 7_000 });
  });

  const socketError = (code: string) => Object.assign(new Error(`socket: ${code}`), { code });
  it.each([
    ['a refused connection', socketError('ECONNREFUSED'), 'unreachable'],
    ['a reset connection', socketError('ECONNRESET'), 'unreachable'],
    ['an error with no code', new Error('boom'), 'unreachable'],
    ["undici's connect timeout", new errors.ConnectTimeoutError(), 'attemptTimedOut'],
    ["undici's headers timeout", new errors.HeadersTimeoutError(), 'attemptTimedOut'],
    ["undici's body timeout", new errors.BodyTimeoutError(), 'attemptTimedOut'],
  ])('%s is %s', (_name, thrown, kind) => {
    expect(classifyThrown(thrown)).toBe(kind);
    expect(toUpstreamError(thrown).outcome).toBe(kind);
  });

  it("anything thrown after the caller's signal aborted is the deadline, whatever undici said", () => {
    const signal = AbortSignal.abort();
    expect(classifyThrown(new errors.HeadersTimeoutError(), signal)).toBe('deadline');
    expect(toUpstreamError(socketError('ECONNRESET'), signal).outcome).toBe('deadline');
  });
});

describe('errors made without a row', () => {
  it('are read by their status when they carry one', () => {
    expect(outcomeOf(new GatewayError('UPSTREAM_UNAVAILABLE', 'x', { status: 500, retryable: true })).retryable).toBe(false);
    expect(outcomeOf(new GatewayError('UPSTREAM_UNAVAILABLE', 'x', { status: 503 })).retryable).toBe(true);
  });

  it('are read by their code otherwise', () => {
    expect(outcomeOf(new GatewayError('OVERLOADED', 'queue full'))).toBe(OUTCOMES.overloaded);
    expect(outcomeOf(new GatewayError('UPSTREAM_BAD_RESPONSE', 'bad shape'))).toBe(OUTCOMES.unexpected);
  });

  it('that are not GatewayErrors count against the breaker and are neither retried nor served stale', async () => {
    const bug = new TypeError('undefined is not a function');
    expect(outcomeOf(bug)).toEqual({ retryable: false, countsAgainstBreaker: 'failure', staleServable: false });
    expect(classifyOutcome(bug)).toBe('failure');
    expect(await attemptsFor(bug)).toBe(1);
  });

  it('no error proves C1 works', () => {
    expect(classifyOutcome(undefined)).toBe('success');
  });
});
