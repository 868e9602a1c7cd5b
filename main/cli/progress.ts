// What the CLI shows while a batch runs: a one-line progress bar redrawn in place on a terminal,
// plain lines (one per finished file) when output goes to a pipe or a log.
import path from 'node:path';
import type { FileOutcome, JobEvent } from '../engine/jobs/events.ts';

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  if (m < 60) return `${m}:${String(sec).padStart(2, '0')}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

/** One line per finished file, the same on a terminal and in a log. */
export function describeOutcome(o: FileOutcome, cwd = process.cwd()): string {
  const rel = (p: string): string => {
    const r = path.relative(cwd, p);
    return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
  };
  switch (o.status) {
    case 'done': {
      const r = o.result;
      const unit = r.kind === 'image' ? `sigma ${round(r.strength)}` : `${round(r.strength)} dB`;
      const est = r.estimate === undefined ? '' : r.kind === 'image' ? `, estimated sigma ${round(r.estimate)}` : `, input SNR ${round(r.estimate)} dB`;
      return `done     ${rel(o.input)} -> ${rel(r.output)} (${unit}${est}, ${formatSeconds(r.seconds)})`;
    }
    case 'skipped':
      return `skipped  ${rel(o.input)}: ${o.reason} (${rel(o.output)})`;
    case 'failed':
      return `FAILED   ${rel(o.input)}: ${o.error.message} [${o.error.code}]`;
    case 'cancelled':
      return `cancelled ${rel(o.input)}`;
  }
}

function round(x: number): string {
  return String(Math.round(x * 10) / 10);
}

export interface ProgressView {
  onEvent(event: JobEvent): void;
  /** Print a line above the bar (or just a line). */
  line(text: string, toStderr?: boolean): void;
  finish(): void;
}

/** Least seconds between two plain progress lines in a log (files finishing are always printed). */
const PLAIN_PROGRESS_EVERY_S = 15;

export function createProgressView(total: number, tty: boolean, out: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr, now: () => number = () => performance.now()): ProgressView {
  let finished = 0;
  let lastPlain = now();
  let current = '';
  let stage = '';
  let overall = 0;
  let eta: number | null = null;
  let drawn = false;

  const bar = (): string => {
    const columns = err.columns ?? 80;
    // A bar of steady width; the file name takes what is left and gives way first.
    const width = Math.max(10, Math.min(30, columns - 50));
    const etaText = eta === null ? '' : ` ETA ${formatSeconds(eta)}`;
    const head = `${String(Math.floor(overall * 100)).padStart(3)}% ${finished}/${total}`;
    const room = columns - 1 - (width + 3) - head.length - 1 - stage.length - etaText.length - 1;
    const name = room < 4 ? '' : current.length > room ? `…${current.slice(-(room - 1))}` : current;
    const filled = Math.round(overall * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${head} ${name}${name ? ' ' : ''}${stage}${etaText}`.slice(0, columns - 1);
  };
  const clear = (): void => {
    if (tty && drawn) err.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = (): void => {
    if (!tty) {
      // In a log, a long file still shows it is alive: a progress line now and then, on stderr.
      const t = now();
      if (t - lastPlain >= PLAIN_PROGRESS_EVERY_S * 1000 && finished < total) {
        lastPlain = t;
        const etaText = eta === null ? '' : `, ETA ${formatSeconds(eta)}`;
        err.write(`progress ${Math.floor(overall * 100)}% (${finished}/${total} files${etaText}) ${current} ${stage}\n`);
      }
      return;
    }
    err.write(`\r\x1b[2K${bar()}`);
    drawn = true;
  };
  return {
    onEvent(event) {
      overall = event.overall;
      eta = event.etaSeconds;
      if (event.type === 'progress') {
        if (event.stage !== 'queued') {
          current = path.basename(event.path);
          stage = event.stage;
        }
      } else {
        finished++;
        lastPlain = now();
        clear();
        const failed = event.outcome.status === 'failed';
        (failed ? err : out).write(`${describeOutcome(event.outcome)}\n`);
      }
      draw();
    },
    line(text, toStderr = false) {
      clear();
      (toStderr ? err : out).write(`${text}\n`);
      draw();
    },
    finish() {
      clear();
    },
  };
}
