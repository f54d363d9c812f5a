import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/kernel/errors.js';
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from '../../src/resilience/circuit-breaker.js';

const unavailable = () => new GatewayError('UPSTREAM_UNAVAILABLE', 'C1 is unavailable (HTTP 503)', { status: 503, retryable: true });
const rateLimited = () => new GatewayError('UPSTREAM_RATE_LIMITED', 'slow down', { status: 429, retryable: true });

function setup(options: Partial<CircuitBreakerOptions> = {}) {
  let now = 1_000_000;
  const states: BreakerState[] = [];
  let calls = 0;
  const breaker = new CircuitBreaker({
    windowMs: 10_000,
    minRequests: 10,
    failureRatio: 0.5,
    consecutiveFailures: 5,
    cooldownMs: 5_000,
    clock: () => now,
    onStateChange: (s) => states.push(s),
    ...options,
  });
  const call = (outcome: 'ok' | 'fail' | '429' = 'ok') =>
    breaker.run(async () => {
      calls++;
      if (outcome === 'fail') throw unavailable();
      if (outcome === '429') throw rateLimited();
      return 'data';
    });
  const settle = (p: Promise<unknown>) => p.then(() => 'ok', (e: GatewayError) => e.code);
  return { breaker, states, call, settle, calls: () => calls, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  it('opens after the configured consecutive failures; the next calls make no attempt', async () => {
    const { breaker, call, settle, calls, states } = setup();
    for (let i = 0; i < 4; i++) expect(await settle(call('fail'))).toBe('UPSTREAM_UNAVAILABLE');
    expect(breaker.state).toBe('closed');
    await settle(call('fail'));
    expect(breaker.state).toBe('open');
    expect(states).toEqual(['open']);
    expect(calls()).toBe(5);
    for (let i = 0; i < 10; i++) expect(await settle(call('ok'))).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls()).toBe(5);
  });

  it('a success in between resets the consecutive count', async () => {
    const { breaker, call, settle } = setup();
    for (let i = 0; i < 4; i++) await settle(call('fail'));
    await settle(call('ok'));
    for (let i = 0; i < 4; i++) await settle(call('fail'));
    expect(breaker.state).toBe('closed');
  });

  it('opens on the failure ratio once the window holds the minimum number of attempts', async () => {
    const { breaker, call, settle } = setup({ consecutiveFailures: 1_000 });
    // ok, fail, ok, fail …: never two failures in a row, ratio 4/9 then 5/10.
    for (let i = 0; i < 9; i++) await settle(call(i % 2 === 0 ? 'ok' : 'fail'));
    expect(breaker.state).toBe('closed');
    await settle(call('fail'));
    expect(breaker.state).toBe('open');
  });

  it('forgets attempts older than the window', async () => {
    const { breaker, call, settle, advance } = setup({ consecutiveFailures: 1_000 });
    for (let i = 0; i < 9; i++) await settle(call('fail'));
    advance(11_000);
    for (let i = 0; i < 9; i++) await settle(call('ok'));
    await settle(call('fail'));
    expect(breaker.state).toBe('closed'); // 1 failure in 10, not 10 in 19
  });

  it('after the cool-down lets exactly one probe through; its success closes the breaker', async () => {
    const { breaker, call, settle, calls, advance, states } = setup({ consecutiveFailures: 1 });
    await settle(call('fail'));
    advance(4_999);
    expect(await settle(call('ok'))).toBe('UPSTREAM_UNAVAILABLE');
    expect(breaker.isRejecting()).toBe(true);
    advance(1);
    expect(breaker.isRejecting()).toBe(false);

    let release = (): void => {};
    const probe = breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('probed'))));
    expect(breaker.state).toBe('half-open');
    // While the probe is out, everyone else still fails fast.
    expect(await settle(call('ok'))).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls()).toBe(1);
    release();
    expect(await probe).toBe('probed');
    expect(breaker.state).toBe('closed');
    expect(await settle(call('ok'))).toBe('ok');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed probe opens the breaker for another full cool-down', async () => {
    const { breaker, call, settle, calls, advance, states } = setup({ consecutiveFailures: 1 });
    await settle(call('fail'));
    advance(5_000);
    expect(await settle(call('fail'))).toBe('UPSTREAM_UNAVAILABLE');
    expect(breaker.state).toBe('open');
    advance(4_999);
    await settle(call('ok'));
    expect(calls()).toBe(2);
    advance(1);
    expect(await settle(call('ok'))).toBe('ok');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('429 neither opens nor closes it: the upstream is alive, only busy', async () => {
    const { breaker, call, settle, advance } = setup({ consecutiveFailures: 2 });
    await settle(call('fail'));
    for (let i = 0; i < 20; i++) await settle(call('429'));
    await settle(call('fail'));
    expect(breaker.state).toBe('open');
    advance(5_000);
    await settle(call('429'));
    expect(breaker.state).toBe('half-open');
    expect(await settle(call('ok'))).toBe('ok'); // the next call is the new probe
    expect(breaker.state).toBe('closed');
  });
});
