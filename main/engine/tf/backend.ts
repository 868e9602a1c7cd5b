// TF.js backend selection: the fastest backend this machine has, chosen once per process.
// Order: tfjs-node-gpu → tfjs-node (native, optional deps) → wasm (SIMD) → pure-JS cpu.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerWasmKernels } from './wasm-kernels.ts';
import { installThreadedWasmShim, threadedWasmAvailable } from './wasm-threads.ts';

export type BackendName = 'tensorflow' | 'tensorflow-gpu' | 'wasm' | 'cpu';

export interface BackendInfo {
  readonly name: BackendName;
  /** wasm only: whether the SIMD build is in use. */
  readonly simd?: boolean;
  readonly threads: number;
  /** Version of tfjs-core in use. */
  readonly version: string;
}

export interface BackendOptions {
  /** Folder holding tfjs-backend-wasm*.wasm (the packaged app keeps them outside the asar). */
  wasmDir?: string;
  /**
   * wasm threads (XNNPACK pool). Default 1: the single-threaded SIMD build, which leaves cores to
   * worker pools. > 1 runs the threaded SIMD build in Node through the shim in wasm-threads.ts.
   */
  threads?: number;
  /** 'auto' tries native backends first; 'wasm' skips them; 'cpu' forces the pure-JS backend. */
  prefer?: 'auto' | 'wasm' | 'cpu';
  /**
   * Replace wasm's slow/missing Conv2DBackpropInput/Filter, MaxPoolGrad and DepthToSpace kernels
   * with the fast, checked ones in wasm-kernels.ts (default true; false only to measure the stock ones).
   */
  fastKernels?: boolean;
}

let pending: Promise<BackendInfo> | undefined;
let current: BackendInfo | undefined;

/** Folder of the wasm binaries shipped in node_modules, or undefined if it cannot be found. */
export function defaultWasmDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    return existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<boolean> {
  try {
    // Optional dependency: absent on most machines. The variable keeps bundlers from resolving it.
    const name: string = pkg;
    await import(name);
    // The native package registers 'tensorflow' with the shared tfjs-core on import.
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(opts: BackendOptions): Promise<boolean> {
  try {
    if (opts.fastKernels ?? true) registerWasmKernels();
    // setWasmPaths only matters before the wasm backend is first initialised.
    // (tf.findBackend would initialise it as a side effect, so look at the registry instead.)
    const threads = Math.floor(opts.threads ?? 1);
    const threaded = threads > 1 && threadedWasmAvailable();
    if (tf.engine().registry['wasm'] === undefined) {
      const dir = opts.wasmDir ?? process.env.HUSH_WASM_DIR ?? defaultWasmDir();
      if (dir !== undefined) setWasmPaths(dir.endsWith('/') || dir.endsWith(path.sep) ? dir : dir + '/');
      if (threaded) {
        installThreadedWasmShim();
        setThreadsCount(threads);
      }
    }
    if (!threaded) return await tf.setBackend('wasm');
    // The backend caps its pool at (logical cores)/2, read through os.cpus() in Node; report
    // enough cores for the requested count while it initialises. The pthread workers are
    // unref()ed, so keep the event loop alive until they have loaded.
    const realCpus = os.cpus;
    const keepAlive = setInterval(() => {}, 1000);
    os.cpus = () => {
      const c = realCpus();
      return Array.from({ length: Math.max(c.length, 2 * threads) }, (_, i) => c[i % c.length]);
    };
    try {
      const ok = await tf.setBackend('wasm');
      // XNNPACK's pool threads idle on a futex forever; unref them so they never hold the process open.
      const pthreads = (tf.backend() as unknown as { wasm?: { PThread?: { unusedWorkers?: { unref?: () => void }[]; runningWorkers?: { unref?: () => void }[] } } }).wasm?.PThread;
      for (const w of [...(pthreads?.unusedWorkers ?? []), ...(pthreads?.runningWorkers ?? [])]) w.unref?.();
      return ok;
    } finally {
      os.cpus = realCpus;
      clearInterval(keepAlive);
    }
  } catch {
    return false;
  }
}

function describe(name: BackendName): BackendInfo {
  const version = tf.version_core;
  if (name === 'wasm') {
    const multi = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return { name, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: multi ? getThreadsCount() : 1, version };
  }
  if (name === 'cpu') return { name, threads: 1, version };
  return { name, threads: os.cpus().length, version };
}

async function select(opts: BackendOptions): Promise<BackendInfo> {
  const prefer = opts.prefer ?? 'auto';
  if (prefer === 'auto') {
    if (await tryNative('@tensorflow/tfjs-node-gpu')) return describe('tensorflow-gpu');
    if (await tryNative('@tensorflow/tfjs-node')) return describe('tensorflow');
  }
  if (prefer !== 'cpu' && (await tryWasm(opts))) return describe('wasm');
  if (await tf.setBackend('cpu')) return describe('cpu');
  throw new Error('No TF.js backend could be initialised (tried native, wasm and cpu).');
}

/**
 * Picks and initialises the backend. Idempotent: later calls return the first call's result, whatever
 * their options (a process has one backend; pick it at start-up).
 */
export function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  pending ??= select(opts).then(
    (info) => {
      current = info;
      return info;
    },
    (err: unknown) => {
      pending = undefined; // allow a retry after a failure
      throw err;
    },
  );
  return pending;
}

/** The backend chosen by initBackend, or undefined before it has finished. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}
