import { afterEach, describe, expect, it } from 'vitest';
import { faults, grantTokens, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('bounded upstream queue', () => {
  let c1: FakeUpstream;
  let gw: TestGateway;
  afterEach(async () => {
    await gw.close();
    await c1.close();
  });

  it('beyond 1 in flight + 2 queued, further ids fail fast with OVERLOADED and never reach C1', async () => {
    c1 = await startFakeUpstream(() => faults.slowHeaders(100, faults.json({ client: { displayName: 'x' } })), { token: grantTokens });
    gw = await startGateway({
      env: { C1_API_URL: c1.origin, UPSTREAM_MAX_IN_FLIGHT: '1', UPSTREAM_MAX_QUEUE: '2', CACHE_TTL_MS: '0' },
    });
    const fields = Array.from({ length: 5 }, (_, i) => `a${i}: personalClient(id: "pc-${i}") { displayName }`);
    const body = await gw.query<Record<string, { displayName: string } | null>>(`{ ${fields.join(' ')} }`);
    const codes = Array.from({ length: 5 }, (_, i) => body.errors?.find((e) => e.path?.[0] === `a${i}`)?.extensions?.code);
    expect(codes).toEqual([undefined, undefined, undefined, 'OVERLOADED', 'OVERLOADED']);
    expect([0, 1, 2].map((i) => body.data?.[`a${i}`]?.displayName)).toEqual(['x', 'x', 'x']);
    expect(c1.apiRequests).toBe(3);
  });
});
