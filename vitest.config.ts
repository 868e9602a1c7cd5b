import { defineConfig } from 'vitest/config';

// Tests run in plain Node: the engine never needs Electron. Real-data tests read ../shared/data.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only thrash the wasm backend.
    maxWorkers: 2,
  },
});
