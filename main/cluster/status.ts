// `hush status` and `hush retry-failed`: what the queue holds, who works on it, how fast, and what
// failed (with the last reason); failed jobs can be put back for another try.
import { Job, Queue } from 'bullmq';
import { z } from 'zod';
import { connect, jobDataSchema, keys, parseReason, PREFIX } from './schema.ts';
import { batchCounts, type BatchCounts } from './submit.ts';

export const statusSchema = z.strictObject({
  queue: z.string(),
  counts: z.strictObject({ waiting: z.number(), active: z.number(), done: z.number(), failed: z.number(), delayed: z.number() }),
  workers: z.array(z.strictObject({ name: z.string(), address: z.string(), idleSeconds: z.number() })),
  /** Files finished per minute over the last minutes (null until a worker has reported metrics). */
  filesPerMinute: z.number().nullable(),
  batches: z.array(z.strictObject({ id: z.string(), outDir: z.string(), total: z.number(), done: z.number(), skipped: z.number(), failed: z.number() })),
  failed: z.array(z.strictObject({ jobId: z.string(), input: z.string(), code: z.string(), message: z.string(), attempts: z.number() })),
});
export type QueueStatus = z.infer<typeof statusSchema>;

/** Failed jobs listed in a status (the counts always cover all of them). */
const FAILED_SHOWN = 50;
/** Minutes of worker metrics the throughput is averaged over. */
const RATE_MINUTES = 5;

export async function queueStatus(redisUrl: string, queueName: string): Promise<QueueStatus> {
  const redis = connect(redisUrl);
  const queue = new Queue(queueName, { prefix: PREFIX, connection: redis });
  try {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'paused', 'active', 'completed', 'failed', 'delayed');
    const workers = await queue.getWorkers();
    const metrics = await queue.getMetrics('completed', 0, RATE_MINUTES - 1);
    // Each point is one minute's count, newest first; the current minute is still filling.
    const points = metrics.data.slice(0, RATE_MINUTES).filter((x) => Number.isFinite(x));
    const filesPerMinute = metrics.meta.count > 0 && points.length ? points.reduce((a, b) => a + b, 0) / points.length : null;
    const k = keys(queueName);
    const batches: QueueStatus['batches'] = [];
    for (const id of await redis.smembers(k.batches)) {
      const outDir = (await redis.hget(k.batch(id), 'outDir')) ?? '?';
      const n: BatchCounts = await batchCounts(redis, queueName, id);
      batches.push({ id, outDir, ...n });
    }
    const failed = (await queue.getFailed(0, FAILED_SHOWN - 1)).map((job) => {
      const data = jobDataSchema.safeParse(job.data);
      const error = parseReason(job.failedReason);
      return { jobId: job.id ?? '', input: data.success ? data.data.input : '?', code: error.code, message: error.message, attempts: job.attemptsMade };
    });
    return {
      queue: queueName,
      counts: { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0), active: c.active ?? 0, done: c.completed ?? 0, failed: c.failed ?? 0, delayed: c.delayed ?? 0 },
      workers: workers.map((w) => ({ name: String(w.name ?? '?'), address: String(w.addr ?? '?'), idleSeconds: Number(w.idle ?? 0) })),
      filesPerMinute,
      batches,
      failed,
    };
  } finally {
    await queue.close();
    await redis.quit().catch(() => {});
  }
}

/** Put every failed job back in the queue with fresh attempts; returns how many. */
export async function retryFailed(redisUrl: string, queueName: string): Promise<number> {
  const redis = connect(redisUrl);
  const queue = new Queue(queueName, { prefix: PREFIX, connection: redis });
  const k = keys(queueName);
  let n = 0;
  try {
    // A snapshot of the ids first: a retried job can fail again at once (a bad input) and must not
    // be retried in a loop.
    const ids = await redis.zrange(`${PREFIX}:${queueName}:failed`, 0, -1);
    for (const id of ids) {
      const job = await Job.fromId(queue, id);
      if (!job || !(await job.isFailed())) continue;
      // Out of the batch's failed set before the retry: the retried job may fail again at once.
      const data = jobDataSchema.safeParse(job.data);
      const batch = data.success ? data.data.batch : undefined;
      if (batch) await redis.srem(k.failed(batch), id);
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      } catch (err) {
        if (batch) await redis.sadd(k.failed(batch), id);
        throw err;
      }
      n++;
    }
    return n;
  } finally {
    await queue.close();
    await redis.quit().catch(() => {});
  }
}

export function formatStatus(s: QueueStatus): string {
  const lines = [
    `queue ${s.queue}: ${s.counts.waiting} waiting, ${s.counts.active} active, ${s.counts.done} done, ${s.counts.failed} failed${s.counts.delayed ? `, ${s.counts.delayed} waiting to retry` : ''}`,
    `workers: ${s.workers.length}${s.workers.length ? ` (${s.workers.map((w) => w.name).join(', ')})` : ''}`,
    `throughput: ${s.filesPerMinute === null ? 'not measured yet' : `${Math.round(s.filesPerMinute * 10) / 10} files/min (last ${RATE_MINUTES} min)`}`,
    ...s.batches.map((b) => `batch ${b.id} -> ${b.outDir}: ${b.done} done, ${b.skipped} skipped, ${b.failed} failed of ${b.total}`),
    ...s.failed.map((f) => `FAILED   ${f.input}: ${f.message} [${f.code}]`),
  ];
  if (s.counts.failed > s.failed.length) lines.push(`... and ${s.counts.failed - s.failed.length} more failed`);
  return lines.join('\n');
}
