// `hush` command line: denoise photos and recordings in batches, or show what the engine runs on.
// The engine runs in its own process (the same host the desktop app uses); this file only parses,
// collects files, shows progress and turns the outcome into an exit status.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineApi, EngineInfo } from '../engine/engine-api.ts';
import type { BatchSummary } from '../engine/jobs/events.ts';
import { HushError } from '../engine/types.ts';
import { EngineClient } from '../host/engine-client.ts';
import { forkNodeEngine } from '../host/transport.ts';
import { parseCommand, UsageError, USAGE, type DenoiseCommand } from './args.ts';
import { isClusterCommand, runClusterCommand } from './cluster.ts';
import { collectFiles } from './collect-files.ts';
import { createProgressView, describeOutcome, formatSeconds } from './progress.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

function appVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Engine to use (tests inject one); default: a fresh engine process. */
  readonly engine?: () => EngineApi & { dispose(): Promise<void> };
}

function formatInfo(info: EngineInfo): string {
  const b = info.backend;
  const model = (m: EngineInfo['models']['image'], label: string): string =>
    m ? `${label}: ${m.name} (weights ${m.version}), ${m.params.toLocaleString("en-US")} parameters (${m.dir})` : `${label}: not available`;
  return [
    `Hush ${info.versions.app}`,
    `backend: ${b.name}${b.name === 'wasm' ? (b.simd ? ' (SIMD)' : ' (no SIMD)') : ''}, ${b.threads} ${b.name === 'wasm' && b.threads > 1 ? 'worker threads' : `thread${b.threads === 1 ? '' : 's'}`}`,
    model(info.models.image, 'image model'),
    model(info.models.audio, 'audio model'),
    ...info.modelErrors.map((e) => `  ! ${e}`),
    `versions: node ${info.versions.node}, tfjs ${info.versions.tfjs}, sharp ${info.versions.sharp}, libvips ${info.versions.libvips}`,
  ].join('\n');
}

async function runDenoise(cmd: DenoiseCommand, engine: EngineApi, io: CliIo): Promise<number> {
  const { files, missing } = await collectFiles(cmd.inputs, { recursive: cmd.recursive, outDir: cmd.out });
  for (const m of missing) io.stderr.write(`FAILED   ${m}: no such file or folder [unreadable]\n`);
  if (files.length === 0) {
    io.stderr.write(missing.length ? 'hush: nothing to do\n' : `hush: no photos or recordings found in ${cmd.inputs.join(', ')}${cmd.recursive ? '' : ' (use --recursive for sub-folders)'}\n`);
    return EXIT_FAILED;
  }
  const tty = io.stderr.isTTY === true && !cmd.json;
  const view = createProgressView(files.length, tty, cmd.json ? io.stderr : io.stdout, io.stderr);
  const handle = engine.denoise(
    {
      files: files.map((p) => ({ path: p })),
      outDir: path.resolve(cmd.out),
      sigma: cmd.sigma,
      reductionDb: cmd.reductionDb,
      ...(cmd.imageFormat ? { imageFormat: cmd.imageFormat } : {}),
      ...(cmd.audioFormat ? { audioFormat: cmd.audioFormat } : {}),
      ...(cmd.quality !== undefined ? { quality: cmd.quality } : {}),
      ...(cmd.bitDepth !== undefined ? { bitDepth: cmd.bitDepth } : {}),
      ...(cmd.sampleFormat !== undefined ? { sampleFormat: cmd.sampleFormat } : {}),
      ...(cmd.namePattern !== undefined ? { namePattern: cmd.namePattern } : {}),
      concurrency: cmd.jobs,
      skipExisting: cmd.skipExisting,
      overwrite: cmd.overwrite,
    },
    (event) => view.onEvent(event),
  );
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(EXIT_INTERRUPTED); // second Ctrl-C: leave now
    interrupted = true;
    view.line('hush: cancelling (press Ctrl-C again to quit at once)...', true);
    handle.cancel();
  };
  process.on('SIGINT', onSigint);
  let summary: BatchSummary;
  try {
    summary = await handle.result;
  } finally {
    process.off('SIGINT', onSigint);
    view.finish();
  }
  const failed = summary.outcomes.filter((o) => o.status === 'failed');
  if (cmd.json) {
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const parts = [`${summary.done} done`, `${summary.failed + missing.length} failed`];
    if (summary.skipped) parts.push(`${summary.skipped} skipped`);
    if (summary.cancelled) parts.push(`${summary.cancelled} cancelled`);
    io.stdout.write(`${parts.join(', ')} in ${formatSeconds(summary.seconds)}; outputs in ${path.resolve(cmd.out)}\n`);
  }
  // Each failure was printed as it happened; on a terminal repeat them together after the bar.
  if (tty) for (const f of failed) io.stderr.write(`${describeOutcome(f)}\n`);
  if (interrupted || summary.wasCancelled) return EXIT_INTERRUPTED;
  return failed.length === 0 && missing.length === 0 && summary.cancelled === 0 ? EXIT_OK : EXIT_FAILED;
}

/** Run the CLI with `argv` (without node and script) and return the exit status. */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // Distributed batches over Redis (worker, submit, status, retry-failed): main/cli/cluster.ts.
  if (isClusterCommand(argv[0])) {
    try {
      return await runClusterCommand(argv[0], argv.slice(1), io);
    } catch (err) {
      if (err instanceof UsageError) {
        io.stderr.write(`hush: ${err.message}\n\n${USAGE}\n`);
        return EXIT_USAGE;
      }
      io.stderr.write(`hush: ${err instanceof HushError ? `${err.message} [${err.code}]` : err instanceof Error ? err.message : String(err)}\n`);
      return EXIT_FAILED;
    }
  }
  let cmd;
  try {
    cmd = parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`hush: ${err.message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (cmd.command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (cmd.command === 'version') {
    io.stdout.write(`${appVersion()}\n`);
    return EXIT_OK;
  }
  const engine = io.engine?.() ?? new EngineClient({ spawn: () => forkNodeEngine({ echoStderr: process.env.HUSH_ENGINE_DEBUG === '1' }) });
  try {
    if (cmd.command === 'info') {
      const info = await engine.info();
      io.stdout.write(cmd.json ? `${JSON.stringify(info, null, 2)}\n` : `${formatInfo(info)}\n`);
      return EXIT_OK;
    }
    // During a batch a crash is survived (the batch goes on in a fresh process): say it happened.
    if (engine instanceof EngineClient) engine.onCrash((info) => io.stderr.write(`hush: ${info.message}; continuing with a fresh engine\n`));
    return await runDenoise(cmd, engine, io);
  } catch (err) {
    const message = err instanceof HushError ? `${err.message} [${err.code}]` : err instanceof Error ? err.message : String(err);
    io.stderr.write(`hush: ${message}\n`);
    return EXIT_FAILED;
  } finally {
    await engine.dispose();
  }
}
