// `hush worker`: takes denoise jobs from the BullMQ queue until stopped. One engine (one engine
// process, models loaded once, its worker pool) serves every job, through the same Engine API and
// output planning as `hush denoise`, so a job's output equals a local run's. See outputs.ts for how
// a job that runs twice still writes its output once.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { DenoiseHandle, EngineApi } from '../engine/engine-api.ts';
import { toErrorInfo } from '../engine/jobs/errors.ts';
import type { ErrorInfo, FileOutcome } from '../engine/jobs/events.ts';
import { planOutput } from '../engine/jobs/output-plan.ts';
import { HushError, type ErrorCode } from '../engine/types.ts';
import { claimTarget, removeStaging, stagingDirFor } from './outputs.ts';
import { connect, formatReason, jobDataSchema, keys, parseReason, PREFIX, type JobData } from './schema.ts';

/** Failures that another attempt (or machine) cannot fix: the job fails at once, like `hush denoise`. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set(['unsupported-format', 'corrupt-file', 'empty-file', 'unreadable', 'would-overwrite-input', 'output-exists', 'cancelled']);

export interface WorkerOptions {
  readonly redisUrl: string;
  readonly queue: string;
  /** Jobs run at once (each is one engine batch of one file; the engine's pool is shared). */
  readonly concurrency: number;
  /** Seconds without a lock renewal after which another worker takes a job over. */
  readonly stalledAfterS: number;
  readonly engine: EngineApi & { dispose(): Promise<void> };
  /** One line per finished job (and connection notices). */
  readonly log: (line: string, isError?: boolean) => void;
  readonly describe: (outcome: FileOutcome) => string;
}

export interface RunningWorker {
  /** Resolves when the worker has stopped (after stop()). */
  readonly closed: Promise<void>;
  /** Stop taking jobs; `handBack` aborts the running ones and returns them to the queue at once. */
  stop(handBack: boolean): Promise<void>;
  readonly name: string;
}

function fail(error: ErrorInfo, permanent: boolean): Error {
  const reason = formatReason(error);
  return permanent ? new UnrecoverableError(reason) : new Error(reason);
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const k = keys(options.queue);
  const redis = connect(options.redisUrl, (state) =>
    options.log(state === 'lost' ? 'hush worker: lost the connection to Redis; reconnecting...' : 'hush worker: connected to Redis again', state === 'lost'));
  const name = `${os.hostname()}:${process.pid}`;
  const running = new Map<string, { handle?: DenoiseHandle; token: string; job: Job; handedBack: boolean }>();
  const engine = options.engine;
  // Start the engine process (backend chosen) before the first job arrives.
  await engine.info();

  const recordFinal = async (data: JobData, jobId: string, set: 'done' | 'skipped' | 'failed'): Promise<void> => {
    const m = redis.multi();
    for (const s of ['done', 'skipped', 'failed'] as const) if (s !== set) m.srem(k[s](data.batch), jobId);
    m.sadd(k[set](data.batch), jobId);
    await m.exec();
  };

  const processJob = async (job: Job, token?: string): Promise<FileOutcome> => {
    const jobId = job.id ?? '';
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success) throw fail({ code: 'internal', message: `invalid job data: ${parsed.error.issues[0]?.message ?? 'unknown'}` }, true);
    const data = parsed.data;
    const attempts = job.opts.attempts ?? 1;
    const failFor = async (error: ErrorInfo, permanent: boolean): Promise<Error> => {
      const final = permanent || job.attemptsMade + 1 >= attempts;
      if (final) await recordFinal(data, jobId, 'failed');
      return fail(error, permanent);
    };
    // A job whose workers keep vanishing (killed, out of memory, cut off) is not retried forever.
    if (job.attemptsStarted > attempts) {
      const lost = job.attemptsStarted - 1 - job.attemptsMade;
      throw await failFor({ code: 'engine-crashed', message: `the worker processing this file stopped ${lost} time${lost === 1 ? '' : 's'} (killed, crashed or cut off from Redis)` }, true);
    }
    const entry = { token: token ?? '', job, handedBack: false } as { handle?: DenoiseHandle; token: string; job: Job; handedBack: boolean };
    running.set(jobId, entry);
    const { input, options: o, nameIndex } = data;
    const staging = stagingDirFor(o.outDir, jobId, randomBytes(4).toString('hex'));
    try {
      const plan = await planOutput(input, { nameIndex }, nameIndex, o, (p, signal) => engine.estimate(p, signal ? { signal } : {}));
      const target = await claimTarget({ redis, namesKey: k.names, protectedKey: k.protectedInputs(data.batch), jobId, input, options: o }, plan.base, plan.ext);
      if (target.kind === 'skip') {
        const outcome: FileOutcome = { status: 'skipped', index: nameIndex, input, output: target.path, reason: target.reason };
        await recordFinal(data, jobId, 'skipped');
        return outcome;
      }
      try {
        await mkdir(staging, { recursive: true });
      } catch (err) {
        throw new HushError('output-unwritable', `cannot create the output folder ${o.outDir}: ${toErrorInfo(err).message}`, { cause: err });
      }
      if (entry.handedBack) {
        await job.moveToWait(entry.token);
        throw new WaitingError();
      }
      const strength = plan.strength === 'auto' ? {} : plan.kind === 'image' ? { sigma: plan.strength } : { reductionDb: plan.strength };
      const handle = engine.denoise({
        files: [{ path: input, nameIndex, ...strength }],
        outDir: staging,
        ...(o.sigma !== undefined ? { sigma: o.sigma } : {}),
        ...(o.reductionDb !== undefined ? { reductionDb: o.reductionDb } : {}),
        ...(o.imageFormat ? { imageFormat: o.imageFormat } : {}),
        ...(o.audioFormat ? { audioFormat: o.audioFormat } : {}),
        ...(o.quality !== undefined ? { quality: o.quality } : {}),
        ...(o.bitDepth !== undefined ? { bitDepth: o.bitDepth } : {}),
        ...(o.sampleFormat !== undefined ? { sampleFormat: o.sampleFormat } : {}),
        ...(o.namePattern !== undefined ? { namePattern: o.namePattern } : {}),
        // The attempt's folder is its own: nothing in it to protect or skip.
        overwrite: true,
        concurrency: 1,
      });
      entry.handle = handle;
      const summary = await handle.result;
      const result = summary.outcomes[0];
      if (entry.handedBack) {
        await job.moveToWait(entry.token);
        throw new WaitingError();
      }
      if (!result || result.status === 'cancelled') throw new HushError('cancelled', 'cancelled');
      if (result.status === 'failed') throw new HushError(result.error.code, result.error.message);
      if (result.status === 'skipped') throw new HushError('internal', `the engine skipped ${input}: ${result.reason}`);
      // Atomic: the reserved name holds nothing, an earlier attempt's identical output, or this one.
      await rename(result.result.output, target.path);
      await removeStaging(o.outDir, jobId);
      const outcome: FileOutcome = {
        status: 'done',
        index: nameIndex,
        input,
        result: { ...result.result, output: target.path, ...(plan.estimate !== undefined ? { estimate: plan.estimate } : {}) },
      };
      await recordFinal(data, jobId, 'done');
      return outcome;
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      if (err instanceof WaitingError) throw err;
      const info = toErrorInfo(err);
      throw await failFor(info, PERMANENT.has(info.code));
    } finally {
      running.delete(jobId);
    }
  };

  const worker = new Worker(options.queue, processJob, {
    prefix: PREFIX,
    connection: redis,
    name,
    concurrency: options.concurrency,
    lockDuration: options.stalledAfterS * 1000,
    stalledInterval: Math.max(500, (options.stalledAfterS * 1000) / 2),
    // Stalls are counted against the job's attempts by the processor itself (above).
    maxStalledCount: 1000,
    metrics: { maxDataPoints: 60 * 24 * 7 },
  });
  worker.on('completed', (_job, outcome: FileOutcome) => options.log(options.describe(outcome)));
  worker.on('failed', (job, err) => {
    if (!job || err instanceof WaitingError || err.name === 'WaitingError') return;
    const data = jobDataSchema.safeParse(job.data);
    const input = data.success ? data.data.input : String(job.id);
    const attempts = job.opts.attempts ?? 1;
    const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= attempts;
    if (final) options.log(options.describe({ status: 'failed', index: data.success ? data.data.nameIndex : 0, input, error: parseReason(err.message) }), true);
    else options.log(`retrying ${input}: ${err.message} (attempt ${job.attemptsMade} of ${attempts} failed)`, true);
  });
  worker.on('error', () => {
    // Connection trouble is reported once by connect(); BullMQ retries by itself.
  });
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  return {
    name,
    closed,
    stop(handBack) {
      if (handBack) {
        for (const r of running.values()) {
          r.handedBack = true;
          r.handle?.cancel();
        }
      }
      closing ??= worker
        .close()
        .then(() => redis.quit().then(() => undefined, () => undefined))
        .finally(markClosed);
      return closing;
    },
  };
}
