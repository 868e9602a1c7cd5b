// The Electron glue and the preload are type-checked against electron's real .d.ts (the binary
// cannot run here, its types can), together with the IPC layer and the compile-time checks in
// test/ipc/handler-coverage.typecheck.ts. A deliberately wrong use of an Electron API must fail,
// which shows the types really come from electron.d.ts and not from `any`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..', '..');
const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

async function typecheck(project: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: repo, maxBuffer: 16 << 20 });
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('type-check against electron.d.ts', () => {
  it('main/electron, preload, the IPC layer and the web bridge compile under strict TypeScript', async () => {
    const { code, output } = await typecheck(path.join(repo, 'test', 'electron', 'tsconfig.typecheck.json'));
    const mine = output.split('\n').filter((l) => /^(main\/(electron|ipc|web-bridge)|preload|test\/(electron|ipc|web-bridge))\//.test(l));
    expect(mine).toEqual([]);
    expect(code, output.slice(0, 2000)).toBe(0);
  }, 240_000);

  it('rejects a wrong use of the Electron API (so the real types are in force)', async () => {
    const dir = await mkdtemp(path.join(repo, 'test', 'electron', '.tmp-typecheck-'));
    try {
      await writeFile(
        path.join(dir, 'bad.ts'),
        "import { BrowserWindow, utilityProcess } from 'electron';\n" +
          "new BrowserWindow({ webPreferences: { contextIsolation: 'yes' } });\n" +
          "utilityProcess.fork(42);\n",
      );
      await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../../tsconfig.json', include: ['bad.ts'] }));
      const { code, output } = await typecheck(path.join(dir, 'tsconfig.json'));
      expect(code).not.toBe(0);
      expect(output).toMatch(/bad\.ts\(2,[0-9]+\): error TS2322/);
      expect(output).toMatch(/bad\.ts\(3,[0-9]+\): error TS2345/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
