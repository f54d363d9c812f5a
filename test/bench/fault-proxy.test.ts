import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../bench/soak/fault-proxy.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

// The soak's stand-in for a loaded C1: what it refuses, and what it counts as in flight.
describe('fault proxy pushback', () => {
  let upstream: FakeUpstream | undefined;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  it('answers 429 with Retry-After 0 to API calls above the bound in flight, and counts the peak C1 saw', async () => {
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    upstream = await startFakeUpstream(
      async () => {
        await held;
        return { body: { client: null } };
      },
      { token: () => ({ body: { access_token: 't', token_type: 'Bearer' } }) },
    );
    // No random faults: every answer is either forwarded or pushed back.
    proxy = await startFaultProxy({ target: upstream.origin, faultRate: 0, random: () => 0.5, slowMs: 0, pushbackAbove: 2 });
    const get = (id: string) => fetch(`${proxy?.url}/api/v1/iam/personal_clients/${id}`);

    const first = [get('a'), get('b')];
    await upstream.waitForRequests(2);
    const refused = [];
    for (const id of ['c', 'd', 'e']) refused.push(await get(id));
    const token = await fetch(`${proxy.url}/auth/v1/token`, { method: 'POST', body: 'grant_type=client_credentials' });
    release();
    const answered = await Promise.all(first);
    const after = await get('f');

    expect(refused.map((r) => [r.status, r.headers.get('retry-after')])).toEqual([
      [429, '0'],
      [429, '0'],
      [429, '0'],
    ]);
    expect([token.status, ...answered.map((r) => r.status), after.status]).toEqual([200, 200, 200, 200]);
    expect(upstream.apiRequests).toBe(3);
    expect(proxy.counts).toMatchObject({ pushback: 3, forwarded: 4 });
    // Token POSTs are not API calls: neither refused nor counted in flight.
    expect(proxy.inFlight.peak).toBe(3);
  });
});
