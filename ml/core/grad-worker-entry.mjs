// Worker-thread bootstrap: the worker logic is TypeScript, so load it through tsx's scoped loader
// (worker_threads do not inherit the parent's `tsx` hooks in every setup, e.g. under vitest).
import { tsImport } from 'tsx/esm/api';

await tsImport('./grad-worker.ts', import.meta.url);
