import { describe, expect, it } from 'vitest';
import { runQueue, type QueueTask } from '../../../main/engine/jobs/queue.ts';
import type { JobEvent } from '../../../main/engine/jobs/events.ts';
import { jobEventSchema } from '../../../main/host/protocol.ts';
import { HushError, type FileResult } from '../../../main/engine/types.ts';

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HushError('cancelled', 'cancelled'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new HushError('cancelled', 'cancelled'));
    }, { once: true });
  });

function result(path: string): FileResult {
  return { input: path, output: `${path}.out`, kind: 'image', strength: 25, seconds: 0.01 };
}

/** A task that reports a few stages while it sleeps, like a pipeline would. */
function task(path: string, ms: number, opts: { fail?: HushError; weight?: number; onStart?: () => void; onEnd?: () => void } = {}): QueueTask {
  return {
    path,
    weight: opts.weight ?? 1000,
    async run(ctx) {
      opts.onStart?.();
      try {
        ctx.progress('decoding', 0);
        await sleep(ms / 3, ctx.signal);
        ctx.progress('denoising', 0.4);
        await sleep(ms / 3, ctx.signal);
        if (opts.fail) throw opts.fail;
        ctx.progress('encoding', 0.9);
        await sleep(ms / 3, ctx.signal);
        return { status: 'done', result: result(path) };
      } finally {
        opts.onEnd?.();
      }
    },
  };
}

describe('job queue', () => {
  it('runs every file, emits well-formed events with a rising overall fraction, and summarises', async () => {
    const events: JobEvent[] = [];
    const summary = await runQueue([task('a', 30), task('b', 30), task('c', 30)], { onEvent: (e) => events.push(e) });
    expect(summary).toMatchObject({ total: 3, done: 3, failed: 0, cancelled: 0, wasCancelled: false });
    expect(summary.outcomes.map((o) => o.input)).toEqual(['a', 'b', 'c']);
    for (const e of events) expect(jobEventSchema.safeParse(e).success).toBe(true);
    const overall = events.map((e) => e.overall);
    for (let i = 1; i < overall.length; i++) expect(overall[i]).toBeGreaterThanOrEqual(overall[i - 1] - 1e-12);
    expect(overall.at(-1)).toBe(1);
    const stagesOfB = events.filter((e) => e.type === 'progress' && e.index === 1).map((e) => (e.type === 'progress' ? e.stage : ''));
    expect(stagesOfB).toEqual(['queued', 'decoding', 'denoising', 'encoding']);
    expect(events.filter((e) => e.type === 'file')).toHaveLength(3);
  });

  it('reports a bad file with its typed error and goes on with the batch', async () => {
    const summary = await runQueue([
      task('good1', 15),
      task('bad', 15, { fail: new HushError('corrupt-file', 'bad.jpg is truncated\n(premature end of JPEG)') }),
      task('good2', 15),
    ]);
    expect(summary).toMatchObject({ done: 2, failed: 1 });
    const bad = summary.outcomes[1];
    expect(bad.status).toBe('failed');
    if (bad.status === 'failed') {
      expect(bad.error.code).toBe('corrupt-file');
      expect(bad.error.message).not.toContain('\n'); // one line for people
    }
    // Non-Hush errors become 'internal', fs errors get a useful code.
    const other = await runQueue([
      { path: 'x', weight: 1, run: async () => { throw new Error('boom'); } },
      { path: 'y', weight: 1, run: async () => { throw Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC', syscall: 'write' }); } },
    ]);
    expect(other.outcomes.map((o) => (o.status === 'failed' ? o.error.code : o.status))).toEqual(['internal', 'output-unwritable']);
  });

  it('never runs more files at once than asked', async () => {
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 7 }, (_, i) =>
      task(`f${i}`, 30, { onStart: () => { running++; peak = Math.max(peak, running); }, onEnd: () => { running--; } }),
    );
    const summary = await runQueue(tasks, { concurrency: 3 });
    expect(summary.done).toBe(7);
    expect(peak).toBe(3);
  });

  it('cancels mid-batch: the running file is aborted, queued files are not started', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((p) => task(p, 90, { onStart: () => started.push(p) }));
    const events: JobEvent[] = [];
    const run = runQueue(tasks, {
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        // Cancel as soon as the second file is half way.
        if (e.type === 'progress' && e.index === 1 && e.stage === 'denoising') controller.abort();
      },
    });
    const summary = await run;
    expect(summary.wasCancelled).toBe(true);
    expect(summary.outcomes.map((o) => o.status)).toEqual(['done', 'cancelled', 'cancelled', 'cancelled']);
    expect(started).toEqual(['a', 'b']);
    for (const e of events) expect(jobEventSchema.safeParse(e).success).toBe(true);
  });

  it('estimates the time left from observed throughput', async () => {
    let t = 0;
    const etas: Array<number | null> = [];
    const tasks: QueueTask[] = Array.from({ length: 4 }, (_, i) => ({
      path: `f${i}`,
      weight: 100,
      async run(ctx) {
        ctx.progress('denoising', 0.5);
        t += 10_000; // each file takes 10 s of (fake) wall time
        return { status: 'done', result: result(`f${i}`) };
      },
    }));
    await runQueue(tasks, { now: () => t, onEvent: (e) => { if (e.type === 'file') etas.push(e.etaSeconds); } });
    // After 1, 2, 3 files at 10 s each: 30, 20, 10 s left; nothing left at the end.
    expect(etas.map((x) => (x === null ? null : Math.round(x)))).toEqual([30, 20, 10, 0]);
  });
});
