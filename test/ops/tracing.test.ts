import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger.js';
import { loadTracing } from '../../src/observability/tracing.js';
import { EXPIRED_CLIENT_ID, MISSING_CLIENT_ID, SAMPLE_CLIENT_ID, createSandbox } from '../../src/sandbox/index.js';
import { startGateway, type GatewayOptions, type TestGateway } from '../helpers/gateway.js';
import { exportingTo, startOtlpReceiver, TEST_SERVICE_NAME, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { closeAfterEach } from '../helpers/closers.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const TRACEPARENT_FORMAT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
const SERVER = 2; // OTLP SpanKind
const CLIENT = 3;

const byId = (id: string) => `query ById { personalClient(id: "${id}") { id displayName } }`;

describe('OpenTelemetry tracing', () => {
  const closers = closeAfterEach();

  async function receiver(): Promise<OtlpReceiver> {
    const r = await startOtlpReceiver();
    closers.push(() => r.close());
    return r;
  }

  async function gateway(env: Record<string, string>, options: Omit<GatewayOptions, 'env'> = {}): Promise<TestGateway> {
    const gw = await startGateway({ env, ...options });
    // Tests close it early to flush the exporter; the cleanup then has nothing left to do.
    const close = gw.close.bind(gw);
    let closing: Promise<void> | undefined;
    gw.close = () => (closing ??= close());
    closers.push(() => gw.close());
    return gw;
  }


  it("sends the caller's trace id to C1 with a new span id, on the token request and the GET", async () => {
    const r = await receiver();
    const gw = await gateway(exportingTo(r));

    const body = await gw.query(byId(SAMPLE_CLIENT_ID), {}, { traceparent: TRACEPARENT, tracestate: 'router=1' });

    expect(body.errors).toBeUndefined();
    const sent = gw.sandbox.requests.map((req) => ({ path: req.rawPath, traceparent: String(req.headers['traceparent']), tracestate: req.headers['tracestate'] }));
    expect(sent.map((s) => s.path)).toEqual(['/auth/v1/token', `/api/v1/iam/personal_clients/${SAMPLE_CLIENT_ID}`]);
    for (const s of sent) {
      const [, traceId, spanId] = TRACEPARENT_FORMAT.exec(s.traceparent) ?? [];
      expect(traceId).toBe(CALLER_TRACE);
      expect(spanId).not.toBe(CALLER_SPAN);
      expect(s.tracestate).toBe('router=1');
    }
  });

  it('exports the operation, batch, lookup, token and attempt spans with their parents intact', async () => {
    const r = await receiver();
    const gw = await gateway(exportingTo(r));

    await gw.query(byId(SAMPLE_CLIENT_ID), {}, { traceparent: TRACEPARENT });
    await gw.query(byId(SAMPLE_CLIENT_ID), {}, { traceparent: TRACEPARENT }); // now from the in-process tier
    await gw.close(); // flushes the exporter

    const spans = r.spans.filter((s) => s.traceId === CALLER_TRACE);
    const [first, second] = spans.filter((s) => s.kind === SERVER);
    expect(first).toMatchObject({
      name: 'query ById',
      parentSpanId: CALLER_SPAN,
      serviceName: TEST_SERVICE_NAME,
      attributes: { 'graphql.operation.name': 'ById', 'graphql.operation.type': 'query', 'c1_gateway.outcome': 'ok', 'http.response.status_code': 200 },
    });
    const batch = only(spans, (s) => s.name === 'loader.batch');
    expect(batch).toMatchObject({ parentSpanId: first!.spanId, attributes: { 'c1_gateway.batch.size': 1 } });
    expect(only(spans, (s) => s.name === 'cache.lookup' && s.parentSpanId === batch.spanId).attributes).toMatchObject({ 'c1_gateway.cache.tier': 'memory', 'c1_gateway.cache.outcome': 'miss' });
    expect(only(spans, (s) => s.name === 'c1.token.fetch').parentSpanId).toBe(batch.spanId);
    const attempt = only(spans, (s) => s.kind === CLIENT);
    expect(attempt).toMatchObject({
      name: 'GET /api/v1/iam/personal_clients/{id}',
      parentSpanId: batch.spanId,
      attributes: { 'url.template': '/api/v1/iam/personal_clients/{id}', 'http.response.status_code': 200, 'http.request.resend_count': 0, 'c1_gateway.breaker.state': 'closed' },
    });
    // The C1 GET named the attempt span as its parent.
    const get = gw.sandbox.requests.find((req) => req.rawPath.startsWith('/api/'));
    expect(String(get?.headers['traceparent'])).toBe(`00-${CALLER_TRACE}-${attempt.spanId}-01`);
    // The cached answer: one in-process lookup, a hit, under the second request.
    expect(only(spans, (s) => s.name === 'cache.lookup' && s.parentSpanId === second!.spanId).attributes).toMatchObject({ 'c1_gateway.cache.outcome': 'hit', 'c1_gateway.cache.hits': 1 });
    // Never an id or a token in an attribute.
    const text = JSON.stringify(r.spans);
    expect(text).not.toContain(SAMPLE_CLIENT_ID);
    expect(text).not.toMatch(/bearer|secret-token/i);
  });

  it('links each request that waited on the shared token fetch to it', async () => {
    const r = await receiver();
    const gw = await gateway(exportingTo(r));
    // Three ids, so no request joins another's GET: each needs the token itself.
    const ids = [SAMPLE_CLIENT_ID, MISSING_CLIENT_ID, EXPIRED_CLIENT_ID];
    const traceparents = ['a', 'b', 'c'].map((c) => `00-${c.repeat(32)}-${CALLER_SPAN}-01`);

    await Promise.all(traceparents.map((tp, i) => gw.query(byId(ids[i]!), {}, { traceparent: tp })));
    await gw.close();

    expect(gw.sandbox.stats.tokenRequests).toBe(1);
    const fetch = only(r.spans, (s) => s.name === 'c1.token.fetch');
    const waits = r.spans.filter((s) => s.name === 'c1.token.wait');
    expect(waits).toHaveLength(2);
    for (const wait of waits) {
      expect(wait.links).toEqual([{ traceId: fetch.traceId, spanId: fetch.spanId }]);
      expect(wait.traceId).not.toBe(fetch.traceId);
    }
  });

  it('serves a request with a malformed traceparent, in a new trace', async () => {
    const r = await receiver();
    const gw = await gateway(exportingTo(r));

    const body = await gw.query(byId(MISSING_CLIENT_ID), {}, { traceparent: `00-${'0'.repeat(32)}-zz-01` });

    expect(body).toEqual({ data: { personalClient: null } });
    const get = gw.sandbox.requests.find((req) => req.rawPath.startsWith('/api/'));
    const [, traceId] = TRACEPARENT_FORMAT.exec(String(get?.headers['traceparent'])) ?? [];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
  });

  it('samples by OTEL_TRACES_SAMPLER: always_off still carries the trace id to C1, unsampled, and exports nothing', async () => {
    const r = await receiver();
    const gw = await gateway(exportingTo(r, { OTEL_TRACES_SAMPLER: 'always_off' }));

    await gw.query(byId(SAMPLE_CLIENT_ID), {}, { traceparent: TRACEPARENT });
    await gw.close();

    const get = gw.sandbox.requests.find((req) => req.rawPath.startsWith('/api/'));
    expect(String(get?.headers['traceparent'])).toMatch(new RegExp(`^00-${CALLER_TRACE}-[0-9a-f]{16}-00$`));
    expect(r.spans).toEqual([]);
  });

  it('puts trace_id and span_id on the request log line', async () => {
    const r = await receiver();
    const chunks: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (chunk: string) => void chunks.push(chunk) } });
    const gw = await gateway(exportingTo(r), { deps: { logger } });

    await gw.query(byId(SAMPLE_CLIENT_ID), {}, { traceparent: TRACEPARENT });
    await gw.close();

    const line = chunks.map((c) => JSON.parse(c) as Record<string, unknown>).find((l) => l['msg'] === 'graphql request');
    const server = only(r.spans, (s) => s.kind === SERVER);
    expect(line).toMatchObject({ trace_id: CALLER_TRACE, span_id: server.spanId });
  });

  it('puts the trace ids on the line that logs an upstream failure too', async () => {
    const r = await receiver();
    const chunks: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (chunk: string) => void chunks.push(chunk) } });
    const gw = await gateway(exportingTo(r, { UPSTREAM_RETRIES: '0' }), { deps: { logger } });
    await gw.query(byId(SAMPLE_CLIENT_ID)); // the token is fetched while C1 is up
    await gw.sandbox.close();

    const failed = await gw.query(byId(gw.sandbox.clients[1]?.id ?? ''), {}, { traceparent: TRACEPARENT });
    expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    await gw.close();

    const line = chunks.map((c) => JSON.parse(c) as Record<string, unknown>).find((l) => l['msg'] === 'upstream failure');
    expect(line).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', trace_id: CALLER_TRACE, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('serves requests while the collector is unreachable, and counts the spans it lost', async () => {
    const r = await startOtlpReceiver();
    await r.close(); // nothing listens on its port any more
    // A queue of 3 spans, and exports that give up (retries included) after 300 ms.
    const gw = await gateway({ ...exportingTo(r), OTEL_BSP_MAX_QUEUE_SIZE: '3', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '300' });

    const bodies = [];
    for (let i = 0; i < 4; i += 1) bodies.push(await gw.query(byId(SAMPLE_CLIENT_ID), {}, { traceparent: TRACEPARENT }));
    const during = await (await gw.fetch('/metrics')).text();
    await gw.close(); // the export in flight fails
    const after = await (await gw.fetch('/metrics')).text();

    expect(bodies.map((b) => b.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(during).toMatch(/c1_gateway_trace_spans_dropped_total\{reason="queue_full"\} [1-9]/);
    expect(after).toMatch(/c1_gateway_trace_spans_dropped_total\{reason="export_failed"\} [1-9]/);
  });

  it('is off without an OTLP endpoint, and with OTEL_SDK_DISABLED: nothing is loaded and C1 sees no trace context', async () => {
    const sandbox = createSandbox();
    await sandbox.listen(0);
    closers.push(() => sandbox.close());
    const gw = await gateway({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, { sandbox });

    await gw.query(byId(SAMPLE_CLIENT_ID), {}, { traceparent: TRACEPARENT });

    expect(gw.config.tracing).toBeUndefined();
    expect(await loadTracing(gw.config.tracing)).toBeUndefined();
    expect(sandbox.requests.map((req) => req.headers['traceparent'])).toEqual([undefined, undefined]);
  });
});

function only(spans: ReceivedSpan[], match: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(match);
  expect(found, `spans: ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
}
