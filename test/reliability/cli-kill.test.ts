// Nothing is lost when the engine dies: the real `hush` CLI (bin/hush.mjs, real engine process,
// shipped models) is run on a batch; while a long recording is being written (its hidden partial
// output exists) the engine process — the CLI's child — is SIGKILLed. The CLI must say which files
// were done and which one failed as engine-crashed, go on with a fresh engine, leave no partial
// file, never touch the inputs; a re-run with --skip-existing skips the finished outputs and does
// only the rest.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIAL_MARK } from '../../main/engine/jobs/output-naming.ts';
import { decodeAudio, decodeRgb } from '../engine/engine-helpers.ts';
import { photo, silentWav } from './bad-input-fixtures.ts';

/** `seconds` of 16 kHz mono 16-bit noise + tone (long enough to be killed while it is written). */
function longWav(seconds: number): Buffer {
  const n = seconds * 16000;
  const b = silentWav(n);
  let s = 1;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    b.writeInt16LE(Math.round(6000 * Math.sin(i * 0.07) + 1500 * (s / 2 ** 32 - 0.5)), 44 + 2 * i);
  }
  return b;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir = '';
let inputs: string[] = [];
const hashes = new Map<string, string>();
const sha = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hush-cli-kill-'));
  await mkdir(path.join(dir, 'in'));
  inputs = [path.join(dir, 'in', 'first.png'), path.join(dir, 'in', 'long recording.wav'), path.join(dir, 'in', 'third.png'), path.join(dir, 'in', 'fourth.png')];
  await writeFile(inputs[0], await photo(120, 90).png().toBuffer());
  await writeFile(inputs[1], longWav(120));
  await writeFile(inputs[2], await photo(100, 80).png().toBuffer());
  await writeFile(inputs[3], await photo(90, 100).png().toBuffer());
  for (const p of inputs) {
    await chmod(p, 0o444);
    hashes.set(p, `${await sha(p)} ${(await stat(p)).mtimeMs}`);
  }
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[], onStart?: (pid: number, out: () => string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/hush.mjs', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const r: Run = { code: null, stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (r.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (r.stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      r.code = code;
      // Let the pipes drain.
      setTimeout(() => resolve(r), 50);
    });
    onStart?.(child.pid!, () => r.stdout);
  });
}

/**
 * The pid of the CLI's engine process. Picked by its command line: on a fresh checkout tsx also runs
 * an esbuild service as a child of the CLI, and killing that instead would prove nothing.
 */
function engineChildOf(pid: number): number | null {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
    const engine = out.split('\n').map((l) => l.trim()).find((l) => l.includes('engine-process'));
    return engine === undefined ? null : Number(engine.split(/\s+/)[0]);
  } catch {
    return null;
  }
}

describe('hush CLI: engine killed mid-batch', () => {
  it('reports done and crashed files, leaves no partials, and --skip-existing resumes', async () => {
    const out = path.join(dir, 'out');
    let killedWhile = '';
    let killError = '';
    const first = await runCli(['denoise', ...inputs, '--out', out, '--sigma', '25', '--reduction-db', '12'], (cli) => {
      const poll = setInterval(() => {
        void (async () => {
          const names = await readdir(out).catch(() => [] as string[]);
          const partial = names.find((n) => n.includes(PARTIAL_MARK) && n.includes('long recording'));
          if (!partial) return;
          clearInterval(poll);
          const engine = engineChildOf(cli);
          if (!engine) {
            killError = 'no engine child found';
            return;
          }
          killedWhile = partial;
          process.kill(engine, 'SIGKILL');
        })();
      }, 10);
      setTimeout(() => clearInterval(poll), 180_000);
    });
    expect(killError).toBe('');
    expect(killedWhile, `stdout:\n${first.stdout}\nstderr:\n${first.stderr}`).not.toBe('');

    // Exit 1 (a file failed); the first file is reported done, the recording as engine-crashed, the rest done.
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/continuing with a fresh engine/);
    const doneLines = first.stdout.split('\n').filter((l) => l.startsWith('done'));
    const failedLines = first.stderr.split('\n').filter((l) => l.startsWith('FAILED'));
    expect(doneLines.join('\n')).toContain('first.png');
    expect(doneLines.join('\n')).toContain('third.png');
    expect(doneLines.join('\n')).toContain('fourth.png');
    expect(failedLines).toHaveLength(1);
    expect(failedLines[0]).toMatch(/long recording\.wav.*\[engine-crashed\]$/);
    expect(first.stdout).toMatch(/3 done, 1 failed/);
    const afterKill = (await readdir(out)).sort();
    expect(afterKill).toEqual(['first.png', 'fourth.png', 'third.png']);

    // Re-run with --skip-existing: the three finished outputs are skipped, the recording is done.
    const before = new Map(await Promise.all(afterKill.map(async (n) => [n, await sha(path.join(out, n))] as const)));
    const second = await runCli(['denoise', ...inputs, '--out', out, '--sigma', '25', '--reduction-db', '12', '--skip-existing']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.split('\n').filter((l) => l.startsWith('skipped'))).toHaveLength(3);
    expect(second.stdout).toMatch(/1 done, 0 failed, 3 skipped/);
    expect((await readdir(out)).sort()).toEqual(['first.png', 'fourth.png', 'long recording.wav', 'third.png']);
    for (const [n, h] of before) expect(await sha(path.join(out, n))).toBe(h); // skipped = untouched
    const rec = await decodeAudio(path.join(out, 'long recording.wav'));
    expect(rec.channels[0].length).toBe(120 * 16000);
    expect((await decodeRgb(path.join(out, 'first.png'))).width).toBe(120);

    const strip = (t: string): string => t.replaceAll(dir, '<tmp>').split('\n').filter((l) => /^(done|FAILED|skipped|hush:|\d+ done)/.test(l)).join('\n');
    console.log(`killed the engine while ${killedWhile.replaceAll(dir, '')} existed\nfirst run (exit ${first.code}):\n${strip(first.stdout + first.stderr)}\nre-run with --skip-existing (exit ${second.code}):\n${strip(second.stdout + second.stderr)}`);

    // Inputs: byte-identical, never modified.
    for (const p of inputs) expect(`${await sha(p)} ${(await stat(p)).mtimeMs}`).toBe(hashes.get(p));
  }, 300_000);
});
