// Worker-thread bootstrap for the inference pool: the worker logic is TypeScript, loaded through
// tsx's scoped loader (worker_threads do not inherit the parent's loader hooks in every setup).
import { tsImport } from 'tsx/esm/api';

const { serveWorker } = await tsImport('./pool-worker.ts', import.meta.url);
serveWorker();
