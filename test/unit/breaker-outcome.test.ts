import { errors } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { abortable } from '../../src/kernel/abortable.js';
import { closedError, createStaticTokenSource } from '../../src/auth/static-token-source.js';
import type { TokenSource } from '../../src/kernel/token-source.js';
import { GatewayError } from '../../src/kernel/errors.js';
import { deadlineError } from '../../src/resilience/deadline.js';
import { CircuitBreaker, classifyOutcome } from '../../src/resilience/circuit-breaker.js';
import { createDispatcher } from '../../src/upstream/dispatcher.js';
import { toUpstreamError } from '../../src/resilience/network-error.js';
import { createPersonalClientsApi } from '../../src/upstream/personal-clients-api.js';
import { errorForStatus } from '../../src/resilience/status.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { BREAKER_BOUNDS } from '../helpers/bounds.js';

const socketError = (code: string) => Object.assign(new Error(`socket: ${code}`), { code });
const abortedSignal = () => AbortSignal.abort(new DOMException('The request deadline passed', 'TimeoutError'));

describe('which failures count against C1', () => {
  it.each([
    ['HTTP 500', errorForStatus(500, undefined, 0)],
    ['HTTP 502', errorForStatus(502, undefined, 0)],
    ['HTTP 503', errorForStatus(503, undefined, 0)],
    ['HTTP 504', errorForStatus(504, undefined, 0)],
    ['a refused connection', toUpstreamError(socketError('ECONNREFUSED'))],
    ['a reset connection', toUpstreamError(socketError('ECONNRESET'))],
    ["undici's connect timeout", toUpstreamError(new errors.ConnectTimeoutError())],
    ["undici's headers timeout", toUpstreamError(new errors.HeadersTimeoutError())],
    ["undici's body timeout", toUpstreamError(new errors.BodyTimeoutError())],
  ])('%s is a failure of C1', (_name, error) => {
    expect(error.origin).toBe('upstream');
    expect(classifyOutcome(error)).toBe('failure');
  });

  it.each([
    ['an attempt aborted by the caller', toUpstreamError(new DOMException('aborted', 'AbortError'), abortedSignal())],
    ['the deadline passing while queued or waiting for a shared fetch', deadlineError()],
    ['the token source shutting down', closedError()],
    ['a full gateway queue', new GatewayError('OVERLOADED', 'queue full', { retryable: true })],
    ['HTTP 429', errorForStatus(429, '1', 0)],
  ])('%s is neutral', (_name, error) => {
    expect(classifyOutcome(error)).toBe('neutral');
  });

  it.each([
    ['HTTP 400', errorForStatus(400, undefined, 0)],
    ['HTTP 403', errorForStatus(403, undefined, 0)],
    ['no error', undefined],
  ])('%s proves C1 works', (_name, error) => {
    expect(classifyOutcome(error)).toBe('success');
  });

  it('a deadline abort stays UPSTREAM_TIMEOUT for the caller, even when it hid an undici error', () => {
    const error = toUpstreamError(new errors.HeadersTimeoutError(), abortedSignal());
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', origin: 'gateway', retryable: false });
  });

  it('a breaker that opens on 1 failure stays closed through 100 gateway-side timeouts', async () => {
    const breaker = new CircuitBreaker({ ...BREAKER_BOUNDS, consecutiveFailures: 1, minRequests: 1 });
    for (let i = 0; i < 100; i++) await breaker.run(() => Promise.reject(deadlineError())).catch(() => undefined);
    expect(breaker.state).toBe('closed');
    await breaker.run(() => Promise.reject(toUpstreamError(new errors.HeadersTimeoutError()))).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });
});

describe('the personal-clients API under its breaker', () => {
  let c1: FakeUpstream | undefined;
  const dispatcher = createDispatcher({ connectTimeoutMs: 3_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 });
  afterEach(async () => {
    await c1?.close();
    c1 = undefined;
  });
  afterAll(() => dispatcher.close());

  function apiFor(origin: string) {
    const breaker = new CircuitBreaker({ ...BREAKER_BOUNDS, consecutiveFailures: 1, minRequests: 1 });
    return { breaker, api: createPersonalClientsApi({ baseUrl: origin, dispatcher, maxBodyBytes: 1_048_576, policy: breaker.policy }) };
  }

  it('an attempt in flight when the caller gives up leaves the breaker closed', async () => {
    c1 = await startFakeUpstream(() => new Promise(() => undefined));
    const { api, breaker } = apiFor(c1.origin);
    const caller = new AbortController();
    const call = api.get('pc-1', { tokens: createStaticTokenSource('tok'), signal: caller.signal });
    await c1.waitForRequests(1);
    caller.abort(new DOMException('The request deadline passed', 'TimeoutError'));
    await expect(call).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT', origin: 'gateway' });
    expect(breaker.state).toBe('closed');
  });

  it('a caller that gives up while waiting for a token sends nothing and leaves the breaker closed', async () => {
    c1 = await startFakeUpstream(() => ({ body: { client: { id: 'pc-1' } } }));
    const { api, breaker } = apiFor(c1.origin);
    const caller = new AbortController();
    const tokens: TokenSource = { ...createStaticTokenSource('tok'), getToken: (signal) => abortable(new Promise<string>(() => undefined), signal) };
    const call = api.get('pc-1', { tokens, signal: caller.signal });
    caller.abort(new DOMException('The request deadline passed', 'TimeoutError'));
    await expect(call).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT', origin: 'gateway' });
    expect(c1.requests).toHaveLength(0);
    expect(breaker.state).toBe('closed');
  });

  it('a 503 answer opens the breaker', async () => {
    c1 = await startFakeUpstream(() => ({ status: 503, body: {} }));
    const { api, breaker } = apiFor(c1.origin);
    await expect(api.get('pc-1', { tokens: createStaticTokenSource('tok') })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(breaker.state).toBe('open');
  });

  it('a refused connection opens the breaker', async () => {
    c1 = await startFakeUpstream(() => ({ body: {} }));
    const { origin } = c1;
    await c1.close();
    c1 = undefined;
    const { api, breaker } = apiFor(origin);
    await expect(api.get('pc-1', { tokens: createStaticTokenSource('tok') })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', origin: 'upstream' });
    expect(breaker.state).toBe('open');
  });
});
