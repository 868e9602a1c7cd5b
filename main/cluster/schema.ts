// What crosses Redis between `hush submit`, `hush worker` and `hush status`: queue and key names,
// the job schema (zod, checked on both ends), job and batch ids, and failure reasons. Declared once
// here; the option shapes come from the engine host protocol, which mirrors the Engine API.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { isErrorCode } from '../engine/jobs/errors.ts';
import type { ErrorInfo, FileOutcome } from '../engine/jobs/events.ts';
import { batchSummarySchema, denoiseRequestSchema } from '../host/protocol.ts';

export const DEFAULT_QUEUE = 'hush';
/** BullMQ key prefix: every key of a queue is `hush:<queue>:…`. */
export const PREFIX = 'hush';
/** Attempts per file (worker lost, engine crashed, transient I/O) before it fails for good. */
export const DEFAULT_ATTEMPTS = 3;
/** A job whose worker has not renewed its lock for this long is handed to another worker. */
export const DEFAULT_STALLED_AFTER_S = 30;
/** Jobs added per Redis round trip by `submit` (bounds its memory whatever the batch size). */
export const SUBMIT_CHUNK = 500;

const pathSchema = denoiseRequestSchema.shape.outDir;
const absolutePath = pathSchema.refine((p) => path.isAbsolute(p), { message: 'path must be absolute (workers may run elsewhere)' });

/** A batch's denoise options: the `hush denoise` request without its files and per-run knobs. */
export const batchOptionsSchema = denoiseRequestSchema
  .pick({ sigma: true, reductionDb: true, imageFormat: true, audioFormat: true, quality: true, bitDepth: true, sampleFormat: true, namePattern: true, skipExisting: true, overwrite: true })
  .extend({ outDir: absolutePath });
export type BatchOptions = z.infer<typeof batchOptionsSchema>;

export const jobDataSchema = z.strictObject({
  batch: z.string().regex(/^b[0-9a-f]{24}$/),
  input: absolutePath,
  /** Position in the submitted batch: the name pattern's {index}, as `hush denoise` numbers it. */
  nameIndex: z.number().int().min(0),
  options: batchOptionsSchema,
});
export type JobData = z.infer<typeof jobDataSchema>;

/** A finished job's return value: the same outcome `hush denoise` reports for the file. */
export const outcomeSchema = batchSummarySchema.shape.outcomes.element;

/** Options in a fixed key order, so equal options always hash alike. */
function canonical(options: BatchOptions): string {
  return JSON.stringify(Object.keys(options).sort().map((k) => [k, options[k as keyof BatchOptions]]));
}

const hex = (text: string, n: number): string => createHash('sha256').update(text).digest('hex').slice(0, n);

/** A batch is an output folder plus options: submitting more files with the same ones adds to it. */
export function batchIdFor(options: BatchOptions): string {
  return `b${hex(canonical(options), 24)}`;
}

/**
 * Job id from the input path and the options (and the file's number when the name pattern uses
 * {index}), so submitting the same files twice adds nothing: BullMQ ignores a known id.
 */
export function jobIdFor(batch: string, input: string, nameIndex: number, options: BatchOptions): string {
  const index = options.namePattern?.includes('{index}') ? `\0${nameIndex}` : '';
  return `j${hex(`${batch}\0${input}${index}`, 32)}`;
}

/** Keys Hush keeps next to BullMQ's (same prefix and queue; ids never contain ':'). */
export function keys(queue: string) {
  const base = `${PREFIX}:${queue}:hush`;
  return {
    /** Hash: output path → id of the job it is reserved for (names are handed out once). */
    names: `${base}:names`,
    /** Set of batch ids, and per batch: options, member jobs and their outcomes. */
    batches: `${base}:batches`,
    batch: (id: string) => `${base}:batch:${id}`,
    members: (id: string) => `${base}:batch:${id}:members`,
    done: (id: string) => `${base}:batch:${id}:done`,
    skipped: (id: string) => `${base}:batch:${id}:skipped`,
    failed: (id: string) => `${base}:batch:${id}:failed`,
    /** Inputs that lie in the output folder: never a target, even with --overwrite. */
    protectedInputs: (id: string) => `${base}:batch:${id}:protected`,
  };
}

/** How a failure is stored as BullMQ's failedReason: the same text as `hush denoise`'s FAILED line. */
export function formatReason(error: ErrorInfo): string {
  return `${error.message} [${error.code}]`;
}

export function parseReason(reason: string | undefined): ErrorInfo {
  const m = /^(.*) \[([a-z-]+)\]$/s.exec(reason ?? '');
  if (m && isErrorCode(m[2])) return { code: m[2], message: m[1] };
  return { code: 'internal', message: reason || 'failed without a reason' };
}

export type JobOutcome = FileOutcome;

/** A Redis connection from a `redis://` or `rediss://` URL that waits out outages instead of failing calls. */
export function connect(url: string, onState?: (state: 'lost' | 'back') => void): Redis {
  const redis = new Redis(url, {
    // BullMQ requires this for blocking connections; for ours it means "wait for Redis to return".
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
  });
  let lost = false;
  redis.on('error', () => {
    // Reported through onState; ioredis reconnects by itself.
  });
  // 'reconnecting', not 'close': a connection we quit closes too, but is not lost.
  redis.on('reconnecting', () => {
    if (!lost) onState?.('lost');
    lost = true;
  });
  redis.on('ready', () => {
    if (lost) onState?.('back');
    lost = false;
  });
  return redis;
}

/** Check a `--redis` URL the way the CLI checks its options: one line saying what is wrong. */
export function checkRedisUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'redis:' || u.protocol === 'rediss:' ? null : `--redis must be a redis:// or rediss:// URL (got "${url}")`;
  } catch {
    return `--redis must be a redis:// or rediss:// URL (got "${url}")`;
  }
}
