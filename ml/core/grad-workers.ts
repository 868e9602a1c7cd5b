// Data-parallel gradients on worker threads. In Node the wasm backend runs one thread, so to use
// both cores a batch is split into shards: the main thread computes one shard, each worker (its own
// wasm backend and model copy, sent the current weights every step) another; the shard gradients
// are averaged, weighted by shard size. With mean losses and equal-sized samples this equals the
// full-batch gradient (BatchNorm layers would see per-shard statistics: avoid them here).
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { LossSpec } from './losses.ts';
import { lossFn, weightedLoss } from './losses.ts';
import { weightPenalty } from './regularizers.ts';
import type { Batch, BatchTensor, RawTensor } from './train.ts';

export interface WorkerOptions {
  /** Gradient computers including the main thread (2 = main + 1 worker). ≤ 1 disables. */
  readonly count: number;
  /** Modules (paths or file: URLs) each worker imports first, e.g. to register custom layers. */
  readonly setup?: readonly string[];
  readonly wasmDir?: string;
}

export interface WorkerInit {
  readonly topology: string;
  readonly loss: LossSpec;
  readonly setup: readonly string[];
  readonly wasmDir?: string;
}

export interface WorkerStep {
  readonly type: 'step';
  readonly id: number;
  readonly weights: Float32Array[];
  readonly inputs: RawTensor[];
  readonly target: RawTensor;
  /** Per-sample loss weights for this shard, if the batch has them. */
  readonly weight?: RawTensor;
}

export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'grads'; readonly id: number; readonly loss: number; readonly grads: Float32Array[]; readonly tensors: number }
  | { readonly type: 'error'; readonly id?: number; readonly message: string };

function raw(t: BatchTensor): RawTensor {
  if (t instanceof tf.Tensor) return { data: t.dataSync() as Float32Array, shape: t.shape };
  return t;
}

/** Rows [start, start+n) of a batch-first tensor. */
function rows(t: RawTensor, start: number, n: number): RawTensor {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: t.data.subarray(start * per, (start + n) * per), shape: [n, ...t.shape.slice(1)] };
}

class WorkerHandle {
  private pending = new Map<number, { resolve: (r: { loss: number; grads: Float32Array[]; tensors: number }) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'grads') {
        this.pending.get(m.id)?.resolve({ loss: m.loss, grads: m.grads, tensors: m.tensors });
        this.pending.delete(m.id);
      } else if (m.type === 'error') {
        const e = new Error(`gradient worker: ${m.message}`);
        if (m.id !== undefined) {
          this.pending.get(m.id)?.reject(e);
          this.pending.delete(m.id);
        }
      }
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`gradient worker exited with code ${code}`));
    });
  }

  static start(init: WorkerInit): Promise<WorkerHandle> {
    const entry = fileURLToPath(new URL('./grad-worker-entry.mjs', import.meta.url));
    const worker = new Worker(entry, { workerData: init });
    return new Promise((resolve, reject) => {
      const onMsg = (m: WorkerReply) => {
        if (m.type === 'ready') {
          worker.off('message', onMsg);
          worker.off('error', reject);
          resolve(new WorkerHandle(worker));
        } else if (m.type === 'error') reject(new Error(m.message));
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
    });
  }

  run(step: WorkerStep): Promise<{ loss: number; grads: Float32Array[]; tensors: number }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(step.id, { resolve, reject });
      this.worker.postMessage(step);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export class GradientWorkerPool {
  private nextId = 0;
  /** Cumulative milliseconds: main-thread shard, then waiting for the workers after it. */
  readonly timing = { localMs: 0, waitMs: 0, steps: 0 };
  /** Live tensors in each worker after its last step: flat from step to step, or the worker leaks. */
  workerTensors: number[] = [];

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly loss: LossSpec,
    private readonly workers: WorkerHandle[],
  ) {}

  static async create(model: tf.LayersModel, loss: LossSpec, opts: WorkerOptions): Promise<GradientWorkerPool> {
    const init: WorkerInit = {
      topology: JSON.stringify(model.toJSON(null, false)),
      loss,
      setup: opts.setup ?? [],
      ...(opts.wasmDir !== undefined ? { wasmDir: opts.wasmDir } : {}),
    };
    const n = Math.max(0, opts.count - 1);
    const workers = await Promise.all(Array.from({ length: n }, () => WorkerHandle.start(init)));
    return new GradientWorkerPool(model, loss, workers);
  }

  get size(): number {
    return this.workers.length + 1;
  }

  /** Loss (reconstruction + penalty) and full-batch gradients keyed by variable name. */
  async gradients(
    batch: Batch,
    variables: tf.Variable[],
    penalty: { l1: number; l2: number; variables: readonly tf.Variable[] },
  ): Promise<{ loss: number; grads: Record<string, tf.Tensor> }> {
    const inputsT = Array.isArray(batch.input) ? (batch.input as BatchTensor[]) : [batch.input as BatchTensor];
    const inputs = inputsT.map(raw);
    const target = raw(batch.target);
    const weight = batch.weight === undefined ? undefined : raw(batch.weight);
    for (const t of [...inputsT, batch.target, ...(batch.weight === undefined ? [] : [batch.weight])]) if (t instanceof tf.Tensor) t.dispose();
    const total = target.shape[0];
    const parts = Math.min(this.size, total);
    // Shard sizes differ by at most one; the main thread takes the first shard.
    const sizes = Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const weights = variables.map((v) => v.dataSync() as Float32Array);
    const remote = sizes.slice(1).map((n, k) =>
      this.workers[k].run({
        type: 'step',
        id: this.nextId++,
        weights: weights.map((w) => w.slice()),
        inputs: inputs.map((t) => copyRaw(rows(t, starts[k + 1], n))),
        target: copyRaw(rows(target, starts[k + 1], n)),
        ...(weight === undefined ? {} : { weight: copyRaw(rows(weight, starts[k + 1], n)) }),
      }),
    );
    // Main thread's shard, computed while the workers run.
    const tLocal = performance.now();
    const local = tf.tidy(() => {
      const xs = inputs.map((t) => tf.tensor(rows(t, 0, sizes[0]).data, [sizes[0], ...t.shape.slice(1)], 'float32'));
      const y = tf.tensor(rows(target, 0, sizes[0]).data, [sizes[0], ...target.shape.slice(1)], 'float32');
      const w = weight === undefined ? undefined : tf.tensor(rows(weight, 0, sizes[0]).data, [sizes[0]], 'float32');
      const f = lossFn(this.loss);
      const { value, grads } = tf.variableGrads(() => {
        const pred = this.model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor;
        return w === undefined ? f(pred, y) : weightedLoss(this.loss, pred, y, w);
      }, variables);
      return { value, grads };
    });
    local.value.dataSync(); // the wasm backend is synchronous; this only fixes the timing point
    const tWait = performance.now();
    const results = await Promise.all(remote);
    this.workerTensors = results.map((r) => r.tensors);
    this.timing.localMs += tWait - tLocal;
    this.timing.waitMs += performance.now() - tWait;
    this.timing.steps++;
    const w0 = sizes[0] / total;
    let lossValue = local.value.dataSync()[0] * w0;
    local.value.dispose();
    const out: Record<string, tf.Tensor> = {};
    variables.forEach((v, i) => {
      const acc = new Float32Array(v.size);
      const g0 = local.grads[v.name];
      if (g0 !== undefined) {
        const d = g0.dataSync();
        for (let j = 0; j < acc.length; j++) acc[j] = d[j] * w0;
      }
      results.forEach((r, k) => {
        const wk = sizes[k + 1] / total;
        const d = r.grads[i];
        for (let j = 0; j < acc.length; j++) acc[j] += d[j] * wk;
      });
      out[v.name] = tf.tensor(acc, v.shape, 'float32');
    });
    tf.dispose(Object.values(local.grads));
    results.forEach((r, k) => (lossValue += r.loss * (sizes[k + 1] / total)));
    if (penalty.l1 > 0 || penalty.l2 > 0) {
      const pen = tf.variableGrads(() => weightPenalty(penalty.variables, penalty), variables);
      lossValue += pen.value.dataSync()[0];
      for (const [k, g] of Object.entries(pen.grads)) {
        const sum = out[k] === undefined ? g.clone() : tf.add(out[k], g);
        out[k]?.dispose();
        out[k] = sum;
      }
      tf.dispose([pen.value, ...Object.values(pen.grads)]);
    }
    return { loss: lossValue, grads: out };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

function copyRaw(t: RawTensor): RawTensor {
  return { data: t.data.slice(), shape: t.shape };
}
