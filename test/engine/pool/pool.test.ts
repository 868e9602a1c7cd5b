// The inference pool: same pixels and gains as in-process, previews ahead of batch tiles, a crashed
// worker fails only its job and is replaced, no tensor growth over a batch, and a live pool does not
// keep a process from exiting.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../main/engine/engine.ts';
import { MemoryRaster } from '../../../main/engine/image/raster.ts';
import { denoiseRaster } from '../../../main/engine/image/tiling.ts';
import { loadImageDenoiser, type DisposableImageDenoiser } from '../../../main/engine/models/image-denoiser.ts';
import { PooledAudioDenoiser, startPooledImageDenoiser, type PooledImageDenoiser } from '../../../main/engine/pool/index.ts';
import { loadAudioModel, previewImageDenoiser, tileConcurrency as tileConcurrencyOf } from '../../../main/engine/pool/index.ts';
import { decodeRgb } from '../engine-helpers.ts';
import { makeTestModels, type TestResources } from './pool-models.ts';

const CBSD68 = path.resolve('../shared/data/images/eval/CBSD68');
const VCTK_NOISY = path.resolve('../shared/data/audio/pairs/vctk-p287/noisy');
const photos = ['101085.png', '102061.png', '108005.png'].map((f) => path.join(CBSD68, f));

let res: TestResources;
let local: DisposableImageDenoiser;
let pooled: PooledImageDenoiser;

/** Real photo pixels as a float tile of the given size (top-left crop), noisy at σ = 25. */
async function photoTile(file: string, size: number): Promise<Float32Array> {
  const { data, width } = await decodeRgb(file);
  const out = new Float32Array(size * size * 3);
  let seed = 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size * 3; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      out[y * size * 3 + x] = data[y * width * 3 + x] / 255 + ((seed / 0x7fffffff - 0.5) * 25) / 255;
    }
  }
  return out;
}

async function photoRaster(file: string): Promise<MemoryRaster> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new MemoryRaster(new Uint8Array(data), info.width, info.height, 3, 8);
}

beforeAll(async () => {
  res = await makeTestModels();
  local = await loadImageDenoiser(res.imageDir);
  pooled = await startPooledImageDenoiser(res.imageDir, { size: 2 });
});

afterAll(async () => {
  local?.dispose();
  await pooled?.pool.close();
  if (res) await rm(res.resourcesDir, { recursive: true, force: true });
});

describe('pooled image denoiser', () => {
  it('returns the in-process model’s tile bit for bit, with its geometry', async () => {
    expect(pooled.receptiveField).toBe(local.receptiveField);
    expect(pooled.sizeMultiple).toBe(local.sizeMultiple);
    expect(pooled.parallelism).toBe(2);
    const data = await photoTile(photos[0], 96);
    const want = await local.denoise({ data, width: 96, height: 96 }, 25);
    const got = await pooled.denoise({ data, width: 96, height: 96 }, 25);
    expect(got.width).toBe(96);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
    // The caller's tile is left intact (the packed copy is what travels).
    expect(data.length).toBe(96 * 96 * 3);
    // σ = 0 leaves the tile untouched, as in-process.
    expect(Array.from((await pooled.denoise({ data, width: 96, height: 96 }, 0)).data)).toEqual(Array.from(data));
  });

  it('tiles a real photo with 2 tiles in flight to the same pixels as in-process one at a time', async () => {
    const a = await photoRaster(photos[1]);
    const b = await photoRaster(photos[1]);
    await denoiseRaster(a, local, 25, { tileSize: 128, concurrency: 1 });
    // Random extra latency makes tiles finish out of order, as they do under load.
    const shuffled = { ...pooled, denoise: async (t: Parameters<typeof pooled.denoise>[0], sg: number) => {
      const r = await pooled.denoise(t, sg);
      await new Promise((ok) => setTimeout(ok, Math.random() * 30));
      return r;
    } };
    await denoiseRaster(b, shuffled, 25, { tileSize: 128, concurrency: 3 });
    expect(Buffer.compare(Buffer.from(a.output as Uint8Array), Buffer.from(b.output as Uint8Array))).toBe(0);
    // and it did denoise: the output differs from the input
    expect(Buffer.compare(Buffer.from(b.output as Uint8Array), Buffer.from(b.source as Uint8Array))).not.toBe(0);
  });

  it('runs preview (high-priority) tiles ahead of queued batch tiles', async () => {
    const one = await startPooledImageDenoiser(res.imageDir, { size: 1 });
    try {
      const data = await photoTile(photos[2], 128);
      const order: string[] = [];
      const jobs = [0, 1, 2, 3, 4].map((i) => one.denoise({ data, width: 128, height: 128 }, 25).then(() => order.push(`batch${i}`)));
      const preview = one.withPriority('high').denoise({ data, width: 128, height: 128 }, 25).then(() => order.push('preview'));
      await Promise.all([...jobs, preview]);
      // batch0 was already running on the only worker; the preview is next.
      expect(order).toEqual(['batch0', 'preview', 'batch1', 'batch2', 'batch3', 'batch4']);
      expect(one.pool.completed).toEqual({ high: 1, normal: 5 });
      expect(tileConcurrencyOf(one.withPriority('high'))).toBe(1);
      expect(tileConcurrencyOf(previewImageDenoiser(pooled))).toBe(2);
    } finally {
      await one.pool.close();
    }
  });

  it('reports a crashed worker as an error for its tile only, then recovers', async () => {
    const entry = fileURLToPath(new URL('./crashing-worker-entry.mjs', import.meta.url));
    const p = await startPooledImageDenoiser(res.imageDir, { size: 2, entry });
    try {
      const data = await photoTile(photos[0], 64);
      const want = await local.denoise({ data, width: 64, height: 64 }, 25);
      const before = p.denoise({ data, width: 64, height: 64 }, 25);
      const crash = p.denoise({ data: new Float32Array(12 * 12 * 3), width: 12, height: 12 }, 25);
      await expect(crash).rejects.toThrow(/inference worker stopped unexpectedly \(exit code 3\)/);
      expect(Array.from((await before).data)).toEqual(Array.from(want.data));
      // The pool goes on with a replacement worker and gives the same answers.
      const after = await Promise.all([0, 1, 2].map(() => p.denoise({ data, width: 64, height: 64 }, 25)));
      for (const r of after) expect(Array.from(r.data)).toEqual(Array.from(want.data));
      expect(p.pool.restarts).toBe(1);
      await expect.poll(() => p.pool.size, { timeout: 60_000 }).toBe(2);
    } finally {
      await p.pool.close();
    }
    // A closed pool refuses work with a clear error.
    await expect(p.denoise({ data: new Float32Array(64 * 64 * 3), width: 64, height: 64 }, 25)).rejects.toThrow(/shut down/);
  });

  it('fails pool start-up with the model error when the model folder is missing', async () => {
    await expect(startPooledImageDenoiser(path.join(res.resourcesDir, 'nope'), { size: 1 })).rejects.toThrow(/cannot load the image model/);
  });

  it('lets the process exit while the pool is alive (idle workers are unref()ed)', () => {
    const script = fileURLToPath(new URL('./keep-pool-alive.mts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, res.imageDir], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`tile ${16 * 16 * 3}`);
    expect(r.status).toBe(0);
  });
});

describe('engine on the pool', () => {
  it('denoises a batch of photos and a recording exactly as in-process, without tensor growth', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'hush-pool-engine-'));
    const saved = process.env.HUSH_WORKERS;
    try {
      process.env.HUSH_WORKERS = '0';
      const inproc = await createEngine({ backend: 'wasm', resourcesDir: res.resourcesDir });
      process.env.HUSH_WORKERS = '2';
      const pool = await createEngine({ backend: 'wasm', resourcesDir: res.resourcesDir });
      const recording = path.join(VCTK_NOISY, 'p287_001.flac');
      const files = [...photos, recording].map((p) => ({ path: p }));
      const run = async (engine: typeof pool, dir: string) => {
        const s = await engine.denoise({ files, outDir: path.join(out, dir), sigma: 25, reductionDb: 18, audioFormat: 'wav' }).result;
        expect(s.failed).toBe(0);
        expect(s.done).toBe(files.length);
        return s;
      };
      await run(inproc, 'a');
      const img = (await pool.imageDenoiser()) as PooledImageDenoiser;
      const aud = await pool.audioDenoiser();
      expect(img.parallelism).toBe(2);
      expect(aud).toBeInstanceOf(PooledAudioDenoiser);
      const poolMem0 = [...(await img.memory()), ...(await (aud as PooledAudioDenoiser).memory())];
      const main0 = tf.memory().numTensors;
      await run(pool, 'b');
      await run(pool, 'c');
      // Every tensor made for a batch is disposed, in the workers and on the engine's thread.
      expect([...(await img.memory()), ...(await (aud as PooledAudioDenoiser).memory())]).toEqual(poolMem0);
      expect(tf.memory().numTensors).toBe(main0);
      for (const f of files) {
        const name = path.basename(f.path).replace(/\.flac$/, '.wav');
        const [a, b] = await Promise.all([readFile(path.join(out, 'a', name)), readFile(path.join(out, 'b', name))]);
        if (name.endsWith('.png')) {
          const [ra, rb] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
          expect(Buffer.compare(ra, rb), name).toBe(0);
        } else {
          expect(Buffer.compare(a, b), name).toBe(0);
        }
      }
      await Promise.all([inproc.dispose(), pool.dispose()]);
    } finally {
      if (saved === undefined) delete process.env.HUSH_WORKERS;
      else process.env.HUSH_WORKERS = saved;
      await rm(out, { recursive: true, force: true });
    }
  });

  it('pooled audio gains equal in-process gains; the in-process fallback is chosen off wasm', async () => {
    const inproc = await loadAudioModel(res.audioDir, { name: 'tensorflow' });
    expect(inproc).not.toBeInstanceOf(PooledAudioDenoiser);
    const pooledAudio = await loadAudioModel(res.audioDir, { name: 'wasm' }, { workers: 2 });
    try {
      const spec = inproc.frameSpec(48000);
      const nBins = spec.fftSize / 2 + 1;
      const nFrames = 300;
      const power = new Float32Array(nFrames * nBins);
      for (let i = 0; i < power.length; i++) power[i] = 1e-4 * (1 + Math.sin(i * 0.37)) ** 2;
      const [a, b] = await Promise.all([inproc.gains(power, nFrames, nBins, 48000, 20), pooledAudio.gains(power, nFrames, nBins, 48000, 20)]);
      expect(Array.from(b)).toEqual(Array.from(a));
      expect(power[1]).toBe(Math.fround(1e-4 * (1 + Math.sin(0.37)) ** 2)); // caller's array intact
    } finally {
      inproc.dispose();
      pooledAudio.dispose();
    }
  });
});
