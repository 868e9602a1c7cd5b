// Makes tfjs-backend-wasm's threaded SIMD build run in plain Node (tfjs disables it there).
// Three shims, all installed before the backend initialises:
//  1. the WASM_HAS_MULTITHREAD_SUPPORT flag is forced on (Node has SharedArrayBuffer and atomics);
//  2. Emscripten starts its pthread workers from a `blob:` URL, which worker_threads rejects, so
//     worker_threads.Worker is wrapped to start those from the worker source with `eval: true`;
//  3. the workers are told to load the glue from a Blob, which they cannot read in Node, so the
//     'load' message is rewritten to name the glue file in the package instead.
// Emscripten already unref()s idle pool workers, so they do not keep the process alive.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm'; // registers the WASM_* flags set below
import workerThreads from 'node:worker_threads';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';

let installed = false;

function wasmOutDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

/** True when the files the shim needs are present. */
export function threadedWasmAvailable(): boolean {
  try {
    const dir = wasmOutDir();
    return existsSync(path.join(dir, 'tfjs-backend-wasm-threaded-simd.js')) && existsSync(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js'));
  } catch {
    return false;
  }
}

export function installThreadedWasmShim(): void {
  if (installed) return;
  const dir = wasmOutDir();
  const glue = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  // The package ships the worker source as `module.exports.wasmWorkerContents = \`…\``.
  const require = createRequire(import.meta.url);
  // Its "\n" escapes became real newlines inside string literals: restore them (as tfjs does).
  const workerSource = (require(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }).wasmWorkerContents.replace(/\n/g, '\\n');
  const Real = workerThreads.Worker;
  class PthreadWorker extends Real {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      const blob = typeof filename === 'string' && filename.startsWith('blob:');
      super(blob ? workerSource : filename, blob ? { ...options, eval: true } : options);
      if (blob) {
        const post = this.postMessage.bind(this);
        this.postMessage = (msg: unknown, transfer?: readonly workerThreads.TransferListItem[]) => {
          const m = msg as { cmd?: string; urlOrBlob?: unknown };
          if (m !== null && typeof m === 'object' && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') msg = { ...m, urlOrBlob: glue };
          post(msg, transfer);
        };
      }
    }
  }
  (workerThreads as { Worker: typeof Real }).Worker = PthreadWorker;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  installed = true;
}
