// Where a distributed job's output goes, decided so that a job run twice (its first worker presumed
// dead but still running, or killed after writing) writes the same file, once:
// - the name is planned as `hush denoise` plans it (main/engine/jobs/output-plan.ts);
// - names are reserved in Redis (HSETNX output → job id), so two jobs never share one and a job
//   that runs again finds the name it reserved before, instead of a `-1` copy of its own output;
// - the engine writes into a hidden folder private to the attempt, and the finished file is
//   renamed over the reserved name: atomic, and a second attempt replaces identical bytes.
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { HushError } from '../engine/types.ts';
import type { BatchOptions } from './schema.ts';

/** Prefix of an attempt's hidden working folder inside the output folder: `.hush-job-<id>-<random>`. */
export const STAGING_PREFIX = '.hush-job-';

export function stagingDirFor(outDir: string, jobId: string, token: string): string {
  return path.join(outDir, `${STAGING_PREFIX}${jobId}-${token}`);
}

/** Remove every attempt folder of a job (a killed worker's leftovers, with their partial files). */
export async function removeStaging(outDir: string, jobId: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(outDir);
  } catch {
    return;
  }
  const mine = `${STAGING_PREFIX}${jobId}-`;
  await Promise.all(names.filter((n) => n.startsWith(mine)).map((n) => rm(path.join(outDir, n), { recursive: true, force: true })));
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

export type Target =
  | { readonly kind: 'target'; readonly path: string }
  | { readonly kind: 'skip'; readonly path: string; readonly reason: string };

export interface TargetContext {
  readonly redis: Redis;
  /** Hash of reserved names (schema keys().names). */
  readonly namesKey: string;
  /** Set of the batch's inputs that lie in the output folder. */
  readonly protectedKey: string;
  readonly jobId: string;
  readonly input: string;
  readonly options: BatchOptions;
}

/**
 * Pick (or find again) the job's output path for `base + ext`, with `hush denoise`'s rules:
 * --skip-existing skips when the plain name exists, --overwrite replaces an earlier output of
 * that name but never an input, otherwise the first free `base-N + ext`.
 */
export async function claimTarget(ctx: TargetContext, base: string, ext: string): Promise<Target> {
  const { redis, namesKey, jobId, options } = ctx;
  const dir = options.outDir;
  const plain = path.resolve(dir, base + ext);
  const isInput = async (p: string): Promise<boolean> =>
    p === ctx.input || (await sameFile(p, ctx.input)) || (await redis.sismember(ctx.protectedKey, p)) === 1;
  const owner = (p: string): Promise<string | null> => redis.hget(namesKey, p);
  const reserve = async (p: string): Promise<boolean> => (await redis.hsetnx(namesKey, p, jobId)) === 1 || (await owner(p)) === jobId;

  // A job running again (after its worker died) finds its own reservation first.
  const plainOwner = await owner(plain);
  if (plainOwner === jobId) return { kind: 'target', path: plain };
  if (plainOwner === null) {
    const plainIsInput = await isInput(plain);
    if (options.skipExisting && !plainIsInput && (await exists(plain))) return { kind: 'skip', path: plain, reason: 'output already exists' };
    if (plainIsInput && options.overwrite) {
      throw new HushError('would-overwrite-input', `refusing to overwrite the input ${plain}; choose another output folder or name pattern`);
    }
    if (!plainIsInput && (options.overwrite || !(await exists(plain))) && (await reserve(plain))) return { kind: 'target', path: plain };
  }
  for (let n = 1; n < 100_000; n++) {
    const candidate = path.resolve(dir, `${base}-${n}${ext}`);
    const who = await owner(candidate);
    if (who === jobId) return { kind: 'target', path: candidate };
    if (who !== null || (await exists(candidate)) || (await isInput(candidate))) continue;
    if (await reserve(candidate)) return { kind: 'target', path: candidate };
  }
  throw new HushError('output-exists', `no free output name for ${base}${ext} in ${dir}`);
}
