// Parent side of the engine host: the same async API as Engine, answered by a long-lived engine
// process. Calls carry request ids; batch events stream back; cancel reaches the running call. When
// the process dies (crash, kill, out of memory) every call in flight is rejected with HushError
// 'engine-crashed', listeners are told why, and the next call starts a fresh process. A batch in
// flight is not lost: the files that were running are failed with 'engine-crashed' and the rest
// continue on the new process.
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type {
  AudioOverview, AudioOverviewRequest, AudioPreview, AudioPreviewRequest, CallOptions, DenoiseHandle, DenoiseRequest,
  EngineApi, EngineInfo, Estimate, ImagePreview, ImagePreviewRequest, ImageThumbnail,
} from '../engine/engine-api.ts';
import { summarise, type BatchSummary, type FileOutcome, type JobEvent } from '../engine/jobs/events.ts';
import { HushError } from '../engine/types.ts';
import { PARTIAL_MARK } from '../engine/jobs/output-naming.ts';
import {
  childMessageSchema, describeIssues, methods, type CallParams, type ChildMessage, type MethodName, type MethodResult,
} from './protocol.ts';
import { forkNodeEngine, type EngineChild, type SpawnEngine } from './transport.ts';

export interface CrashInfo {
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: string | null;
  readonly outOfMemory: boolean;
  /** One line for people. */
  readonly message: string;
  /** What the process last wrote to stderr. */
  readonly stderr: string;
}

export interface EngineClientOptions {
  /** How to start the engine process (default: Node child process through tsx). */
  readonly spawn?: SpawnEngine;
  /** Give up on a process that has not said 'ready' after this long (ms). */
  readonly startTimeoutMs?: number;
  /**
   * A cancelled call that has not ended after this long (ms) means the engine is stuck in a
   * computation that cannot see the cancel: the process is killed (and restarted on the next call).
   */
  readonly cancelGraceMs?: number;
}

interface Pending {
  readonly method: MethodName;
  resolve(value: unknown): void;
  reject(err: Error): void;
  onEvent?: (event: JobEvent) => void;
}

interface Connection {
  readonly child: EngineChild;
  readonly ready: Promise<void>;
  readonly pending: Map<number, Pending>;
  /** Output folders of batches in flight, swept for partial files if the process dies. */
  readonly outDirs: Set<string>;
  closing: boolean;
  isReady: boolean;
}

function describeExit(code: number | null, signal: string | null, stderr: string): Omit<CrashInfo, 'pid' | 'stderr'> {
  const outOfMemory = /heap out of memory|Allocation failed|out of memory|OOM/i.test(stderr);
  // Node ends a fatal error with its version line; the error itself is the useful part.
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  const lastLine = [...lines].reverse().find((l) => /\b\w*Error\b|error:/i.test(l)) ?? lines.at(-1) ?? '';
  let message: string;
  if (outOfMemory) message = 'the engine process ran out of memory';
  else if (signal) message = `the engine process was killed (${signal})`;
  else message = `the engine process exited unexpectedly (code ${code ?? 'unknown'})`;
  if (lastLine && !outOfMemory) message += `: ${lastLine.slice(0, 200)}`;
  return { code, signal, outOfMemory, message };
}

/** Remove temp files the dead process left (it cleans up after itself, but was killed). */
async function sweepPartials(dir: string, pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  const mark = `${PARTIAL_MARK}${pid}-`;
  try {
    for (const name of await readdir(dir)) {
      if (name.startsWith('.') && name.includes(mark)) await unlink(path.join(dir, name)).catch(() => {});
    }
  } catch {
    // The folder may not exist (the batch failed before creating it).
  }
}

export class EngineClient implements EngineApi {
  private readonly spawn: SpawnEngine;
  private readonly startTimeoutMs: number;
  private readonly cancelGraceMs: number;
  private conn: Connection | undefined;
  private nextId = 1;
  private disposed = false;
  private crashListeners = new Set<(info: CrashInfo) => void>();
  private readyListeners = new Set<(info: { pid: number | undefined; restarts: number }) => void>();
  private starts = 0;

  constructor(options: EngineClientOptions = {}) {
    this.spawn = options.spawn ?? (() => forkNodeEngine());
    this.startTimeoutMs = options.startTimeoutMs ?? 120_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 15_000;
  }

  /** Times the process was started again after the first start. */
  get restarts(): number {
    return Math.max(0, this.starts - 1);
  }

  /** PID of the running engine process, if one runs. */
  get pid(): number | undefined {
    return this.conn?.child.pid;
  }

  onCrash(listener: (info: CrashInfo) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  onReady(listener: (info: { pid: number | undefined; restarts: number }) => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  private connect(): Connection {
    if (this.conn) return this.conn;
    const child = this.spawn();
    this.starts++;
    const pending = new Map<number, Pending>();
    let markReady!: () => void;
    let failStart!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    ready.catch(() => {}); // observed by callers; avoid an unhandled rejection when nobody waits
    const conn: Connection = { child, ready, pending, outDirs: new Set(), closing: false, isReady: false };
    this.conn = conn;
    const timer = setTimeout(() => {
      failStart(new HushError('engine-crashed', `the engine process did not start within ${Math.round(this.startTimeoutMs / 1000)} s`));
      child.kill();
    }, this.startTimeoutMs);
    timer.unref?.();

    child.onMessage((raw) => this.handleMessage(conn, raw, () => {
      clearTimeout(timer);
      conn.isReady = true;
      markReady();
      for (const l of this.readyListeners) l({ pid: child.pid, restarts: this.restarts });
    }));
    child.onExit(({ code, signal }) => {
      clearTimeout(timer);
      if (this.conn === conn) this.conn = undefined;
      const stderr = child.stderrTail();
      const info: CrashInfo = { pid: child.pid, stderr, ...describeExit(code, signal, stderr) };
      const err = new HushError('engine-crashed', info.message);
      // Sweep before rejecting: rejection forgets the calls' output folders.
      const swept = Promise.all([...conn.outDirs].map((dir) => sweepPartials(dir, child.pid)));
      failStart(err);
      void swept.finally(() => {
        for (const p of pending.values()) p.reject(err);
        pending.clear();
      });
      if (!conn.closing) for (const l of this.crashListeners) l(info);
    });
    return conn;
  }

  private handleMessage(conn: Connection, raw: unknown, onReady: () => void): void {
    const parsed = childMessageSchema.safeParse(raw);
    if (!parsed.success) {
      // A message we cannot trust is dropped; the call it belonged to will time out or crash out.
      process.emitWarning(`hush: ignored a malformed message from the engine: ${describeIssues(parsed.error)}`);
      return;
    }
    const msg: ChildMessage = parsed.data;
    switch (msg.kind) {
      case 'ready':
        onReady();
        return;
      case 'protocol-error':
        process.emitWarning(`hush: the engine rejected a message: ${msg.message}`);
        return;
      case 'event':
        conn.pending.get(msg.id)?.onEvent?.(msg.event);
        return;
      case 'error': {
        const p = conn.pending.get(msg.id);
        conn.pending.delete(msg.id);
        p?.reject(new HushError(msg.error.code, msg.error.message));
        return;
      }
      case 'result': {
        const p = conn.pending.get(msg.id);
        if (!p) return;
        conn.pending.delete(msg.id);
        const checked = methods[p.method].result.safeParse(msg.value);
        if (checked.success) p.resolve(checked.data);
        else p.reject(new HushError('internal', `the engine sent an invalid ${p.method} result: ${describeIssues(checked.error)}`));
      }
    }
  }

  /** One call on the engine process, with the params validated before they leave. */
  async call<M extends MethodName>(
    method: M,
    params: CallParams<M>,
    options: { signal?: AbortSignal; onEvent?: (event: JobEvent) => void; outDir?: string } = {},
  ): Promise<MethodResult<M>> {
    if (this.disposed) throw new HushError('internal', 'the engine client has been disposed');
    const checked = methods[method].params.safeParse(params);
    if (!checked.success) throw new HushError('internal', `invalid ${method} request: ${describeIssues(checked.error)}`);
    if (options.signal?.aborted) throw new HushError('cancelled', 'cancelled');
    const conn = this.connect();
    await conn.ready;
    if (options.signal?.aborted) throw new HushError('cancelled', 'cancelled');
    const id = this.nextId++;
    return new Promise<MethodResult<M>>((resolve, reject) => {
      let watchdog: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        conn.child.postMessage({ kind: 'cancel', id });
        watchdog = setTimeout(() => conn.child.kill(), this.cancelGraceMs);
        watchdog.unref?.();
      };
      const done = (): void => {
        if (watchdog) clearTimeout(watchdog);
        options.signal?.removeEventListener('abort', onAbort);
        if (options.outDir) conn.outDirs.delete(options.outDir);
      };
      conn.pending.set(id, {
        method,
        resolve: (v) => {
          done();
          resolve(v as MethodResult<M>);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      if (options.outDir) conn.outDirs.add(options.outDir);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      conn.child.postMessage({ kind: 'call', id, method, params: checked.data });
    });
  }

  info(): Promise<EngineInfo> {
    return this.call('info', {});
  }

  estimate(filePath: string, options: CallOptions = {}): Promise<Estimate> {
    return this.call('estimate', { path: filePath }, options);
  }

  previewImage(request: ImagePreviewRequest, options: CallOptions = {}): Promise<ImagePreview> {
    return this.call('previewImage', request, options);
  }

  thumbnail(filePath: string, maxSide: number, options: CallOptions = {}): Promise<ImageThumbnail> {
    return this.call('thumbnail', { path: filePath, maxSide }, options);
  }

  audioOverview(request: AudioOverviewRequest, options: CallOptions = {}): Promise<AudioOverview> {
    return this.call('audioOverview', request, options);
  }

  previewAudio(request: AudioPreviewRequest, options: CallOptions = {}): Promise<AudioPreview> {
    return this.call('previewAudio', request, options);
  }

  denoise(request: DenoiseRequest, onEvent?: (event: JobEvent) => void): DenoiseHandle {
    const controller = new AbortController();
    const result = this.runResilientBatch(request, controller.signal, onEvent);
    return { cancel: () => controller.abort(), result };
  }

  /**
   * Run a batch; if the engine process dies, fail the files that were running with
   * 'engine-crashed' and go on with the rest on a fresh process. A process that dies twice in a row
   * before any file started fails the remaining files (it cannot run at all).
   */
  private async runResilientBatch(request: DenoiseRequest, signal: AbortSignal, onEvent?: (event: JobEvent) => void): Promise<BatchSummary> {
    const t0 = performance.now();
    const total = request.files.length;
    const outcomes = new Map<number, FileOutcome>();
    const emit = (event: JobEvent): void => {
      try {
        onEvent?.(event);
      } catch {
        // a throwing listener must not break the batch
      }
    };
    let remaining = request.files.map((_, i) => i);
    let wasCancelled = false;
    let emptyCrashes = 0;
    // The overall fraction never goes back: a part after a crash spreads its own 0→1 over what was
    // left when it started (files failed by the crash count as finished).
    let shown = 0;
    while (remaining.length > 0) {
      const part = remaining;
      const base = Math.max(shown, (total - part.length) / Math.max(1, total));
      const overall = (f: number): number => (shown = Math.max(shown, Math.min(1, base + Math.min(1, Math.max(0, f)) * (1 - base))));
      const started = new Set<number>();
      const reserved = [
        ...(request.reservedOutputs ?? []),
        ...[...outcomes.values()].flatMap((o) => (o.status === 'done' ? [o.result.output] : [])),
      ];
      const partRequest: DenoiseRequest = {
        ...request,
        // Keep each file's {index} for the name pattern whatever part of the batch it runs in.
        files: part.map((i) => ({ ...request.files[i], nameIndex: request.files[i].nameIndex ?? i })),
        ...(reserved.length ? { reservedOutputs: reserved } : {}),
      };
      try {
        const summary = await this.call('denoise', partRequest, {
          signal,
          outDir: path.resolve(request.outDir),
          onEvent: (event) => {
            if (event.type === 'progress') {
              const index = part[event.index];
              if (index === undefined) return;
              if (event.stage !== 'queued') started.add(index);
              emit({ ...event, index, overall: overall(event.overall) });
            } else {
              const index = part[event.outcome.index];
              if (index === undefined) return;
              const outcome = { ...event.outcome, index };
              outcomes.set(index, outcome);
              emit({ ...event, outcome, overall: overall(event.overall) });
            }
          },
        });
        for (const o of summary.outcomes) {
          const index = part[o.index];
          if (index !== undefined) outcomes.set(index, { ...o, index });
        }
        wasCancelled = summary.wasCancelled;
        break;
      } catch (err) {
        const crashed = err instanceof HushError && err.code === 'engine-crashed';
        if (!crashed) {
          if (signal.aborted) {
            wasCancelled = true;
            break;
          }
          throw err;
        }
        const victims = part.filter((i) => started.has(i) && !outcomes.has(i));
        for (const i of victims) {
          // Killed because a cancel went unanswered: the file was cancelled, not broken.
          const outcome: FileOutcome = signal.aborted
            ? { status: 'cancelled', index: i, input: request.files[i].path }
            : { status: 'failed', index: i, input: request.files[i].path, error: { code: 'engine-crashed', message: `${err.message} while processing this file` } };
          outcomes.set(i, outcome);
          emit({ type: 'file', outcome, overall: overall(0), etaSeconds: null });
        }
        emptyCrashes = victims.length === 0 ? emptyCrashes + 1 : 0;
        remaining = part.filter((i) => !outcomes.has(i));
        if (signal.aborted) {
          wasCancelled = true;
          break;
        }
        if (emptyCrashes >= 2) {
          for (const i of remaining) {
            const outcome: FileOutcome = { status: 'failed', index: i, input: request.files[i].path, error: { code: 'engine-crashed', message: err.message } };
            outcomes.set(i, outcome);
            emit({ type: 'file', outcome, overall: 1, etaSeconds: null });
          }
          break;
        }
      }
    }
    for (let i = 0; i < total; i++) {
      if (!outcomes.has(i)) outcomes.set(i, { status: 'cancelled', index: i, input: request.files[i].path });
    }
    return summarise([...outcomes.values()], (performance.now() - t0) / 1000, wasCancelled);
  }

  /** Ask the engine process to finish and exit; kill it if it does not within `timeoutMs`. */
  async dispose(timeoutMs = 5000): Promise<void> {
    this.disposed = true;
    const conn = this.conn;
    if (!conn) return;
    conn.closing = true;
    const gone = new Promise<void>((resolve) => conn.child.onExit(() => resolve()));
    // A process still starting up cannot hear the request yet: stop it outright.
    if (conn.isReady) conn.child.postMessage({ kind: 'shutdown' });
    else conn.child.kill();
    const timer = setTimeout(() => conn.child.kill(), timeoutMs);
    await gone;
    clearTimeout(timer);
  }

  /** Kill the engine process now (tests, or an app quitting without waiting). */
  kill(): void {
    this.conn?.child.kill();
  }
}
