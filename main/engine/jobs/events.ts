// What a batch tells its caller while it runs and when it ends. Plain data (no classes, no
// functions) so the same shapes cross the engine-process boundary and the app's IPC unchanged;
// main/host/protocol.ts holds the zod schemas and checks at compile time that they match these.
import type { ErrorCode, FileResult, Stage } from '../types.ts';

/** A typed failure as data: `code` is stable for tests and UI, `message` is one line for people. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
}

/** How one file of a batch ended. `index` is the file's position in the request. */
export type FileOutcome =
  | { readonly status: 'done'; readonly index: number; readonly input: string; readonly result: FileResult }
  | { readonly status: 'skipped'; readonly index: number; readonly input: string; readonly output: string; readonly reason: string }
  | { readonly status: 'failed'; readonly index: number; readonly input: string; readonly error: ErrorInfo }
  | { readonly status: 'cancelled'; readonly index: number; readonly input: string };

/** A file moved to a new stage or made progress within one. */
export interface ProgressEvent {
  readonly type: 'progress';
  readonly index: number;
  readonly path: string;
  readonly stage: Stage;
  /** Fraction of this file done, 0–1. */
  readonly fraction: number;
  /** Fraction of the whole batch done, 0–1 (files weighted by size). */
  readonly overall: number;
  /** Seconds left from the throughput observed so far; null until there is enough to go on. */
  readonly etaSeconds: number | null;
}

/** A file finished (done, skipped, failed or cancelled). */
export interface FileEvent {
  readonly type: 'file';
  readonly outcome: FileOutcome;
  readonly overall: number;
  readonly etaSeconds: number | null;
}

export type JobEvent = ProgressEvent | FileEvent;

export interface BatchSummary {
  readonly total: number;
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  readonly cancelled: number;
  /** True when the caller cancelled the batch (some files may still have finished). */
  readonly wasCancelled: boolean;
  readonly seconds: number;
  /** One outcome per requested file, in request order. */
  readonly outcomes: readonly FileOutcome[];
}

export function summarise(outcomes: readonly FileOutcome[], seconds: number, wasCancelled: boolean): BatchSummary {
  const count = (status: FileOutcome['status']): number => outcomes.filter((o) => o.status === status).length;
  const sorted = [...outcomes].sort((a, b) => a.index - b.index);
  return {
    total: outcomes.length,
    done: count('done'),
    skipped: count('skipped'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    wasCancelled,
    seconds,
    outcomes: sorted,
  };
}
