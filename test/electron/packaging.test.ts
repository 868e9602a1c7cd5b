// electron-builder.yml checked the way electron-builder itself checks it (its own schema validator),
// plus what the schema cannot know: every resource it ships exists, native modules are unpacked,
// the built entries are inside `files`, and the icons have the sizes the platforms need.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { entries } from '../../main/electron/build.ts';

const repo = path.resolve(import.meta.dirname, '..', '..');
interface Resource { from: string; to: string; filter: string[] }
// Loaded by electron-builder's own config reader, exactly as `electron-builder --config electron-builder.yml` does.
let config: Record<string, any>;
beforeAll(async () => {
  config = (await getConfig(repo, path.join(repo, 'electron-builder.yml'), null)) as Record<string, any>;
});
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

/** Minimal glob for the patterns used here: `**` any folders, `*` within one name. */
const glob = (pattern: string): RegExp =>
  new RegExp('^' + pattern.split('**/').map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('(?:.*/)?') + '$');

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own configuration validation (and that validation does reject mistakes)', async () => {
    await expect(validateConfiguration(structuredClone(config) as never, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(config), bogus: 1 } as never, new DebugLogger(false))).rejects.toThrow(/unknown property 'bogus'/);
  });

  it('builds AppImage and deb, NSIS, and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.linux.maintainer).toMatch(/<.+@.+>/); // deb refuses to build without one
  });

  it('ships the models and every wasm binary outside the asar', () => {
    const resources = config.extraResources as Resource[];
    const models = resources.find((r) => r.to === 'models')!;
    expect(existsSync(path.join(repo, models.from))).toBe(true);
    const wasm = resources.find((r) => r.to === 'wasm')!;
    const wasmFiles = readdirSync(path.join(repo, wasm.from)).filter((f) => wasm.filter.some((p) => glob(p).test(f)));
    expect(wasmFiles.sort()).toEqual(['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm']);
    expect(config.asar).toBe(true);
  });

  it('unpacks the native modules from the asar', () => {
    const unpack = (config.asarUnpack as string[]).map(glob);
    for (const file of ['node_modules/sharp/lib/index.js', 'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node', 'node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node']) {
      expect(unpack.some((re) => re.test(file)), file).toBe(true);
    }
    expect(unpack.some((re) => re.test('node_modules/zod/index.js'))).toBe(false);
  });

  it('packs exactly what the build writes and what package.json starts', () => {
    // electron-builder's reader normalises `files` to [{ filter: [...] }].
    const patterns = (config.files as { filter: string[] }[]).flatMap((f) => f.filter);
    const include = patterns.filter((p) => !p.startsWith('!')).map(glob);
    const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => glob(p.slice(1)));
    const packed = (rel: string): boolean => include.some((re) => re.test(rel)) && !exclude.some((re) => re.test(rel));
    expect(packed(pkg.main)).toBe(true);
    for (const e of entries) expect(packed(path.relative(repo, e.outfile).split(path.sep).join('/'))).toBe(true);
    expect(packed('dist/renderer/index.html')).toBe(true);
    expect(packed('ml/train.ts')).toBe(false);
    expect(packed('dist/main/electron/main.js.map')).toBe(false);
    expect(pkg.main).toBe('dist/main/electron/main.js');
    expect(pkg.scripts.dist).toMatch(/npm run build && electron-builder/);
  });

  it('has icons in the sizes Linux, Windows and macOS need', async () => {
    for (const s of [16, 32, 48, 64, 128, 256, 512]) {
      const meta = await sharp(path.join(repo, config.linux.icon, `${s}x${s}.png`)).metadata();
      expect([meta.width, meta.height]).toEqual([s, s]);
    }
    const big = await sharp(path.join(repo, config.mac.icon)).metadata();
    expect(big.width).toBeGreaterThanOrEqual(512); // mac needs ≥ 512, Windows ≥ 256
    expect(config.win.icon).toBe(config.mac.icon);
  });
});
