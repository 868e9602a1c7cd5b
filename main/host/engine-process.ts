// Entry of the engine process. Run as a Node child process (child_process.fork with tsx) by the CLI,
// the web bridge and the tests, and unchanged as an Electron utilityProcess by the desktop app.
// Settings come from the environment so both launchers can pass them the same way:
//   HUSH_RESOURCES_DIR  folder with models/ (default: the repository's resources/)
//   HUSH_BACKEND        auto | wasm | cpu (default auto)
import { createEngine } from '../engine/engine.ts';
import type { EngineApi } from '../engine/engine-api.ts';
import { serveEngine } from './engine-server.ts';
import { connectToParent } from './transport.ts';

const backendEnv = process.env.HUSH_BACKEND;
const backend = backendEnv === 'wasm' || backendEnv === 'cpu' ? backendEnv : 'auto';

let engine: Promise<EngineApi> | undefined;
const getEngine = (): Promise<EngineApi> => {
  if (engine) return engine;
  const starting: Promise<EngineApi> = createEngine({ backend, ...(process.env.HUSH_RESOURCES_DIR ? { resourcesDir: process.env.HUSH_RESOURCES_DIR } : {}) });
  engine = starting;
  // A failed start (e.g. no backend) is reported to that call, and the next call tries again.
  starting.catch(() => {
    if (engine === starting) engine = undefined;
  });
  return starting;
};

// Something escaped every handler: the engine's state is unknown, so leave and let the parent
// report a crash and start a fresh process, rather than answer calls from a broken one.
process.on('uncaughtException', (err) => {
  process.stderr.write(`hush engine: uncaught exception: ${err.stack ?? String(err)}\n`);
  process.exit(70);
});
process.on('unhandledRejection', (err) => {
  process.stderr.write(`hush engine: unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(70);
});

serveEngine(connectToParent(), getEngine);
