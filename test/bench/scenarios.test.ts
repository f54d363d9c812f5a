import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, type BenchOptions } from '../../bench/options.js';
import { runBench } from '../../bench/run.js';
import { APOLLO, MESH } from '../../bench/scenarios/peers.js';

// The scenarios' own code, run briefly against real processes: exact C1 call counts, never speed.
const SHORT: BenchOptions = {
  ...DEFAULT_OPTIONS,
  rounds: 1,
  roundSeconds: 1,
  warmupSeconds: 0.25,
  connections: 10,
  memoryIds: 1_000,
  output: '',
  gatewayFrom: 'src',
};

describe('benchmark scenarios', () => {
  it('peers: Apollo + RESTDataSource and Mesh call C1 once per request, hot or cold, and the gateway once per cold request, by variable or literal', { timeout: 240_000 }, async () => {
    const [peers] = await runBench({ ...SHORT, scenarios: ['peers'] });

    const gets = Object.fromEntries((peers?.rows ?? []).map((r) => [`${r.scenario} / ${r.server}`, r.getsPerRequest]));
    // The gateway's cached id may be refreshed once in the pass of 100 if its 30 s TTL runs out.
    expect(gets['peers hot / gateway']).toBeLessThanOrEqual(1 / 100);
    delete gets['peers hot / gateway'];
    expect(gets).toEqual({
      [`peers hot / ${APOLLO}`]: 1,
      [`peers hot / ${MESH}`]: 1,
      'peers hot / bare Yoga (a)': 0,
      'peers cold (saturation), id by variable / gateway': 1,
      [`peers cold (saturation), id by variable / ${APOLLO}`]: 1,
      [`peers cold (saturation), id by variable / ${MESH}`]: 1,
      'peers cold (saturation), id literal / gateway': 1,
      [`peers cold (saturation), id literal / ${APOLLO}`]: 1,
      [`peers cold (saturation), id literal / ${MESH}`]: 1,
    });
    const cold = (kind: string) => [
      `cold saturation, ${kind}: gateway req/s ≥ 1.5 × (d)`,
      `cold saturation, ${kind}: gateway req/s ≥ 2 × (e)`,
      `cold saturation, ${kind}: gateway p99 no worse than (d) or (e)`,
    ];
    expect(peers?.checks.map((c) => c.target)).toEqual([
      ...cold('id by variable'),
      ...cold('id literal'),
      'hot: gateway req/s ≥ 1.5 × bare Yoga (a)',
      'every server answers every request without errors',
    ]);
    expect(peers?.checks[7]).toMatchObject({ pass: true, measured: '0 errors' });
  });

  it('search: counts exactly one C1 Search and no GET per answered request', { timeout: 240_000 }, async () => {
    const [search] = await runBench({ ...SHORT, scenarios: ['search'] });

    expect(search?.checks[0]).toMatchObject({
      pass: true,
      measured: 'cold 100 Searches / 100 requests, 0 GETs, 0 errors; hot 100 / 100, 0 GETs, 0 errors',
    });
    expect(search?.rows.map((r) => r.vsBaseline)).toEqual(['1.00 C1 Searches/req', '1.00 C1 Searches/req']);
  });
});
