import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, SAMPLE_CLIENT_ID, type Sandbox } from '../../src/sandbox/index.js';
import { forwardTo, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { composeSupergraph, startHiveGateway, type HiveCaching, type HiveGateway } from './hive-gateway.js';

/** A value lifetime short enough to read, set through the env as an operator would. */
const TTL_ENV = { CACHE_TTL_MS: '10000' };
const BY_ID = `{ personalClient(id: "${SAMPLE_CLIENT_ID}") { id displayName } }`;
const LISTING = '{ searchPersonalClients(first: 5) { nodes { id } } }';

/*
 * The two caches read different signals, so each test holds for both only because the subgraph
 * sends both (checked by taking each away):
 * - the HTTP cache reads only the header: max-age, `no-store`, `private` (a shared cache never keeps it);
 * - the response cache reads the supergraph's @cacheControl hints (maxAge: 0 on listings, scope
 *   PRIVATE in forward mode) and lowers their TTL to each subgraph answer's max-age. It reads neither
 *   `no-store` nor `private`: the `max-age=0` beside `no-store` is what keeps a stale answer out, and
 *   without the PRIVATE hints it would share one caller's answers with every other.
 */
describe.each<HiveCaching>(['http-cache', 'response-cache'])('our subgraph behind Hive Gateway with its %s on', (caching) => {
  let gw: TestGateway;
  /** Between Hive Gateway and our in-process app: counts what reaches our subgraph. */
  let proxy: FakeUpstream;
  let hive: HiveGateway;
  let sandbox: Sandbox | undefined;
  /** One clock for our gateway and Hive's cache storage; from real time, as the sandbox checks assertions against it. */
  let now: number;

  async function start(env: Record<string, string>, options: { sandbox?: Sandbox; bearer?: string } = {}) {
    now = Date.now();
    gw = await startGateway({ env, deps: { clock: () => now }, ...(options.sandbox ? { sandbox: options.sandbox } : {}) });
    proxy = await startFakeUpstream(forwardTo(gw.fetch));
    const auth: Record<string, string> = options.bearer === undefined ? {} : { authorization: `Bearer ${options.bearer}` };
    const sdl = (await gw.query<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, auth)).data?._service.sdl ?? '';
    hive = startHiveGateway(composeSupergraph(sdl, `${proxy.origin}/graphql`), caching, () => now);
    // Only what Hive sends from here on counts.
    proxy.requests.length = 0;
    gw.sandbox.resetStats();
  }
  afterEach(async () => {
    await hive?.close();
    await proxy?.close();
    await gw?.close();
    await sandbox?.close();
    sandbox = undefined;
  });

  it('answers a repeated query inside max-age without reaching our subgraph, and reaches it again after max-age', async () => {
    await start(TTL_ENV);
    const first = await hive.query(BY_ID);
    expect(first.errors).toBeUndefined();
    expect(proxy.requests).toHaveLength(1);

    now += 9_000; // max-age=10 was sent: still fresh
    expect(await hive.query(BY_ID)).toEqual(first);
    expect(proxy.requests).toHaveLength(1);

    now += 2_000; // 11 s: expired above us and in our cache alike
    expect(await hive.query(BY_ID)).toEqual(first);
    expect(proxy.requests).toHaveLength(2);
    expect(gw.sandbox.stats.apiGets).toBe(2);
  });

  it('keeps an answer only for the freshness its values had left, not the full lifetime', async () => {
    await start(TTL_ENV);
    await gw.query(BY_ID); // cached in our subgraph at t=0
    now += 6_000;
    await hive.query(BY_ID); // max-age=4
    expect(proxy.requests).toHaveLength(1);

    now += 3_000;
    await hive.query(BY_ID);
    expect(proxy.requests).toHaveLength(1);

    now += 2_000; // 5 s after Hive stored it: past the 4 s it was given
    await hive.query(BY_ID);
    expect(proxy.requests).toHaveLength(2);
  });

  it('never keeps a listing (no-store, maxAge: 0): each one reaches our subgraph', async () => {
    await start(TTL_ENV);
    await hive.query(LISTING);
    await hive.query(LISTING);
    expect(proxy.requests).toHaveLength(2);
  });

  it('never keeps an answer served stale because C1 failed (no-store): the next one reaches our subgraph', async () => {
    await start({ ...TTL_ENV, UPSTREAM_RETRIES: '0' });
    await gw.query(BY_ID);
    now += 11_000;
    await gw.sandbox.close(); // C1 unreachable: our expired entry is served instead of an error
    const stale = await hive.query(BY_ID);
    expect(stale.errors).toBeUndefined();
    expect(proxy.requests).toHaveLength(1);

    now += 1_000;
    expect(await hive.query(BY_ID)).toEqual(stale);
    expect(proxy.requests).toHaveLength(2);
  });

  it('never shares a forward-mode answer (private, scope PRIVATE): each one reaches our subgraph', async () => {
    sandbox = createSandbox();
    await sandbox.listen(0);
    const target = sandbox.clients.find((c) => c.userId !== null && c.deletedAt === null);
    const token = sandbox.issueToken(sandbox.registerUser(target?.userId ?? '').clientId);
    await start({ ...TTL_ENV, C1_AUTH_MODE: 'forward' }, { sandbox, bearer: token });
    const query = `{ personalClient(id: "${target?.id}") { id } }`;
    const auth = { authorization: `Bearer ${token}` };

    const first = await hive.query(query, auth);
    expect(first).toEqual({ data: { personalClient: { id: target?.id } } });
    expect(await hive.query(query, auth)).toEqual(first);
    expect(proxy.requests).toHaveLength(2);
    expect(proxy.requests.every((r) => r.headers.authorization === `Bearer ${token}`)).toBe(true);
  });
});
