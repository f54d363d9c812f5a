import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/kernel/errors.js';
import { backoffMs, createRetryPolicy, type RetryPolicyOptions, type Sleep } from '../../src/resilience/retry-policy.js';
import { RETRY_BOUNDS } from '../helpers/bounds.js';

const status = (code: number, retryAfterMs?: number) =>
  new GatewayError(code === 429 ? 'UPSTREAM_RATE_LIMITED' : 'UPSTREAM_UNAVAILABLE', `HTTP ${code}`, {
    status: code,
    retryable: code !== 500,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

function harness(errors: GatewayError[], options: Partial<RetryPolicyOptions> = {}) {
  const waits: number[] = [];
  const sleep: Sleep = async (ms) => void waits.push(ms);
  let attempts = 0;
  const policy = createRetryPolicy({ retries: 2, baseMs: 100, maxMs: 2_000, random: () => 0.5, sleep, ...options });
  const attempt = async () => {
    const error = errors[attempts++];
    if (error) throw error;
    return 'data';
  };
  return { policy, attempt, waits, attempts: () => attempts };
}

describe('retry policy', () => {
  it('grows the backoff ceiling exponentially up to the cap, with full jitter below it', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((retry) => backoffMs(retry, 100, 1_000, () => 0.9999));
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffMs(3, 100, 1_000, () => 0)).toBe(0);
  });

  it('retries 503 then succeeds: 2 attempts, one jittered wait', async () => {
    const h = harness([status(503)]);
    expect(await h.policy(h.attempt, undefined)).toBe('data');
    expect(h.attempts()).toBe(2);
    expect(h.waits).toEqual([50]);
  });

  it('gives up after the configured retries with the last error', async () => {
    const h = harness([status(502), status(503), status(504), status(503)]);
    await expect(h.policy(h.attempt, undefined)).rejects.toMatchObject({ status: 504 });
    expect(h.attempts()).toBe(3);
    expect(h.waits).toEqual([50, 100]);
  });

  it('does not retry a 500, a bad response or a non-gateway error', async () => {
    for (const error of [status(500), new GatewayError('UPSTREAM_BAD_RESPONSE', 'bad')]) {
      const h = harness([error]);
      await expect(h.policy(h.attempt, undefined)).rejects.toBe(error);
      expect(h.attempts()).toBe(1);
    }
  });

  it('waits exactly the Retry-After, however large, when the budget allows it', async () => {
    const h = harness([status(429, 7_000)]);
    expect(await h.policy(h.attempt, undefined, { remainingMs: () => 7_001 })).toBe('data');
    expect(h.waits).toEqual([7_000]);
  });

  it('fails at once with the typed error when the wait would reach the deadline', async () => {
    const h = harness([status(429, 7_000)]);
    await expect(h.policy(h.attempt, undefined, { remainingMs: () => 7_000 })).rejects.toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
    });
    expect(h.attempts()).toBe(1);
    expect(h.waits).toEqual([]);
  });

  it('stops when the caller aborts during the wait, with the upstream error', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const policy = createRetryPolicy({
      ...RETRY_BOUNDS,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('aborted')));
          controller.abort();
        }),
    });
    const attempt = async () => {
      attempts++;
      throw status(503);
    };
    await expect(policy(attempt, controller.signal)).rejects.toMatchObject({ status: 503 });
    expect(attempts).toBe(1);
  });
});
