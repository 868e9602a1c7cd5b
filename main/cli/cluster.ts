// CLI glue for the distributed commands (main/cluster/): `hush worker`, `hush submit`, `hush status`,
// `hush retry-failed`. Submit's denoise options go through the very parser `hush denoise` uses, so
// a bad option is refused before anything reaches Redis, with the same message.
import path from 'node:path';
import { DEFAULT_ATTEMPTS, DEFAULT_QUEUE, DEFAULT_STALLED_AFTER_S, checkRedisUrl, type BatchOptions } from '../cluster/schema.ts';
import { formatStatus, queueStatus, retryFailed } from '../cluster/status.ts';
import { submitBatch, watchBatch, type BatchCounts, type Failure } from '../cluster/submit.ts';
import { startWorker } from '../cluster/worker.ts';
import { EngineClient } from '../host/engine-client.ts';
import { forkNodeEngine } from '../host/transport.ts';
import { parseCommand, UsageError, type DenoiseCommand } from './args.ts';
import { describeOutcome, formatSeconds } from './progress.ts';

export const CLUSTER_COMMANDS = ['worker', 'submit', 'status', 'retry-failed'] as const;
export type ClusterCommandName = (typeof CLUSTER_COMMANDS)[number];

export function isClusterCommand(name: string | undefined): name is ClusterCommandName {
  return (CLUSTER_COMMANDS as readonly string[]).includes(name ?? '');
}

interface Io {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

interface ClusterFlags {
  redis?: string;
  queue?: string;
  concurrency?: string;
  attempts?: string;
  'stalled-after'?: string;
  wait?: boolean;
  json?: boolean;
}

const VALUE_FLAGS = ['redis', 'queue', 'concurrency', 'attempts', 'stalled-after'] as const;

/** Take the cluster's own flags out of argv; the rest is left for the denoise parser (submit) or refused. */
function takeFlags(argv: readonly string[], allowed: readonly (keyof ClusterFlags)[]): { flags: ClusterFlags; rest: string[] } {
  const flags: ClusterFlags = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = m?.[1] as keyof ClusterFlags | undefined;
    if (!m || !name || !allowed.includes(name)) {
      rest.push(arg);
      continue;
    }
    if ((VALUE_FLAGS as readonly string[]).includes(name)) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new UsageError(`option --${name} needs a value`);
      (flags as Record<string, string>)[name] = value;
    } else {
      if (m[2] !== undefined) throw new UsageError(`option --${name} takes no value`);
      (flags as Record<string, boolean>)[name] = true;
    }
  }
  return { flags, rest };
}

function integer(flag: string, value: string | undefined, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

function redisOf(flags: ClusterFlags): string {
  if (!flags.redis) throw new UsageError('--redis <url> is required (e.g. redis://127.0.0.1:6379)');
  const bad = checkRedisUrl(flags.redis);
  if (bad) throw new UsageError(bad);
  return flags.redis;
}

function queueOf(flags: ClusterFlags): string {
  const q = flags.queue ?? DEFAULT_QUEUE;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(q)) throw new UsageError(`--queue must be 1-64 letters, digits, '.', '_' or '-' (got "${q}")`);
  return q;
}

function noExtra(rest: readonly string[], command: string): void {
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}" for ${command}`);
}

/** The batch's options from a parsed `hush denoise` command line. */
export function batchOptionsOf(cmd: DenoiseCommand): BatchOptions {
  return {
    outDir: path.resolve(cmd.out),
    sigma: cmd.sigma,
    reductionDb: cmd.reductionDb,
    ...(cmd.imageFormat ? { imageFormat: cmd.imageFormat } : {}),
    ...(cmd.audioFormat ? { audioFormat: cmd.audioFormat } : {}),
    ...(cmd.quality !== undefined ? { quality: cmd.quality } : {}),
    ...(cmd.bitDepth !== undefined ? { bitDepth: cmd.bitDepth } : {}),
    ...(cmd.sampleFormat !== undefined ? { sampleFormat: cmd.sampleFormat } : {}),
    ...(cmd.namePattern !== undefined ? { namePattern: cmd.namePattern } : {}),
    skipExisting: cmd.skipExisting,
    overwrite: cmd.overwrite,
  };
}

function connectionNotice(io: Io, who: string): (state: 'lost' | 'back') => void {
  return (state) => io.stderr.write(state === 'lost' ? `${who}: lost the connection to Redis; reconnecting...\n` : `${who}: connected to Redis again\n`);
}

async function runWorker(argv: readonly string[], io: Io): Promise<number> {
  const { flags, rest } = takeFlags(argv, ['redis', 'queue', 'concurrency', 'stalled-after']);
  noExtra(rest, 'hush worker');
  const redisUrl = redisOf(flags);
  const queue = queueOf(flags);
  const concurrency = integer('concurrency', flags.concurrency, 1, 64, 1);
  const stalledAfterS = integer('stalled-after', flags['stalled-after'], 1, 3600, DEFAULT_STALLED_AFTER_S);
  const engine = new EngineClient({ spawn: () => forkNodeEngine({ echoStderr: process.env.HUSH_ENGINE_DEBUG === '1', detached: true }) });
  engine.onCrash((info) => io.stderr.write(`hush worker: ${info.message}; continuing with a fresh engine\n`));
  const worker = await startWorker({
    redisUrl, queue, concurrency, stalledAfterS, engine,
    log: (line, isError) => (isError ? io.stderr : io.stdout).write(`${line}\n`),
    describe: (o) => describeOutcome(o),
  });
  io.stderr.write(`hush worker ${worker.name}: taking jobs from queue "${queue}" (concurrency ${concurrency}); Ctrl-C or SIGTERM to stop\n`);
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 1) {
      io.stderr.write('hush worker: stopping after the running job (again to hand it back now)\n');
      void worker.stop(false);
    } else {
      io.stderr.write('hush worker: handing the running job back to the queue\n');
      void worker.stop(true);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await worker.closed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.dispose();
  }
  io.stderr.write('hush worker: stopped\n');
  return 0;
}

function progressView(io: Io, json: boolean): { show(c: BatchCounts): void; failure(f: Failure): void; finish(): void } {
  const tty = io.stderr.isTTY === true && !json;
  const t0 = performance.now();
  let drawn = false;
  let lastLine = 0;
  let lastText = '';
  const text = (c: BatchCounts): string => {
    const finished = c.done + c.skipped + c.failed;
    const s = (performance.now() - t0) / 1000;
    const eta = finished > 0 && finished < c.total ? ` ETA ${formatSeconds(((c.total - finished) * s) / finished)}` : '';
    return `${finished}/${c.total} files: ${c.done} done, ${c.skipped} skipped, ${c.failed} failed${eta}`;
  };
  return {
    show(c) {
      const t = text(c);
      if (tty) {
        const width = 30;
        const f = c.total ? (c.done + c.skipped + c.failed) / c.total : 0;
        io.stderr.write(`\r\x1b[2K[${'#'.repeat(Math.round(f * width))}${'-'.repeat(width - Math.round(f * width))}] ${String(Math.floor(f * 100)).padStart(3)}% ${t}`);
        drawn = true;
      } else if (t !== lastText && performance.now() - lastLine > 5000) {
        io.stderr.write(`progress ${t}\n`);
        lastLine = performance.now();
        lastText = t;
      }
    },
    failure(f) {
      if (tty && drawn) io.stderr.write('\r\x1b[2K');
      drawn = false;
      io.stderr.write(`${describeOutcome({ status: 'failed', index: 0, input: f.input, error: f.error })}\n`);
    },
    finish() {
      if (tty && drawn) io.stderr.write('\r\x1b[2K');
    },
  };
}

async function runSubmit(argv: readonly string[], io: Io): Promise<number> {
  const { flags, rest } = takeFlags(argv, ['redis', 'queue', 'attempts', 'wait']);
  if (rest.some((a) => a === '-j' || a === '--jobs' || a.startsWith('--jobs='))) {
    throw new UsageError('--jobs does not apply to submit: start more workers, or give them --concurrency');
  }
  const cmd = parseCommand(['denoise', ...rest]);
  if (cmd.command !== 'denoise') throw new UsageError('usage: hush submit <files or folders...> --out <dir> --redis <url>');
  const redisUrl = redisOf(flags);
  const queue = queueOf(flags);
  const attempts = integer('attempts', flags.attempts, 1, 100, DEFAULT_ATTEMPTS);
  const options = batchOptionsOf(cmd);
  const notice = connectionNotice(io, 'hush submit');
  const sent = await submitBatch({ redisUrl, queue, inputs: cmd.inputs, recursive: cmd.recursive, options, attempts, onConnection: notice });
  for (const m of sent.missing) io.stderr.write(`FAILED   ${m}: no such file or folder [unreadable]\n`);
  if (sent.files === 0 && !flags.wait) {
    io.stderr.write(sent.missing.length ? 'hush: nothing to do\n' : `hush: no photos or recordings found in ${cmd.inputs.join(', ')}${cmd.recursive ? '' : ' (use --recursive for sub-folders)'}\n`);
    return 1;
  }
  const summary = { batch: sent.batch, queue, submitted: sent.files, missing: sent.missing, submitSeconds: sent.seconds };
  if (!cmd.json) io.stdout.write(`submitted ${sent.files} files as batch ${sent.batch} to queue "${queue}" in ${formatSeconds(sent.seconds)}; outputs go to ${options.outDir}\n`);
  if (!flags.wait) {
    if (cmd.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return sent.missing.length ? 1 : 0;
  }
  const view = progressView(io, cmd.json);
  const failures: Failure[] = [];
  const counts = await watchBatch({
    redisUrl, queue, batch: sent.batch, onConnection: notice,
    onProgress: (c) => view.show(c),
    onFailure: (f) => {
      failures.push(f);
      view.failure(f);
    },
  });
  view.finish();
  if (cmd.json) {
    io.stdout.write(`${JSON.stringify({ ...summary, ...counts, failures: failures.map((f) => ({ input: f.input, ...f.error })) }, null, 2)}\n`);
  } else {
    io.stdout.write(`${counts.done} done, ${counts.failed + sent.missing.length} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''} of ${counts.total} in the batch; outputs in ${options.outDir}\n`);
  }
  return counts.failed === 0 && sent.missing.length === 0 ? 0 : 1;
}

async function runStatus(argv: readonly string[], io: Io): Promise<number> {
  const { flags, rest } = takeFlags(argv, ['redis', 'queue', 'json']);
  noExtra(rest, 'hush status');
  const s = await queueStatus(redisOf(flags), queueOf(flags));
  io.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
  return 0;
}

async function runRetry(argv: readonly string[], io: Io): Promise<number> {
  const { flags, rest } = takeFlags(argv, ['redis', 'queue']);
  noExtra(rest, 'hush retry-failed');
  const n = await retryFailed(redisOf(flags), queueOf(flags));
  io.stdout.write(`${n} failed job${n === 1 ? '' : 's'} put back in the queue\n`);
  return 0;
}

/** Run one distributed command; usage errors are thrown as UsageError for the caller to print. */
export function runClusterCommand(name: ClusterCommandName, argv: readonly string[], io: Io): Promise<number> {
  switch (name) {
    case 'worker':
      return runWorker(argv, io);
    case 'submit':
      return runSubmit(argv, io);
    case 'status':
      return runStatus(argv, io);
    case 'retry-failed':
      return runRetry(argv, io);
  }
}
