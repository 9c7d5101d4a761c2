import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup/fast-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // the engine starts worker threads running wasm; keep test files from oversubscribing 2 cores
    fileParallelism: true,
    maxWorkers: 2,
  },
});
