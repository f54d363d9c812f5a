import { describe, expect, it } from 'vitest';
import { productionNodeArgs } from '../../bench/node-args.js';
import { benchOptionsFromEnv } from '../../bench/options.js';
import { roundOrder } from '../../bench/rounds.js';

describe('bench options', () => {
  it('reads the compared build, its Node flags and its settings from the env', () => {
    const options = benchOptionsFromEnv({
      BENCH_COMPARE_DIST: '/tmp/before/dist',
      BENCH_COMPARE_NODE_ARGS: '--max-semi-space-size=64  --no-opt',
      BENCH_COMPARE_ENV: 'CACHE_MAX_ENTRIES=500 LOG_LEVEL=warn',
    });
    expect(options.compareDist).toBe('/tmp/before/dist');
    expect(options.compareNodeArgs).toEqual(['--max-semi-space-size=64', '--no-opt']);
    expect(options.compareEnv).toEqual({ CACHE_MAX_ENTRIES: '500', LOG_LEVEL: 'warn' });
  });

  it('compares nothing by default, and refuses a setting that is not NAME=value', () => {
    const options = benchOptionsFromEnv({});
    expect([options.compareDist, options.compareNodeArgs, options.compareEnv]).toEqual([undefined, [], {}]);
    expect(() => benchOptionsFromEnv({ BENCH_COMPARE_ENV: 'CACHE_MAX_ENTRIES' })).toThrow(/BENCH_COMPARE_ENV: 'CACHE_MAX_ENTRIES' is not NAME=value/);
  });

  it('starts each round one target later, so every target runs first once in as many rounds as targets', () => {
    const rounds = [0, 1, 2].map((round) => roundOrder(['a', 'b', 'c'], round));
    expect(rounds).toEqual([['a', 'b', 'c'], ['b', 'c', 'a'], ['c', 'a', 'b']]);
  });

  it("runs the gateway with npm start's Node flags", () => {
    expect(productionNodeArgs()).toEqual(['--max-semi-space-size=32']);
  });
});
