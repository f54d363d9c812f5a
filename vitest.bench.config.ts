import { defineConfig } from 'vitest/config';

/** `npm run test:bench`: the bench harness's and scenarios' own checks (exact C1 call counts, never speed), against real processes. */
export default defineConfig({
  test: {
    include: ['test/bench/harness.test.ts', 'test/bench/scenarios.test.ts'],
    testTimeout: 240_000,
    pool: 'forks',
  },
});
