import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run chaos`: the full chaos scenario, alone (its workers and dev server need both cores), its progress lines
// and summary table printed as they come.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['chaos/**/*.chaos.ts'],
    pool: 'forks',
    maxWorkers: 1,
    disableConsoleIntercept: true,
    hookTimeout: 120_000,
  },
});
