import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Two projects: the engine, CLI, bridge and main tests run in plain Node (the engine never needs
// Electron; real-data tests read ../shared/data). Renderer component tests (*.dom.test.ts) run in
// happy-dom with Svelte compiled for the browser; see test/renderer/README.md.
const shared = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks',
} as const;

export default defineConfig({
  test: {
    // Two cores: more workers only thrash the wasm backend.
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...shared,
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.dom.test.ts', '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        // svelteTesting: resolve svelte's browser build (not SSR) and unmount components after each test.
        plugins: [svelte(), svelteTesting()],
        test: {
          ...shared,
          name: 'dom',
          include: ['test/renderer/**/*.dom.test.ts'],
          environment: 'happy-dom',
        },
      },
    ],
  },
});
