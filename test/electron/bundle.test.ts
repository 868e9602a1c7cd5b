// `npm run build` output for Electron: the esbuild bundles are built for real, the engine
// bundle runs on plain Node (no tsx) behind the UtilityProcess interface and answers, the preload
// needs nothing but `electron`, and every package the main/engine bundles import ships with the app.
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { entries } from '../../main/electron/build.ts';
import { EngineClient } from '../../main/host/engine-client.ts';
import { adaptUtilityProcess } from '../../main/host/transport.ts';
import { FakeUtilityProcess } from './fake-electron.ts';

const repo = path.resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const [mainEntry, preloadEntry, engineEntry, poolWorkerEntry] = entries;

/** Bare module names a bundle still imports or requires. */
async function importsOf(file: string): Promise<string[]> {
  const code = await readFile(file, 'utf8');
  const names = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)"([^"./][^"]*)"/g)) names.add(m[1]);
  return [...names].sort();
}
const packageOf = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

beforeAll(async () => {
  for (const options of entries) await build({ ...options, logLevel: 'silent' });
}, 120_000);

describe('Electron bundles', () => {
  it('writes the files package.json and main.ts expect', () => {
    expect(path.relative(repo, mainEntry.outfile)).toBe(path.join('dist', 'main', 'electron', 'main.js'));
    expect(path.relative(repo, preloadEntry.outfile)).toBe(path.join('dist', 'preload', 'index.cjs'));
    expect(path.relative(repo, engineEntry.outfile)).toBe(path.join('dist', 'engine', 'engine-process.js'));
    // worker-pool.ts looks for its worker entry beside the module that starts it (the engine bundle).
    expect(path.relative(repo, poolWorkerEntry.outfile)).toBe(path.join('dist', 'engine', 'pool-worker-entry.mjs'));
  });

  it('the preload is a CommonJS bundle that requires only electron (a sandboxed preload can load nothing else)', async () => {
    expect(await importsOf(preloadEntry.outfile)).toEqual(['electron']);
    expect(await readFile(preloadEntry.outfile, 'utf8')).toContain('exposeInMainWorld');
  });

  it('main and engine import only Node built-ins, electron, and the app’s shipped dependencies', async () => {
    const shipped = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    for (const file of [mainEntry.outfile, engineEntry.outfile, poolWorkerEntry.outfile]) {
      for (const spec of await importsOf(file)) {
        const ok = spec.startsWith('node:') || builtins.has(spec) || spec === 'electron' || shipped.has(packageOf(spec));
        expect(ok, `${path.basename(file)} imports ${spec}`).toBe(true);
      }
    }
    expect(await importsOf(mainEntry.outfile)).toEqual(expect.arrayContaining(['electron', 'sharp', 'zod', 'node:fs/promises']));
    expect(await importsOf(engineEntry.outfile)).toEqual(expect.arrayContaining(['@tensorflow/tfjs-backend-wasm', 'sharp']));
    expect(await importsOf(engineEntry.outfile)).not.toContain('electron');
  });

  it('the built engine entry runs on plain Node as a utility process and answers info()', async () => {
    const client = new EngineClient({
      spawn: () => adaptUtilityProcess(new FakeUtilityProcess({ ...process.env, HUSH_RESOURCES_DIR: path.join(repo, 'resources') }, engineEntry.outfile)),
    });
    try {
      const info = await client.info();
      expect(info.backend.name).toMatch(/wasm|tensorflow|cpu/);
      expect(info.versions.app).toBe(JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')).version);
      if (info.backend.name === 'wasm') {
        // The bundled pool worker was found: inference runs on one worker thread per core.
        expect(info.backend.threads).toBe(availableParallelism());
        const photo = path.join(repo, '..', 'shared', 'data', 'images', 'eval', 'CBSD68', '101087.png');
        const preview = await client.previewImage({ path: photo, sigma: 25, region: { left: 0, top: 0, width: 96, height: 96 } });
        expect(preview.sigma).toBe(25);
        expect(preview.after).not.toEqual(preview.before);
      }
    } finally {
      await client.dispose();
    }
  }, 120_000);
});
