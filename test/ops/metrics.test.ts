import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MISSING_CLIENT_ID, SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import type { TestGateway } from '../helpers/gateway.js';
import { FAILING_ID, startBehindFailingUpstream } from '../helpers/failing-upstream.js';
import { seriesValue } from './prometheus-text.js';
import { closeAfterEach } from '../helpers/closers.js';

const ROUTE = '/api/v1/iam/personal_clients/{id}';
const T0 = 1_800_000_000_000;

describe('GET /metrics', () => {
  const closers = closeAfterEach();

  async function start(env: Record<string, string> = {}, clock?: () => number) {
    return (await startBehindFailingUpstream(closers, { env, ...(clock ? { clock } : {}) })).gw;
  }

  async function scrape(gw: TestGateway): Promise<{ status: number; type: string | null; text: string }> {
    const response = await gw.fetch('/metrics');
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  it('counts requests, cache hits and misses, upstream statuses and errors after a few queries', async () => {
    let now = T0;
    const gw = await start({}, () => now);

    expect((await gw.query(`query GetOne { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`)).errors).toBeUndefined();
    expect((await gw.query(`query GetOne { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`)).errors).toBeUndefined();
    expect((await gw.query(`query Missing { personalClient(id: "${MISSING_CLIENT_ID}") { id } }`)).data).toEqual({
      personalClient: null,
    });
    const broken = await gw.query(`query Broken { personalClient(id: "${FAILING_ID}") { id } }`);
    expect(broken.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');

    const { status, type, text } = await scrape(gw);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const value = (name: string, labels?: Record<string, string>) => seriesValue(text, name, labels);

    expect(value('c1_gateway_graphql_requests_total', { operation: 'GetOne', outcome: 'ok' })).toBe(2);
    expect(value('c1_gateway_graphql_requests_total', { operation: 'Missing', outcome: 'ok' })).toBe(1);
    expect(value('c1_gateway_graphql_requests_total', { operation: 'Broken', outcome: 'error' })).toBe(1);
    expect(value('c1_gateway_graphql_request_duration_seconds_count', { operation: 'GetOne', outcome: 'ok' })).toBe(2);
    expect(value('c1_gateway_graphql_errors_total', { code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);

    // The second GetOne is the only hit; SAMPLE, MISSING and FAILING each missed once.
    expect(value('c1_gateway_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(value('c1_gateway_cache_lookups_total', { result: 'miss' })).toBe(3);
    expect(value('c1_gateway_cache_stale_served_total')).toBe(0);
    expect(value('c1_gateway_loader_batch_size_count')).toBe(4);
    expect(value('c1_gateway_loader_batch_size_sum')).toBe(4);

    expect(value('c1_gateway_upstream_requests_total', { route: ROUTE, status: '200' })).toBe(1);
    expect(value('c1_gateway_upstream_requests_total', { route: ROUTE, status: '404' })).toBe(1);
    expect(value('c1_gateway_upstream_requests_total', { route: ROUTE, status: '503' })).toBe(1);
    expect(value('c1_gateway_upstream_request_duration_seconds_count', { route: ROUTE, status: '503' })).toBe(1);
    expect(value('c1_gateway_upstream_failures_total', { code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(value('c1_gateway_upstream_requests_in_flight')).toBe(0);
    // The 503 cut the limit from its initial 16 slots to 12; one call at a time never grew it.
    expect(value('c1_gateway_upstream_concurrency_limit')).toBe(12);
    expect(value('c1_gateway_upstream_concurrency_limit_changes_total', { change: 'pushback' })).toBe(1);
    expect(value('c1_gateway_upstream_concurrency_limit_changes_total', { change: 'increase' })).toBe(0);
    expect(value('c1_gateway_upstream_queue_length')).toBe(0);

    expect(value('c1_gateway_token_fetches_total', { outcome: 'success' })).toBe(1);
    expect(value('c1_gateway_token_fetches_total', { outcome: 'failure' })).toBe(0);
    expect(value('c1_gateway_token_expiry_seconds')).toBe(3600);
    now += 600_000;
    expect(seriesValue((await scrape(gw)).text, 'c1_gateway_token_expiry_seconds')).toBe(3000);

    // Node's default process metrics come along.
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('labels caller-chosen operation names that are not plain GraphQL names as "other"', async () => {
    const gw = await start();
    const longName = `Q${'x'.repeat(80)}`;
    await gw.query(`query ${longName} { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);
    await gw.query(`{ personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);

    const { text } = await scrape(gw);
    expect(seriesValue(text, 'c1_gateway_graphql_requests_total', { operation: 'other', outcome: 'ok' })).toBe(1);
    expect(seriesValue(text, 'c1_gateway_graphql_requests_total', { operation: 'anonymous', outcome: 'ok' })).toBe(1);
    expect(text).not.toContain(longName);
  });

  it('keeps each app’s series in its own registry', async () => {
    const first = await start();
    const second = await start();
    await first.query(`query GetOne { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);

    const labels = { operation: 'GetOne', outcome: 'ok' };
    expect(seriesValue((await scrape(first)).text, 'c1_gateway_graphql_requests_total', labels)).toBe(1);
    expect(seriesValue((await scrape(second)).text, 'c1_gateway_graphql_requests_total', labels)).toBeUndefined();
  });

  it('shows an open circuit breaker as 2 under the fixed name c1, and the upstream URL nowhere', async () => {
    const gw = await start({ BREAKER_CONSECUTIVE_FAILURES: '1', BREAKER_COOLDOWN_MS: '60000' });
    await gw.query(`{ personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);
    await gw.query(`{ personalClient(id: "${FAILING_ID}") { id } }`);

    const { text } = await scrape(gw);
    expect(seriesValue(text, 'c1_gateway_breaker_state', { upstream: 'c1' })).toBe(2);
    const upstream = new URL(gw.config.C1_API_URL ?? '');
    expect(text).not.toContain(upstream.host);
    expect(text).not.toContain(`:${upstream.port}`);
    expect(text).not.toContain(new URL(gw.sandbox.url).host);
  });

  it('counts a document compiled by graphql-jit once, on its 20th execution', async () => {
    const gw = await start();
    const compiled = async () => seriesValue((await scrape(gw)).text, 'c1_gateway_graphql_documents_compiled_total', { outcome: 'compiled' });
    const run = () => gw.query(`query Hot($id: ID!) { personalClient(id: $id) { id } }`, { id: SAMPLE_CLIENT_ID });
    for (let i = 0; i < 19; i += 1) await run();
    expect(await compiled()).toBe(0);
    for (let i = 0; i < 10; i += 1) await run();
    expect(await compiled()).toBe(1);
    expect(seriesValue((await scrape(gw)).text, 'c1_gateway_graphql_documents_compiled_total', { outcome: 'failed' })).toBe(0);
  });

  it('counts the new documents whose validation a known shape made unnecessary', async () => {
    const gw = await start();
    const skipped = async () => seriesValue((await scrape(gw)).text, 'c1_gateway_graphql_validations_skipped_total');
    expect(await skipped()).toBe(0);
    for (const id of ['literal-id-1', 'literal-id-2', 'literal-id-3']) await gw.query(`{ personalClient(id: "${id}") { id } }`);
    expect(await skipped()).toBe(2);
  });

  it('renders at most once per METRICS_MIN_INTERVAL_MS: scrapes inside it get the last text, the first one after it a new one', async () => {
    let now = T0;
    const gw = await start({ METRICS_MIN_INTERVAL_MS: '1000' }, () => now);
    const requests = async () => seriesValue((await scrape(gw)).text, 'c1_gateway_graphql_requests_total', { operation: 'GetOne', outcome: 'ok' });
    const getOne = () => gw.query(`query GetOne { personalClient(id: "${SAMPLE_CLIENT_ID}") { id } }`);

    await getOne();
    expect(await requests()).toBe(1);
    await getOne();
    now += 999;
    // Within the interval: the same text, without the second request.
    expect(await requests()).toBe(1);
    const together = await Promise.all(Array.from({ length: 20 }, () => scrape(gw)));
    expect(new Set(together.map((s) => s.text)).size).toBe(1);
    now += 1;
    expect(await requests()).toBe(2);
  });

  it('sends the text compressed to a scraper that accepts it, as a plain scrape of the same render reads it', async () => {
    const gw = await start({ METRICS_MIN_INTERVAL_MS: '1000' }, () => T0);
    // Prometheus sends Accept-Encoding: gzip; both scrapes share one render (the clock stands still).
    const plain = await (await gw.fetch('/metrics', { headers: { 'accept-encoding': 'identity' } })).text();
    for (const coding of ['gzip', 'br']) {
      const response = await gw.fetch('/metrics', { headers: { 'accept-encoding': coding } });
      expect(response.headers.get('content-encoding')).toBe(coding);
      expect(response.headers.get('vary')).toMatch(/accept-encoding/i);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect((coding === 'gzip' ? gunzipSync(bytes) : brotliDecompressSync(bytes)).toString('utf8')).toBe(plain);
    }
  });

  it('serves no /metrics when METRICS_ENABLED=false', async () => {
    const gw = await start({ METRICS_ENABLED: 'false' });
    expect((await scrape(gw)).status).toBe(404);
  });
});
