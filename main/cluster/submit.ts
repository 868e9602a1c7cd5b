// `hush submit`: walk the inputs (streamed, same order and rules as `hush denoise`) and add one job
// per file in chunks, so a batch of 10⁵ files is never held in memory; `--wait` then follows the
// batch to the end from counters kept in Redis (it survives Redis restarts: every call waits for the
// connection to return).
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { iterateFiles } from '../cli/collect-files.ts';
import type { ErrorInfo } from '../engine/jobs/events.ts';
import {
  batchIdFor, connect, DEFAULT_ATTEMPTS, jobIdFor, keys, parseReason, PREFIX, SUBMIT_CHUNK, type BatchOptions, type JobData,
} from './schema.ts';

export interface SubmitRequest {
  readonly redisUrl: string;
  readonly queue: string;
  readonly inputs: readonly string[];
  readonly recursive: boolean;
  readonly options: BatchOptions;
  readonly attempts?: number;
  /** Told about connection loss and recovery. */
  readonly onConnection?: (state: 'lost' | 'back') => void;
}

export interface Submitted {
  readonly batch: string;
  /** Files found and sent (jobs already known by id were left as they are). */
  readonly files: number;
  /** Arguments that name nothing. */
  readonly missing: readonly string[];
  readonly seconds: number;
}

export async function submitBatch(req: SubmitRequest): Promise<Submitted> {
  const t0 = performance.now();
  const k = keys(req.queue);
  const options = req.options;
  const batch = batchIdFor(options);
  const redis = connect(req.redisUrl, req.onConnection);
  const queue = new Queue<JobData>(req.queue, { prefix: PREFIX, connection: redis });
  try {
    await redis.multi()
      .hset(k.batch(batch), { outDir: options.outDir, options: JSON.stringify(options), updated: Date.now() })
      .hsetnx(k.batch(batch), 'created', Date.now())
      .sadd(k.batches, batch)
      .exec();
    // Folders never yield files from inside the output folder, so only files named on the command
    // line can be inputs there: protect them before any job can pick a target.
    const protectedInputs = req.inputs.map((p) => path.resolve(p)).filter((p) => path.dirname(p) === options.outDir);
    if (protectedInputs.length) await redis.sadd(k.protectedInputs(batch), ...protectedInputs);

    const missing: string[] = [];
    let files = 0;
    let chunk: { name: string; data: JobData; opts: { jobId: string; attempts: number; backoff: { type: 'exponential'; delay: number } } }[] = [];
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const ids = chunk.map((j) => j.opts.jobId);
      // Jobs first: a member is always a job, so a follower never waits for one that is not there.
      await queue.addBulk(chunk);
      await redis.sadd(k.members(batch), ...ids);
      chunk = [];
    };
    for await (const entry of iterateFiles(req.inputs, { recursive: req.recursive, outDir: options.outDir })) {
      if ('missing' in entry) {
        missing.push(entry.missing);
        continue;
      }
      const nameIndex = files++;
      const data: JobData = { batch, input: entry.file, nameIndex, options };
      chunk.push({
        name: 'denoise',
        data,
        opts: { jobId: jobIdFor(batch, entry.file, nameIndex, options), attempts: req.attempts ?? DEFAULT_ATTEMPTS, backoff: { type: 'exponential', delay: 1000 } },
      });
      if (chunk.length >= SUBMIT_CHUNK) await flush();
    }
    await flush();
    return { batch, files, missing, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await queue.close();
    await redis.quit().catch(() => {});
  }
}

export interface BatchCounts {
  readonly total: number;
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
}

export interface Failure {
  readonly jobId: string;
  readonly input: string;
  readonly error: ErrorInfo;
}

export async function batchCounts(redis: Redis, queue: string, batch: string): Promise<BatchCounts> {
  const k = keys(queue);
  const r = await redis.multi().scard(k.members(batch)).scard(k.done(batch)).scard(k.skipped(batch)).scard(k.failed(batch)).exec();
  const n = (i: number): number => Number(r?.[i]?.[1] ?? 0);
  return { total: n(0), done: n(1), skipped: n(2), failed: n(3) };
}

/** The failed jobs of a batch with their last reason (those not in `known`). */
export async function batchFailures(redis: Redis, queue: string, batch: string, known: ReadonlySet<string> = new Set()): Promise<Failure[]> {
  const k = keys(queue);
  const out: Failure[] = [];
  let cursor = '0';
  do {
    const [next, ids] = await redis.sscan(k.failed(batch), cursor, 'COUNT', 500);
    cursor = next;
    for (const id of ids) {
      if (known.has(id)) continue;
      const [data, reason] = await redis.hmget(`${PREFIX}:${queue}:${id}`, 'data', 'failedReason');
      let input = id;
      try {
        input = (JSON.parse(data ?? '{}') as { input?: string }).input ?? id;
      } catch {
        // keep the id
      }
      out.push({ jobId: id, input, error: parseReason(reason ?? undefined) });
    }
  } while (cursor !== '0');
  return out;
}

export interface WatchOptions {
  readonly redisUrl: string;
  readonly queue: string;
  readonly batch: string;
  readonly onProgress: (counts: BatchCounts) => void;
  readonly onFailure: (failure: Failure) => void;
  readonly onConnection?: (state: 'lost' | 'back') => void;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/** Follow a batch until every job has an outcome; resolves with the final counts. */
export async function watchBatch(o: WatchOptions): Promise<BatchCounts> {
  const redis = connect(o.redisUrl, o.onConnection);
  const reported = new Set<string>();
  try {
    for (;;) {
      const counts = await batchCounts(redis, o.queue, o.batch);
      if (counts.failed > reported.size) {
        for (const f of await batchFailures(redis, o.queue, o.batch, reported)) {
          reported.add(f.jobId);
          o.onFailure(f);
        }
      }
      o.onProgress(counts);
      if (counts.done + counts.skipped + counts.failed >= counts.total || o.signal?.aborted) return counts;
      await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    }
  } finally {
    await redis.quit().catch(() => {});
  }
}
