import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * A flood of distinct ids against a steady working set: with a small cache, the flood would evict
 * the working set; the flooding caller's budget cuts it off first, so the working set stays hot.
 */
const SECRET = 'router-secret-0123456789abcdef';
const LIST = 'query($ids: [ID!]!) { personalClients(ids: $ids) { id } }';
const WORKING_SET = 10;
const FLOOD_REQUESTS = 10;
const IDS_PER_FLOOD_REQUEST = 40;

let gw: TestGateway;
afterEach(() => gw.close());

async function floodThenAskWorkingSet(budget: { rate: string; burst: string }) {
  const now = Date.now(); // a frozen clock: no token refills while the flood runs
  gw = await startGateway({
    env: {
      ROUTER_SECRET: SECRET,
      CACHE_MAX_ENTRIES: '50',
      CALLER_UPSTREAM_RATE: budget.rate,
      CALLER_UPSTREAM_BURST: budget.burst,
    },
    deps: { clock: () => now },
  });
  const as = (name: string) => ({ 'x-router-secret': SECRET, 'apollographql-client-name': name });
  const workingSet = gw.sandbox.clients.slice(0, WORKING_SET).map((c) => c.id as string);
  expect((await gw.query(LIST, { ids: workingSet }, as('steady'))).errors).toBeUndefined();

  gw.sandbox.resetStats();
  const flood = await Promise.all(
    Array.from({ length: FLOOD_REQUESTS }, (_, r) =>
      gw.query(LIST, { ids: Array.from({ length: IDS_PER_FLOOD_REQUEST }, (_, i) => `flood-${r}-${i}`) }, as('flood')),
    ),
  );
  const floodGets = gw.sandbox.stats.apiGets;
  const refusals = flood.flatMap((body) => body.errors ?? []).filter((e) => e.extensions?.code === 'RATE_LIMITED').length;

  gw.sandbox.resetStats();
  const again = await gw.query(LIST, { ids: workingSet }, as('steady'));
  expect(again.errors).toBeUndefined();
  return { floodGets, refusals, workingSetGets: gw.sandbox.stats.apiGets };
}

describe('a flood of distinct ids from one caller', () => {
  it('is cut at the flooding caller\'s burst, so the working set stays cached (0 GETs for it)', async () => {
    const result = await floodThenAskWorkingSet({ rate: '1', burst: '20' });
    expect(result).toEqual({ floodGets: 20, refusals: FLOOD_REQUESTS * IDS_PER_FLOOD_REQUEST - 20, workingSetGets: 0 });
  });

  it('would evict the working set without a budget (the same flood, with a budget larger than it)', async () => {
    const result = await floodThenAskWorkingSet({ rate: '1', burst: '100000' });
    expect(result.floodGets).toBe(FLOOD_REQUESTS * IDS_PER_FLOOD_REQUEST);
    expect(result.refusals).toBe(0);
    expect(result.workingSetGets).toBe(WORKING_SET);
  });
});
