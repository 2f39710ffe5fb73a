import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['native/**/*.test.ts', 'scripts/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.ts'],
    // Native addons (better-sqlite3, sharp, onnxruntime) and worker threads behave best in child processes.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
