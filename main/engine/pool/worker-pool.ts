// A pool of inference workers (worker_threads), each with its own wasm backend and model copy.
// Jobs wait in two FIFO lanes — 'high' (previews: the slider must feel live) before 'normal' (batch
// tiles and audio blocks) — and go to whichever worker is idle. A worker that dies fails only the job
// it was running and is replaced; the pool carries on. Idle workers are unref()ed so a process with a
// live pool still exits; a worker holding a job keeps the process alive until it answers.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { HushError } from '../types.ts';
import type { GainsJob, ImageJob, ReadyReply, WorkerInit, WorkerReply } from './protocol.ts';

export type Priority = 'high' | 'normal';

/** A request as the pool queues it: the message minus its id, plus what to transfer. */
export type JobPayload = Omit<ImageJob, 'id'> | Omit<GainsJob, 'id'>;

export interface PoolOptions {
  /** Workers to start (default: poolSize()). */
  readonly size?: number;
  /** Worker script (tests inject a crashing one). Default: ./pool-worker-entry.mjs next to this file. */
  readonly entry?: string | URL;
}

/** Default size: the machine's parallelism, or $HUSH_WORKERS when set. */
export function poolSize(): number {
  const env = Number(process.env.HUSH_WORKERS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, os.availableParallelism());
}

const DEFAULT_ENTRY = new URL('./pool-worker-entry.mjs', import.meta.url);

/** False in bundles that did not ship the worker entry (the engine then runs models in-process). */
export function poolAvailable(entry: string | URL = DEFAULT_ENTRY): boolean {
  try {
    return existsSync(typeof entry === 'string' ? entry : fileURLToPath(entry));
  } catch {
    return false;
  }
}

interface Job {
  readonly id: number;
  readonly payload: JobPayload;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (data: Float32Array) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | undefined;
  /** When the current job was sent (performance.now()). */
  since: number;
  /** Replies to memory queries, by id. */
  queries: Map<number, (m: { numTensors: number; numBytes: number }) => void>;
}

export interface PoolMemory {
  readonly numTensors: number;
  readonly numBytes: number;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly lanes: Record<Priority, Job[]> = { high: [], normal: [] };
  private nextId = 1;
  private closed = false;
  /** How many jobs each priority has completed (tests and the bench read it). */
  readonly completed: Record<Priority, number> = { high: 0, normal: 0 };
  /** Workers replaced after a crash. */
  restarts = 0;
  /** Milliseconds workers spent holding a job, summed over workers (the bench reads utilisation). */
  busyMs = 0;

  private constructor(
    private readonly init: WorkerInit,
    private readonly entry: string | URL,
    readonly readyInfo: ReadyReply,
  ) {}

  /** Starts `size` workers and waits until every one has loaded its model. */
  static async start(init: WorkerInit, options: PoolOptions = {}): Promise<WorkerPool> {
    const size = Math.max(1, Math.floor(options.size ?? poolSize()));
    const entry = options.entry ?? DEFAULT_ENTRY;
    const workers = Array.from({ length: size }, () => new Worker(entry, { workerData: init }));
    const replies = await Promise.allSettled(workers.map((w) => waitReady(w)));
    const failed = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    const pool = new WorkerPool(init, entry, (replies[0] as PromiseFulfilledResult<ReadyReply>).value);
    for (const w of workers) pool.adopt(w);
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Jobs waiting (not yet sent to a worker). */
  get queued(): number {
    return this.lanes.high.length + this.lanes.normal.length;
  }

  /** Queue a job; resolves with the worker's result buffer (transferred, not copied). */
  run(payload: JobPayload, transfer: ArrayBuffer[], priority: Priority = 'normal'): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new HushError('internal', 'the inference pool has been shut down'));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        payload,
        transfer,
        resolve: (d) => {
          this.completed[priority]++;
          resolve(d);
        },
        reject,
      };
      this.lanes[priority].push(job);
      this.dispatch();
    });
  }

  /** tf.memory() of every worker (answered between jobs). */
  memory(): Promise<PoolMemory[]> {
    return Promise.all(
      this.slots.map(
        (s) =>
          new Promise<PoolMemory>((resolve) => {
            const id = this.nextId++;
            s.queries.set(id, resolve);
            s.worker.ref(); // keep the process alive until it answers
            s.worker.postMessage({ type: 'memory', id });
          }),
      ),
    );
  }

  /** Fails queued and running jobs and stops every worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new HushError('cancelled', 'the inference pool was shut down');
    for (const job of [...this.lanes.high, ...this.lanes.normal]) job.reject(err);
    this.lanes.high.length = 0;
    this.lanes.normal.length = 0;
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.job?.reject(err);
      s.job = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private adopt(worker: Worker): Slot {
    const slot: Slot = { worker, ready: true, job: undefined, since: 0, queries: new Map() };
    worker.on('message', (m: WorkerReply) => this.onReply(slot, m));
    // 'error' (uncaught exception in the worker) is always followed by 'exit'.
    let lastError: Error | undefined;
    worker.on('error', (e) => {
      lastError = e;
    });
    worker.on('exit', (code) => this.onExit(slot, code, lastError));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.slots.push(slot);
    this.dispatch();
    return slot;
  }

  private onReply(slot: Slot, m: WorkerReply): void {
    if (m.type === 'memory') {
      slot.queries.get(m.id)?.({ numTensors: m.numTensors, numBytes: m.numBytes });
      slot.queries.delete(m.id);
      if (!slot.job && slot.queries.size === 0) slot.worker.unref();
      return;
    }
    if (m.type === 'ready') return;
    const job = slot.job;
    if (!job || m.id !== job.id) return;
    slot.job = undefined;
    this.busyMs += performance.now() - slot.since;
    if (slot.queries.size === 0) slot.worker.unref();
    if (m.type === 'result') job.resolve(m.data);
    else job.reject(new HushError('internal', `inference failed: ${m.message}`));
    this.dispatch();
  }

  private onExit(slot: Slot, code: number, error: Error | undefined): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // closed on purpose
    this.slots.splice(i, 1);
    const why = error ? `: ${error.message}` : '';
    slot.job?.reject(new HushError('internal', `an inference worker stopped unexpectedly (exit code ${code})${why}`, error ? { cause: error } : undefined));
    slot.job = undefined;
    for (const q of slot.queries.values()) q({ numTensors: -1, numBytes: -1 });
    if (this.closed) return;
    // Replace it; jobs queue meanwhile. A replacement that cannot load fails what is waiting.
    this.restarts++;
    const w = new Worker(this.entry, { workerData: this.init });
    w.unref();
    waitReady(w).then(
      () => {
        if (this.closed) void w.terminate();
        else this.adopt(w);
      },
      (err: Error) => {
        void w.terminate();
        if (this.slots.length === 0) {
          const e = new HushError('internal', `the inference pool could not restart a worker: ${err.message}`, { cause: err });
          for (const job of [...this.lanes.high.splice(0), ...this.lanes.normal.splice(0)]) job.reject(e);
        }
      },
    );
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job || !slot.ready) continue;
      const job = this.lanes.high.shift() ?? this.lanes.normal.shift();
      if (!job) return;
      slot.job = job;
      slot.since = performance.now();
      // A busy worker keeps the process alive until it answers.
      slot.worker.ref();
      slot.worker.postMessage({ ...job.payload, id: job.id }, job.transfer);
    }
  }
}

function waitReady(worker: Worker): Promise<ReadyReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerReply): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve(m);
      } else if (m.type === 'error') {
        cleanup();
        reject(new HushError('internal', m.message));
      }
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new HushError('internal', `an inference worker exited while loading (exit code ${code})`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
