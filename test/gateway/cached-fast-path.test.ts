import { afterEach, describe, expect, it } from 'vitest';
import { noopObserver, type Observer } from '../../src/kernel/observer.js';
import { seedClients } from '../../src/sandbox/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

// The seed is deterministic: the same ids in every sandbox, in this order.
const SEEDED = seedClients().map((c) => c.id as string);

/** Records what the data path reports about batches and cache lookups. */
function recordingObserver() {
  const seen = { batches: [] as number[], hits: 0, misses: 0 };
  const observer: Observer = {
    ...noopObserver,
    loaderBatch: (size) => void seen.batches.push(size),
    cacheLookup: (outcome) => void (outcome === 'hit' ? (seen.hits += 1) : (seen.misses += 1)),
  };
  return { observer, seen };
}

describe('answers from the cache without the loader, counted as the loader would', () => {
  let gw: TestGateway;
  afterEach(() => gw.close());

  async function warmed(ids: string[]) {
    const { observer, seen } = recordingObserver();
    gw = await startGateway({ deps: { observer } });
    const warm = await gw.query(`query($ids: [ID!]!) { personalClients(ids: $ids) { id } }`, { ids });
    expect(warm.errors).toBeUndefined();
    gw.sandbox.resetStats();
    seen.batches.length = 0;
    seen.hits = 0;
    seen.misses = 0;
    return seen;
  }

  it('reports cached aliases and lists of one request as one batch of distinct ids, with no GET', async () => {
    const [a, b, c] = SEEDED as [string, string, string];
    const seen = await warmed([a, b, c]);
    const body = await gw.query<{ one: { id: string }; many: { id: string }[] }>(
      `query($many: [ID!]!) { one: personalClient(id: "${a}") { id } many: personalClients(ids: $many) { id } }`,
      { many: [b, c, b] },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.one.id).toBe(a);
    expect(body.data?.many.map((x) => x.id)).toEqual([b, c, b]);
    expect(gw.sandbox.stats.apiGets).toBe(0);
    expect(seen.batches).toEqual([3]);
    expect(seen.hits).toBe(3);
    expect(seen.misses).toBe(0);
  });

  it('counts cached `_entities` representations as one batch, as the router sends them', async () => {
    const seen = await warmed(SEEDED.slice(0, 4));
    const reps = SEEDED.slice(0, 4).map((id) => ({ __typename: 'PersonalClient', id }));
    const body = await gw.query<{ _entities: { id: string }[] }>(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on PersonalClient { id } } }`,
      { reps },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities.map((e) => e.id)).toEqual(reps.map((r) => r.id));
    expect(gw.sandbox.stats.apiGets).toBe(0);
    expect(seen.batches).toEqual([4]);
  });

  it('sends a list with any uncached id to the loader whole, fetching only the missing one', async () => {
    const [a, b, , , , missing] = SEEDED as [string, string, string, string, string, string];
    const seen = await warmed([a, b]);
    const body = await gw.query<{ personalClients: ({ id: string } | null)[] }>(
      `query($ids: [ID!]!) { personalClients(ids: $ids) { id } }`,
      { ids: [a, missing, b, 'no-such-client'] },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.personalClients).toEqual([{ id: a }, { id: missing }, { id: b }, null]);
    expect(gw.sandbox.stats.apiGets).toBe(2);
    expect(seen.batches).toEqual([4]);
    expect(seen.hits).toBe(2);
    expect(seen.misses).toBe(2);
  });
});
