import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser test and the bench tooling's own checks (the harness and its scenarios, driving real
    // server processes for about a minute) have their own commands, which CI runs too:
    // `npm run test:browser`, `npm run test:bench`.
    exclude: ['test/browser/**', 'test/bench/harness.test.ts', 'test/bench/scenarios.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Test files share their worker's module graph instead of importing the app afresh each: the
    // imports (graphql, Yoga, @apollo/subgraph, undici, ...) took 64 of 166 s of a 2-core run, and
    // 5 s without isolation (the whole run: 74 s). Safe because no test file leaves global state
    // behind: each starts its own servers on port 0 and closes them, and every app has its own
    // metrics registry, caches and timers.
    isolate: false,
  },
});
