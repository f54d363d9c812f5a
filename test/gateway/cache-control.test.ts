import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, SAMPLE_CLIENT_ID } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/** `no-store` for HTTP caches and Apollo Router; `max-age=0` for Hive Gateway's response cache. */
const NO_STORE = 'no-store, max-age=0';
const BY_ID = 'query($id: ID!) { personalClient(id: $id) { id } }';
const TWO = 'query($a: ID!, $b: ID!) { a: personalClient(id: $a) { id } b: personalClient(id: $b) { id } }';

describe('Cache-Control for the caches above the gateway', () => {
  let gw: TestGateway;
  let now: number;
  afterEach(() => gw.close());

  /** A gateway on a clock the test moves (from real time: the sandbox checks assertions against it). */
  async function start(env: Record<string, string> = {}) {
    now = Date.now();
    gw = await startGateway({ env, deps: { clock: () => now } });
    return gw;
  }

  async function cacheControl(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const response = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    await response.arrayBuffer();
    return { cacheControl: response.headers.get('cache-control'), vary: response.headers.get('vary') };
  }

  it('gives max-age as the freshness left, counting down as the entry ages', async () => {
    await start();
    expect((await cacheControl(BY_ID, { id: SAMPLE_CLIENT_ID })).cacheControl).toBe('public, max-age=30');
    now += 12_000;
    expect((await cacheControl(BY_ID, { id: SAMPLE_CLIENT_ID })).cacheControl).toBe('public, max-age=18');
    expect(gw.sandbox.stats.apiGets).toBe(1);
  });

  it('gives an answer mixing an older and a newer entry the lesser max-age', async () => {
    await start();
    const [older, newer] = gw.sandbox.clients.map((c) => c.id as string);
    await cacheControl(BY_ID, { id: older });
    now += 10_000;
    expect((await cacheControl(TWO, { a: older, b: newer })).cacheControl).toBe('public, max-age=20');
  });

  it('counts "not found" with its own, shorter lifetime', async () => {
    await start();
    expect((await cacheControl(TWO, { a: SAMPLE_CLIENT_ID, b: 'no-such-client' })).cacheControl).toBe('public, max-age=5');
  });

  it('says no-store when any field errored', async () => {
    await start();
    expect((await cacheControl(TWO, { a: SAMPLE_CLIENT_ID, b: 'bad id\u0007' })).cacheControl).toBe(NO_STORE);
  });

  it('says no-store when a value was served stale because C1 failed', async () => {
    await start({ UPSTREAM_RETRIES: '0' });
    await cacheControl(BY_ID, { id: SAMPLE_CLIENT_ID });
    now += 31_000;
    await gw.sandbox.close(); // C1 unreachable: the expired entry is served instead of an error
    const response = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: BY_ID, variables: { id: SAMPLE_CLIENT_ID } }),
    });
    expect(((await response.json()) as { data: unknown }).data).toEqual({ personalClient: { id: SAMPLE_CLIENT_ID } });
    expect(response.headers.get('cache-control')).toBe(NO_STORE);
  });

  it('says no-store for introspection and for answers that used no value', async () => {
    await start();
    expect((await cacheControl('{ __schema { queryType { name } } }')).cacheControl).toBe(NO_STORE);
    expect((await cacheControl('{ __typename }')).cacheControl).toBe(NO_STORE);
    expect((await cacheControl('{ _service { sdl } }')).cacheControl).toBe(NO_STORE);
  });

  it('says no-store for an answer that lists (pages are never kept), even beside a value read by id', async () => {
    await start();
    expect((await cacheControl('{ searchPersonalClients(first: 10) { nodes { id } } }')).cacheControl).toBe(NO_STORE);
    const mixed = `query($id: ID!) { personalClient(id: $id) { id } myPersonalClients(first: 10) { nodes { id } } }`;
    expect((await cacheControl(mixed, { id: SAMPLE_CLIENT_ID })).cacheControl).toBe(NO_STORE);
  });

  it('says no-store on a refusal', async () => {
    await start({ CALLER_UPSTREAM_RATE: '1', CALLER_UPSTREAM_BURST: '1' });
    const [a, b] = gw.sandbox.clients.map((c) => c.id as string);
    expect((await cacheControl(TWO, { a, b })).cacheControl).toBe(NO_STORE);
  });

  it('serves SDL hints that follow the config: the value lifetime from CACHE_TTL_MS, listings 0, PRIVATE in forward mode', async () => {
    // Forward mode wants a caller's bearer on every request; reading the SDL never sends it to C1.
    const sdlOf = async (env: Record<string, string>) => {
      gw = await startGateway({ env });
      const body = await gw.query<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, { authorization: 'Bearer any-caller' });
      await gw.close();
      return body.data?._service.sdl ?? '';
    };
    const service = await sdlOf({ CACHE_TTL_MS: '12000' });
    expect(service).toMatch(/type PersonalClient\s+@key\(fields: "id"\)\s+@cacheControl\(maxAge: 12\)\s/);
    expect(service.match(/@cacheControl\(maxAge: 0\)/g)).toHaveLength(3);

    const forward = await sdlOf({ CACHE_TTL_MS: '12000', C1_AUTH_MODE: 'forward' });
    expect(forward).toMatch(/type PersonalClient\s+@key\(fields: "id"\)\s+@cacheControl\(maxAge: 12, scope: PRIVATE\)/);
    expect(forward.match(/@cacheControl\(maxAge: 0, scope: PRIVATE\)/g)).toHaveLength(3);
    gw = await startGateway(); // closed by afterEach
  });

  it('marks forward-mode answers private, varying by Authorization', async () => {
    const sandbox = createSandbox();
    await sandbox.listen(0);
    const target = sandbox.clients.find((c) => c.userId !== null && c.deletedAt === null);
    const token = sandbox.issueToken(sandbox.registerUser(target?.userId ?? '').clientId);
    // The test's clock, as in start(): on real time a millisecond between storing and serving the
    // fetched client made it max-age=29 on a busy machine.
    now = Date.now();
    gw = await startGateway({ sandbox, env: { C1_AUTH_MODE: 'forward' }, deps: { clock: () => now } });
    try {
      const answer = await cacheControl(BY_ID, { id: target?.id }, { authorization: `Bearer ${token}` });
      expect(answer.cacheControl).toBe('private, max-age=30');
      expect(answer.vary).toMatch(/Authorization/);
    } finally {
      await sandbox.close();
    }
  });
});
