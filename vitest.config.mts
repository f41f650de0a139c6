import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // test/fuzz runs with a few inputs per property here, many under `npm run fuzz` (vitest.fuzz.config.mts).
    include: ['test/**/*.test.ts', 'test/fuzz/*.fuzz.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
    globalSetup: ['test/support/global-setup.ts'],
    // Each file starts its own Temporal server; two cores run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
