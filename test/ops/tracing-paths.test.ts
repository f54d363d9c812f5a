import { describe, expect, it } from 'vitest';
import { noopObserver } from '../../src/kernel/observer.js';
import { SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { FAILING_ID, startBehindFailingUpstream } from '../helpers/failing-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { exportingTo, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { redisAvailable, startRedisServer } from '../helpers/redis-server.js';
import { closeAfterEach } from '../helpers/closers.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE}-00f067aa0ba902b7-01`;
const byId = (id: string) => `query ById { personalClient(id: "${id}") { id } }`;

const closers = closeAfterEach();

async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  closers.push(() => r.close());
  return r;
}


/** Closing flushes the exporter; a test closes early to read the spans, the cleanup then does nothing. */
function closeOnce(gw: TestGateway): TestGateway {
  const close = gw.close.bind(gw);
  let closing: Promise<void> | undefined;
  gw.close = () => (closing ??= close());
  return gw;
}

function named(spans: ReceivedSpan[], name: string): ReceivedSpan[] {
  return spans.filter((s) => s.traceId === TRACE && s.name === name);
}

describe('tracing the C1 attempts', () => {
  it('gives each retry its own span, numbered, with the status and the error code', async () => {
    const r = await receiver();
    const waits: number[] = [];
    const { gw } = await startBehindFailingUpstream(closers, {
      env: { ...exportingTo(r), UPSTREAM_RETRIES: '2' },
      deps: { sleep: async (ms) => void waits.push(ms) },
    });
    closeOnce(gw);

    const body = await gw.query(byId(FAILING_ID), {}, { traceparent: TRACEPARENT });
    await gw.close();

    expect(body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const attempts = named(r.spans, 'GET /api/v1/iam/personal_clients/{id}');
    expect(attempts.map((s) => [s.attributes['http.request.resend_count'], s.attributes['http.response.status_code'], s.attributes['error.type']])).toEqual([
      [0, 503, 'UPSTREAM_UNAVAILABLE'],
      [1, 503, 'UPSTREAM_UNAVAILABLE'],
      [2, 503, 'UPSTREAM_UNAVAILABLE'],
    ]);
    const [batch] = named(r.spans, 'loader.batch');
    expect(new Set(attempts.map((s) => s.parentSpanId))).toEqual(new Set([batch?.spanId]));
    expect(named(r.spans, 'query ById')[0]?.attributes).toMatchObject({ 'c1_gateway.outcome': 'error', 'c1_gateway.error_codes': ['UPSTREAM_UNAVAILABLE'] });
  });
});

describe.skipIf(!redisAvailable())('tracing the shared tier', () => {
  it('records the Redis lookup and the herd-lock wait under the batch', async () => {
    const redis = await startRedisServer();
    closers.push(() => redis.close());
    const r = await receiver();
    let up: () => void = () => undefined;
    const connected = new Promise<void>((resolve) => (up = resolve));
    const observer = { ...noopObserver, l2Connection: (state: 'up' | 'down') => state === 'up' && up() };
    const gw = closeOnce(await startGateway({ env: { ...exportingTo(r), REDIS_URL: redis.url }, deps: { observer } }));
    closers.push(() => gw.close());
    await connected;

    await gw.query(byId(SAMPLE_CLIENT_ID), {}, { traceparent: TRACEPARENT });
    await gw.close();

    const [batch] = named(r.spans, 'loader.batch');
    const redisLookup = named(r.spans, 'cache.lookup').find((s) => s.attributes['c1_gateway.cache.tier'] === 'redis');
    expect(redisLookup).toMatchObject({ parentSpanId: batch?.spanId, attributes: { 'c1_gateway.cache.outcome': 'miss', 'c1_gateway.cache.misses': 1 } });
    expect(named(r.spans, 'cache.herd_lock.wait')).toMatchObject([{ parentSpanId: batch?.spanId, attributes: { 'c1_gateway.herd_lock.outcome': 'acquired' } }]);
  });
});
