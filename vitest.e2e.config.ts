import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests: the built renderer in Debian's Chromium with the real service behind
 * window.qklab (tests/e2e/harness.ts). `npm run test:e2e` builds once, then runs these one
 * file at a time in a single fork (one Chromium, engine workers on a 2-core machine).
 */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
