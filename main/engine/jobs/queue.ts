// The job queue: runs a batch of file tasks one after another or with bounded concurrency, turns
// each task's stage/fraction reports into typed progress events with an overall fraction and an
// ETA from observed throughput, lets the caller cancel at any moment (the AbortSignal reaches
// into the running pipelines), and records a per-file typed error without stopping the batch.
import type { FileResult, Stage } from '../types.ts';
import { isAbortError, toErrorInfo } from './errors.ts';
import { summarise, type BatchSummary, type FileOutcome, type JobEvent } from './events.ts';

/** What a task hands back when it did not fail: a written file, or a deliberate skip. */
export type TaskResult =
  | { readonly status: 'done'; readonly result: FileResult }
  | { readonly status: 'skipped'; readonly output: string; readonly reason: string };

export interface TaskContext {
  /** Aborted when the batch is cancelled; pass it to every pipeline call. */
  readonly signal: AbortSignal;
  /** Report the stage and the fraction (0–1) of this file done so far. */
  progress(stage: Stage, fraction: number): void;
}

export interface QueueTask {
  readonly path: string;
  /** Relative cost, e.g. the file's size in bytes; sets its share of the overall fraction. */
  readonly weight: number;
  run(ctx: TaskContext): Promise<TaskResult>;
}

export interface QueueOptions {
  /** Files processed at once (≥ 1). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: JobEvent) => void;
  /** Least time between two progress events of one file in the same stage (ms). */
  readonly progressIntervalMs?: number;
  /** Clock in ms, injectable for tests. */
  readonly now?: () => number;
}

/** Seconds of work and fraction done needed before an ETA is worth showing. */
const ETA_MIN_SECONDS = 0.5;
const ETA_MIN_FRACTION = 0.01;

export async function runQueue(tasks: readonly QueueTask[], options: QueueOptions = {}): Promise<BatchSummary> {
  const now = options.now ?? (() => performance.now());
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const progressInterval = options.progressIntervalMs ?? 100;
  const emit = (event: JobEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener that throws must not take the batch down with it.
    }
  };

  const started = now();
  // Files of zero weight (empty files) still count a little, so a batch of them shows progress.
  const weights = tasks.map((t) => Math.max(1, t.weight));
  const totalWeight = weights.reduce((a, b) => a + b, 0) || 1;
  const fractions = new Float64Array(tasks.length);
  const outcomes: FileOutcome[] = [];
  const controller = new AbortController();
  const outer = options.signal;
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });

  const overall = (): number => {
    let done = 0;
    for (let i = 0; i < tasks.length; i++) done += weights[i] * fractions[i];
    return Math.min(1, done / totalWeight);
  };
  // Work left divided by the rate observed so far (weight per wall-clock second, which already
  // reflects concurrency). Skipped files finish instantly and would flatter the rate, so only
  // files that did real work, or are doing it, count towards it.
  let workedWeight = 0;
  const running = new Set<number>();
  const eta = (): number | null => {
    let weight = workedWeight;
    for (const i of running) weight += weights[i] * fractions[i];
    const left = (1 - overall()) * totalWeight;
    if (left <= 0) return 0;
    const seconds = (now() - started) / 1000;
    if (seconds < ETA_MIN_SECONDS || weight / totalWeight < ETA_MIN_FRACTION) return null;
    return left / (weight / seconds);
  };

  const finish = (outcome: FileOutcome, worked: boolean): void => {
    const i = outcome.index;
    running.delete(i);
    if (worked) workedWeight += weights[i];
    fractions[i] = 1;
    outcomes.push(outcome);
    emit({ type: 'file', outcome, overall: overall(), etaSeconds: eta() });
  };

  let next = 0;
  const runOne = async (index: number): Promise<void> => {
    const task = tasks[index];
    const input = task.path;
    if (controller.signal.aborted) {
      finish({ status: 'cancelled', index, input }, false);
      return;
    }
    running.add(index);
    let lastStage: Stage | null = null;
    let lastEmit = -Infinity;
    const ctx: TaskContext = {
      signal: controller.signal,
      progress(stage, fraction) {
        const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
        // Progress never runs backwards within a file, whatever a pipeline reports.
        fractions[index] = Math.max(fractions[index], Math.min(f, 0.999));
        const t = now();
        if (stage === lastStage && t - lastEmit < progressInterval) return;
        lastStage = stage;
        lastEmit = t;
        emit({ type: 'progress', index, path: input, stage, fraction: fractions[index], overall: overall(), etaSeconds: eta() });
      },
    };
    try {
      const result = await task.run(ctx);
      if (result.status === 'done') finish({ status: 'done', index, input, result: result.result }, true);
      else finish({ status: 'skipped', index, input, output: result.output, reason: result.reason }, false);
    } catch (err) {
      if (controller.signal.aborted && isAbortError(err)) finish({ status: 'cancelled', index, input }, false);
      else finish({ status: 'failed', index, input, error: toErrorInfo(err) }, true);
    }
  };

  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      await runOne(index);
    }
  };
  try {
    for (let i = 0; i < tasks.length; i++) {
      emit({ type: 'progress', index: i, path: tasks[i].path, stage: 'queued', fraction: 0, overall: 0, etaSeconds: null });
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, lane));
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
  return summarise(outcomes, (now() - started) / 1000, controller.signal.aborted);
}
