// The two ends of the pipe between a parent and the engine process, independent of how the process
// was started: Node's child_process.fork (CLI, tests, web bridge) or Electron's utilityProcess.fork
// (desktop app). Nothing here imports `electron`; Electron objects are described structurally.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Parent side: a running engine process. */
export interface EngineChild {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has gone (exit code and/or signal). */
  onExit(listener: (info: { code: number | null; signal: string | null }) => void): void;
  kill(): void;
  /** The last lines the process wrote to stderr (crash diagnostics), where stderr is piped. */
  stderrTail(): string;
}

export type SpawnEngine = () => EngineChild;

/** Path of the engine process entry (TypeScript; run through tsx in Node). */
export const ENGINE_ENTRY = fileURLToPath(new URL('./engine-process.ts', import.meta.url));

/** tsx's loader resolved from here, so the child finds it whatever the caller's working folder. */
function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

const STDERR_KEEP = 8192;

function keepTail(stream: NodeJS.ReadableStream | null | undefined, echo: boolean): () => string {
  let tail = '';
  stream?.on('data', (chunk: Buffer | string) => {
    const text = chunk.toString();
    if (echo) process.stderr.write(text);
    tail = (tail + text).slice(-STDERR_KEEP);
  });
  return () => tail;
}

export interface ForkOptions {
  /** Extra Node flags for the child, e.g. ['--max-old-space-size=512']. */
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Copy the child's stderr to ours (default false: it is kept for crash reports only). */
  readonly echoStderr?: boolean;
  readonly entry?: string;
  /**
   * Own process group, so a Ctrl-C or a group SIGTERM meant for the parent does not kill the engine
   * mid-file (`hush worker` finishes its running job first). It still exits when the parent dies.
   */
  readonly detached?: boolean;
}

/** Start the engine as a Node child process running the TypeScript entry through tsx. */
export function forkNodeEngine(options: ForkOptions = {}): EngineChild {
  const child: ChildProcess = fork(options.entry ?? ENGINE_ENTRY, [], {
    execArgv: ['--import', tsxLoader(), ...(options.execArgv ?? [])],
    env: options.env ?? process.env,
    // Structured clone instead of JSON: previews carry Uint8Array/Float32Array as they are.
    serialization: 'advanced',
    // The engine has nothing to say on stdout (TF.js chatter goes there): keep it out of the
    // caller's output, but in the crash report.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    ...(options.detached ? { detached: true } : {}),
  });
  const stderrTail = keepTail(child.stderr, options.echoStderr ?? false);
  child.stdout?.resume(); // drain, so a chatty engine never blocks on a full pipe
  return {
    get pid() {
      return child.pid;
    },
    postMessage(message) {
      if (child.connected) child.send(message as object);
    },
    onMessage(listener) {
      child.on('message', listener);
    },
    onExit(listener) {
      // 'exit' can fire before stderr is drained; 'close' waits for the streams.
      child.once('close', (code, signal) => listener({ code, signal }));
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    stderrTail,
  };
}

/** What EngineClient needs from Electron's UtilityProcess (structural, so no electron import). */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

/**
 * Wrap an Electron UtilityProcess (started with `stdio: 'pipe'` so crash reports get stderr), e.g.
 * `new EngineClient({ spawn: () => adaptUtilityProcess(utilityProcess.fork(entry, [], { stdio: 'pipe' })) })`.
 */
export function adaptUtilityProcess(proc: UtilityProcessLike): EngineChild {
  const stderrTail = keepTail(proc.stderr, false);
  let exited = false;
  return {
    get pid() {
      return proc.pid;
    },
    postMessage(message) {
      if (!exited) proc.postMessage(message);
    },
    onMessage(listener) {
      proc.on('message', listener);
    },
    onExit(listener) {
      proc.on('exit', (code) => {
        exited = true;
        listener({ code, signal: null });
      });
    },
    kill() {
      if (!exited) proc.kill();
    },
    stderrTail,
  };
}

/** Child side: the connection to the parent, whichever way this process was started. */
export interface ParentLink {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the parent goes away (Node IPC disconnect); Electron kills the process itself. */
  onDisconnect(listener: () => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

export function connectToParent(): ParentLink {
  const parentPort = (process as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      post: (message) => parentPort.postMessage(message),
      onMessage: (listener) => {
        parentPort.on('message', (event) => listener(event.data));
      },
      onDisconnect: () => {},
    };
  }
  if (typeof process.send !== 'function') {
    throw new Error('engine-process must be started by a parent (child_process.fork or utilityProcess.fork)');
  }
  return {
    post: (message) => {
      if (process.connected) process.send?.(message as object);
    },
    onMessage: (listener) => {
      process.on('message', listener);
    },
    onDisconnect: (listener) => {
      process.on('disconnect', listener);
    },
  };
}
