import { defineConfig } from 'vitest/config';

/**
 * `npm run fuzz`: the property-based fuzz tests of test/fuzz with many inputs per property (issue 17). `npm test` runs
 * the same files with a few inputs each; CERTFLOW_FUZZ_RUNS set in the environment overrides both.
 */
export default defineConfig({
  test: {
    include: ['test/fuzz/*.fuzz.ts'],
    env: { CERTFLOW_FUZZ_RUNS: process.env.CERTFLOW_FUZZ_RUNS ?? '500' },
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
