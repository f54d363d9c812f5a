import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../bench/soak/fault-proxy.js';
import { seededRandom } from '../../bench/soak/random.js';
import { classify } from '../../bench/soak/responses.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/** A small, seeded version of `npm run soak`, in-process: cheap enough for every test run. */
const REQUESTS = 600;
const CONCURRENCY = 16;

describe('mini soak: random upstream faults', () => {
  let sandbox: Sandbox;
  let proxy: FaultProxy;
  let gw: TestGateway;
  beforeAll(async () => {
    sandbox = createSandbox({ tokenTtlSeconds: 30 });
    await sandbox.listen(0);
    proxy = await startFaultProxy({ target: sandbox.url, faultRate: 0.2, random: seededRandom(42), slowMs: 1_500 });
    gw = await startGateway({
      sandbox,
      env: {
        C1_API_URL: proxy.url,
        REQUEST_DEADLINE_MS: '2000',
        UPSTREAM_HEADERS_TIMEOUT_MS: '500',
        UPSTREAM_BODY_TIMEOUT_MS: '500',
        UPSTREAM_RETRY_BASE_MS: '5',
        UPSTREAM_RETRY_MAX_MS: '20',
        CACHE_TTL_MS: '0',
        // One caller, every request upstream: the soak is about faults, not the per-caller budget.
        CALLER_UPSTREAM_RATE: '1000000000',
        CALLER_UPSTREAM_BURST: '1000000000',
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await proxy.close();
    await sandbox.close();
  });

  it('answers every one of 600 requests with data or typed errors while 20 % of C1 answers are faults', { timeout: 120_000 }, async () => {
    const ids = sandbox.clients.map((c) => c.id as string);
    const verdicts = { data: 0, 'typed-error': 0, untyped: 0 };
    const untyped: string[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < REQUESTS) {
        const n = sent++;
        const id = ids[n % ids.length];
        const response = await gw.fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `{ personalClient(id: "${id}") { id } }` }),
        });
        const result = classify(response.status, await response.text());
        verdicts[result.verdict]++;
        if (result.verdict === 'untyped') untyped.push(result.codes.join(','));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(untyped).toEqual([]);
    expect(verdicts.data + verdicts['typed-error']).toBe(REQUESTS);
    // The faults really happened (the breaker may have spared C1 some requests, not the ratio).
    const faults = Object.values(proxy.counts.faults).reduce((a, b) => a + b, 0);
    expect(faults / (faults + proxy.counts.forwarded)).toBeGreaterThan(0.1);
    expect((await gw.fetch('/health')).status).toBe(200);
  });
});
