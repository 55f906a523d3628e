import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Vitest's default in a run is one worker fewer than the cores: a single test file at a time on a 2-core CI machine.
    // The test files are CPU-bound in their own process (PGlite, in-process commands): one file per core.
    // PASSERELLE_TEST_WORKERS=1 runs them one at a time (e.g. on a machine shared with other runs).
    maxWorkers: Number(process.env.PASSERELLE_TEST_WORKERS) || availableParallelism(),
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          // each server starts on a copy of the prepared database instead of migrating and loading the communes
          globalSetup: ['test/helpers/global-setup.ts'],
          // the browser waits for the page on a shared, loaded machine
          expect: { poll: { timeout: 10_000 } },
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
