// Entry of the inference worker in the desktop app's bundle (dist/engine/pool-worker-entry.mjs, next to
// the bundled engine entry, where worker-pool.ts looks for it). In a source checkout the .mjs beside
// this file loads pool-worker.ts through tsx instead.
import { serveWorker } from './pool-worker.ts';

serveWorker();
