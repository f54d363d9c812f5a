import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeUpstream, type Reply, type FakeUpstream } from '../helpers/fake-upstream.js';

const CLIENT = {
  id: 'pc-1',
  clientId: 'bot-12345@acme.conductor.one/pcc',
  displayName: 'bot',
  userId: 'u1',
  allowSourceCidr: null,
  scopedRoles: ['r1'],
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '',
  deletedAt: null,
  expiresTime: null,
  lastUsedAt: null,
};

const ANSWERS: Record<string, Reply> = {
  ok: { body: { client: CLIENT } },
  'not-found-404': { status: 404, body: { code: 5, message: 'not found' } },
  'not-found-null': { body: { client: null } },
  unauthorized: { status: 401, body: 'nope' },
  forbidden: { status: 403, body: { code: 7 } },
  'rate-limited': { status: 429, headers: { 'retry-after': '1' }, body: {} },
  'server-error': { status: 500, body: '<html>boom</html>' },
  unavailable: { status: 503, body: { unexpected: ['shape'] } },
  'malformed-json': { status: 200, headers: { 'content-type': 'application/json' }, body: '{"client": {' },
  'wrong-shape': { body: { client: { id: 42, scopedRoles: 'admin' } } },
  'not-json': { status: 200, headers: { 'content-type': 'text/html' }, body: '<html></html>' },
  'bad-date': { body: { client: { ...CLIENT, createdAt: 'last tuesday' } } },
  // Shaped like a date-time, but no such day: Date.parse takes it (as March 2nd).
  'no-such-day': { body: { client: { ...CLIENT, updatedAt: '2026-02-30T08:00:00Z' } } },
};

describe('each upstream outcome maps to one stable code', () => {
  let c1: FakeUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    c1 = await startFakeUpstream((req) => {
      const id = decodeURIComponent(req.path.split('/').pop() ?? '');
      return ANSWERS[id] ?? { status: 404, body: {} };
    });
    gw = await startGateway({
      env: { C1_ACCESS_TOKEN: 'static-test-token', C1_API_URL: c1.origin, UPSTREAM_RETRIES: '0', CACHE_TTL_MS: '0' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await c1.close();
  });

  async function codeFor(id: string) {
    const body = await gw.query<{ personalClient: unknown }>(`query($id: ID!) { personalClient(id: $id) { id createdAt updatedAt } }`, { id });
    return { data: body.data?.personalClient, codes: body.errors?.map((e) => e.extensions?.code) };
  }

  it('returns data for 200, with an empty timestamp as null', async () => {
    expect(await codeFor('ok')).toEqual({ data: { id: 'pc-1', createdAt: '2024-01-01T00:00:00Z', updatedAt: null }, codes: undefined });
  });

  it.each([
    ['not-found-404', undefined],
    ['not-found-null', undefined],
    ['unauthorized', 'UPSTREAM_UNAUTHENTICATED'],
    ['forbidden', 'UPSTREAM_FORBIDDEN'],
    ['rate-limited', 'UPSTREAM_RATE_LIMITED'],
    ['server-error', 'UPSTREAM_UNAVAILABLE'],
    ['unavailable', 'UPSTREAM_UNAVAILABLE'],
    ['malformed-json', 'UPSTREAM_BAD_RESPONSE'],
    ['wrong-shape', 'UPSTREAM_BAD_RESPONSE'],
    ['not-json', 'UPSTREAM_BAD_RESPONSE'],
    ['bad-date', 'UPSTREAM_BAD_RESPONSE'],
    ['no-such-day', 'UPSTREAM_BAD_RESPONSE'],
  ])('%s → %s', async (id, code) => {
    const result = await codeFor(id);
    if (code === undefined) expect(result).toEqual({ data: null, codes: undefined });
    else expect(result.codes).toEqual([code]);
  });

  it('never echoes the upstream body in the error', async () => {
    const body = await gw.query(`{ a: personalClient(id: "server-error") { id } b: personalClient(id: "unavailable") { id } }`);
    expect(JSON.stringify(body)).not.toMatch(/boom|unexpected|shape/);
  });

  it('reports one failing id at its index in personalClients and data for the rest', async () => {
    const body = await gw.query<{ personalClients: unknown[] }>(
      `{ personalClients(ids: ["ok", "server-error", "not-found-404"]) { id } }`,
    );
    expect(body.data?.personalClients).toEqual([{ id: 'pc-1' }, null, null]);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({ path: ['personalClients', 1], extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
  });
});

describe('an unreachable upstream', () => {
  it('maps a refused connection to UPSTREAM_UNAVAILABLE and keeps serving', async () => {
    // Reserve a port, then close it so nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const gw = await startGateway({
      env: { C1_ACCESS_TOKEN: 't', C1_API_URL: `http://127.0.0.1:${port}`, UPSTREAM_RETRIES: '0' },
    });
    try {
      const first = await gw.query(`{ personalClient(id: "x") { id } }`);
      const second = await gw.query(`{ personalClient(id: "y") { id } }`);
      expect(first.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(second.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(JSON.stringify(first)).not.toContain(String(port));
    } finally {
      await gw.close();
    }
  });
});
