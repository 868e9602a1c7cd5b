// The engine in an Electron utilityProcess: the same entry and message protocol as the CLI's Node
// child process (main/host/engine-process.ts, built to dist/engine/engine-process.js), supervised so
// a crash is reported to the window and the engine comes back.
import type { UtilityProcess } from 'electron';
import { EngineClient } from '../host/engine-client.ts';
import { adaptUtilityProcess } from '../host/transport.ts';
import { EngineSupervisor } from '../ipc/engine-supervisor.ts';

export interface EngineProcessPaths {
  /** Built engine entry (JavaScript). */
  readonly entry: string;
  /** Folder holding models/ (process.resourcesPath in the packaged app). */
  readonly resourcesDir: string;
  /** Folder holding the tfjs-backend-wasm *.wasm files, where they are not in node_modules. */
  readonly wasmDir?: string;
}

export type ForkUtility = (modulePath: string, args: string[], options: Electron.ForkOptions) => UtilityProcess;

/** Options for utilityProcess.fork (exported for the wiring test). */
export function engineForkOptions(paths: EngineProcessPaths, env: NodeJS.ProcessEnv): Electron.ForkOptions {
  return {
    serviceName: 'Hush engine',
    // stderr is piped so a crash report can quote what the engine said last.
    stdio: ['ignore', 'inherit', 'pipe'],
    env: {
      ...env,
      HUSH_RESOURCES_DIR: paths.resourcesDir,
      ...(paths.wasmDir ? { HUSH_WASM_DIR: paths.wasmDir } : {}),
    },
  };
}

export function startEngineProcess(fork: ForkUtility, paths: EngineProcessPaths, env: NodeJS.ProcessEnv = process.env): EngineSupervisor {
  const client = new EngineClient({ spawn: () => adaptUtilityProcess(fork(paths.entry, [], engineForkOptions(paths, env))) });
  const supervisor = new EngineSupervisor(client);
  supervisor.start();
  return supervisor;
}
