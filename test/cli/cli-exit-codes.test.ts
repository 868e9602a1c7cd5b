// The CLI's contract with scripts: exit status, one line per failed file, inputs never written.
// Runs main() with the copy-engine fixture in a real child process (fast, no TF.js); the real
// engine end to end is in cli-e2e.test.ts.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../main/cli/main.ts';
import { EngineClient } from '../../main/host/engine-client.ts';
import { forkNodeEngine } from '../../main/host/transport.ts';

const FIXTURE = fileURLToPath(new URL('../host/fixtures/copy-engine-process.ts', import.meta.url));

class Capture {
  text = '';
  isTTY = false;
  columns = 100;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hush-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: CliIo = {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    engine: () => new EngineClient({ spawn: () => forkNodeEngine({ entry: FIXTURE }) }),
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function file(name: string, text = `content of ${name}`): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
}

describe('hush CLI exit codes', () => {
  it('exits 0 when every file succeeded, keeping input names inside --out', async () => {
    const a = await file('a.png');
    const b = await file('b.png');
    const out = path.join(dir, 'out');
    const r = await run(['denoise', a, b, '--out', out]);
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['a.png', 'b.png']);
    expect(r.stdout).toMatch(/2 done, 0 failed/);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('done'))).toHaveLength(2);
  });

  it('exits 2 on a usage error', async () => {
    const r = await run(['denoise', 'a.png', '--sigma', '9000', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sigma must be/);
  });

  it('exits non-zero with one line per failed file while the others still succeed', async () => {
    const a = await file('a.png');
    const crash = await file('crash.png');
    const c = await file('c.png');
    const missing = path.join(dir, 'nope.png');
    const out = path.join(dir, 'out');
    const r = await run(['denoise', a, crash, c, missing, '--out', out]);
    expect(r.code).toBe(1);
    const failedLines = r.stderr.split('\n').filter((l) => l.startsWith('FAILED'));
    expect(failedLines).toHaveLength(2);
    expect(failedLines.find((l) => l.includes('crash.png'))).toMatch(/\[engine-crashed\]$/);
    expect(failedLines.find((l) => l.includes('nope.png'))).toMatch(/no such file/);
    expect((await readdir(out)).sort()).toEqual(['a.png', 'c.png']);
  });

  it('never writes over an input: a unique name without --overwrite, a failure with it', async () => {
    const a = await file('a.png', 'the original');
    const unique = await run(['denoise', a, '--out', dir]);
    expect(unique.code).toBe(0);
    expect(await readFile(a, 'utf8')).toBe('the original');
    expect((await readdir(dir)).sort()).toEqual(['a-1.png', 'a.png']);

    const forced = await run(['denoise', a, '--out', dir, '--overwrite']);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(/FAILED .*a\.png: refusing to overwrite the input .*\[would-overwrite-input\]/);
    expect(await readFile(a, 'utf8')).toBe('the original');
  });

  it('--skip-existing resumes: finished outputs are skipped, exit 0', async () => {
    const a = await file('a.png');
    const b = await file('b.png');
    const out = path.join(dir, 'out');
    expect((await run(['denoise', a, '--out', out])).code).toBe(0);
    const r = await run(['denoise', a, b, '--out', out, '--skip-existing']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/skipped +.*a\.png: output already exists/);
    expect(r.stdout).toMatch(/1 done, 0 failed, 1 skipped/);
  });

  it('finds files in folders (recursively when asked) and never picks up its own outputs', async () => {
    await file('a.png');
    await file('notes.txt');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'sub', 'b.png'), 'b');
    const out = path.join(dir, 'out');
    const flat = await run(['denoise', dir, '--out', out]);
    expect(flat.code).toBe(0);
    expect(await readdir(out)).toEqual(['a.png']);
    const deep = await run(['denoise', dir, '--out', out, '--recursive', '--overwrite']);
    expect(deep.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['a.png', 'b.png']);
  });
});
