import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/kernel/errors.js';
import { Breakers } from '../../src/resilience/breakers.js';
import { BREAKER_BOUNDS } from '../helpers/bounds.js';

const unavailable = () => new GatewayError('UPSTREAM_UNAVAILABLE', 'C1 is unavailable (HTTP 503)', { status: 503, retryable: true });

describe('breakers per origin', () => {
  it('shares one breaker across URLs on an origin and reports it under the name its callers gave', async () => {
    const reports: [string, string, string][] = [];
    const breakers = new Breakers({ ...BREAKER_BOUNDS, consecutiveFailures: 1, onStateChange: (upstream, state, origin) => reports.push([upstream, state, origin]) });
    const api = breakers.for('https://acme.conductor.one/api/v1/iam/personal_clients/x', 'c1');
    expect(breakers.for('https://acme.conductor.one/auth/v1/token', 'c1')).toBe(api);

    await api.run(() => Promise.reject(unavailable())).catch(() => undefined);
    expect(reports).toContainEqual(['c1', 'open', 'https://acme.conductor.one']);
    expect(breakers.anyRejecting()).toBe(true);
  });

  it('refuses a second name for one origin, which would split its reports', () => {
    const breakers = new Breakers(BREAKER_BOUNDS);
    breakers.for('https://acme.conductor.one/api', 'c1');
    expect(() => breakers.for('https://acme.conductor.one/auth/v1/token', 'token')).toThrow(/named both/);
  });
});
