import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, type BenchOptions } from '../../bench/options.js';
import { COLUMNS, markdownReport, rowCells, describeMachine, type ScenarioResult } from '../../bench/report.js';
import { runBench } from '../../bench/run.js';

// The harness's own code, run briefly: the table's shape and the upstream call counts, never speed.
const SHORT: BenchOptions = {
  ...DEFAULT_OPTIONS,
  scenarios: ['herd', 'hot'],
  rounds: 1,
  roundSeconds: 1,
  warmupSeconds: 0.25,
  connections: 10,
  herdRequests: 100,
  herdLatencyMs: 100,
  memoryIds: 1_000,
  output: '',
  // Source through tsx: the test must not depend on a fresh `npm run build`.
  gatewayFrom: 'src',
};

function byName(results: ScenarioResult[], name: string): ScenarioResult {
  const found = results.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no ${name} result`);
  return found;
}

describe('benchmark harness', () => {
  it('runs herd and hot against real processes and reports exact upstream counts in a full table', { timeout: 120_000 }, async () => {
    const results = await runBench(SHORT);

    expect(results.map((r) => r.name)).toEqual(['herd', 'hot']);
    for (const row of results.flatMap((r) => r.rows)) expect(rowCells(row)).toHaveLength(COLUMNS.length);

    // herd: 100 concurrent requests for one uncached id share exactly one upstream GET.
    const herd = byName(results, 'herd');
    expect(herd.checks[0]).toMatchObject({ pass: true, measured: expect.stringMatching(/^1 GET\(s\) for 1 herd\(s\) of 100; 0 errors$/) });
    expect(herd.rows[0]?.getsPerRequest).toBeCloseTo(1 / 100, 5);

    // hot: the gateway and the baselines measured; the cached id costs no GET during the rounds.
    const hot = byName(results, 'hot');
    expect(hot.rows.map((r) => r.server)).toEqual(['gateway', 'bare Yoga (a)', "bare Yoga, gateway's body limit (a′)", 'node:http (b)']);
    for (const row of hot.rows) {
      expect(row.reqPerSec).toBeGreaterThan(0);
      expect(row.cpuMicrosPerRequest).toBeGreaterThan(0);
    }
    expect(hot.rows[0]?.getsPerRequest).toBe(0);
    expect(hot.checks.map((c) => c.target)).toEqual([
      'gateway req/s ≥ 1.5 × bare Yoga (a)',
      'no errors; at most 1 upstream GET per cache lifetime since the fill (the first fill is before the rounds)',
    ]);
    expect(hot.checks[1]?.pass).toBe(true);
    expect(hot.notes).toContain('bare Yoga answers byte-for-byte the same body as the gateway.');

    const markdown = markdownReport({ machine: describeMachine(), command: 'npm run bench', settings: {}, results, remarks: [] });
    expect(markdown).toContain(`| ${COLUMNS.join(' | ')} |`);
    expect(markdown).toMatch(/## Targets \(\d of 3 met\)/);
  });
});
