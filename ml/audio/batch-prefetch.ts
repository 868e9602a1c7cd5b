// Runs ml/audio/batch-worker.ts in a worker thread and keeps `depth` batches in flight ahead of
// the training step that will need them.
import { Worker } from 'node:worker_threads';
import type { BatchMessage, BatchWorkerData } from './batch-worker.ts';

export class BatchPrefetcher {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (m: BatchMessage) => void; reject: (e: Error) => void; promise: Promise<BatchMessage> }>();
  private readonly ready: Promise<void>;
  private failure: Error | undefined;

  constructor(data: BatchWorkerData, private readonly depth = 2) {
    // The worker is TypeScript: register tsx's loader inside it first (hooks are per thread).
    const api = import.meta.resolve('tsx/esm/api');
    const url = new URL('./batch-worker.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
    this.worker = new Worker(code, { eval: true, workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: BatchMessage | { ready: true }) => {
        if ('ready' in m) return resolve();
        const p = this.pending.get(m.step);
        if (p) p.resolve(m);
      });
      this.worker.on('error', (e) => {
        this.failure = e;
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
      });
    });
  }

  private request(step: number): Promise<BatchMessage> {
    let entry = this.pending.get(step);
    if (!entry) {
      let resolve!: (m: BatchMessage) => void, reject!: (e: Error) => void;
      const promise = new Promise<BatchMessage>((res, rej) => ((resolve = res), (reject = rej)));
      entry = { resolve, reject, promise };
      this.pending.set(step, entry);
      if (this.failure) reject(this.failure);
      else void this.ready.then(() => this.worker.postMessage({ step }), () => undefined);
    }
    return entry.promise;
  }

  /** The batch for `step`; also queues the next `depth` steps. */
  async get(step: number, lastStep: number): Promise<BatchMessage> {
    for (let s = step; s < Math.min(lastStep, step + this.depth + 1); s++) void this.request(s).catch(() => undefined);
    const m = await this.request(step);
    this.pending.delete(step);
    return m;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
