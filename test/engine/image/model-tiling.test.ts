// The same tiling guarantees with the real TF.js image DAE (its architecture, receptive field and
// size multiple; trained weights when shipped, otherwise freshly initialised ones — tiling must be
// exact for any weights), and — once weights are shipped — that the saved file is really denoised.
import { beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { buildImageDae } from '../../../main/engine/models/image-dae.ts';
import { imageDenoiserFromModel, loadImageDenoiser, type DisposableImageDenoiser } from '../../../main/engine/models/image-denoiser.ts';
import { denoiseRaster, denoiseWhole } from '../../../main/engine/image/tiling.ts';
import { MemoryRaster } from '../../../main/engine/image/raster.ts';
import { denoiseImageFile } from '../../../main/engine/image/pipeline.ts';
import { addNoise, ASTRONAUT, decode, PHOTO, psnr, tempDir } from './helpers.ts';

const WEIGHTS = join(process.cwd(), 'resources/models/image-dae');
const shipped = existsSync(join(WEIGHTS, 'model.json'));
let denoiser: DisposableImageDenoiser;

beforeAll(async () => {
  await initBackend();
  denoiser = shipped ? await loadImageDenoiser(WEIGHTS) : imageDenoiserFromModel(buildImageDae());
});

async function crop16(path: string, w: number, h: number): Promise<MemoryRaster> {
  const { data, info } = await sharp(path).extract({ left: 0, top: 0, width: w, height: h }).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  return new MemoryRaster(new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2), info.width, info.height, 3, 16);
}

describe('tiling with the TF.js image DAE', () => {
  it('tiled equals whole-image inference away from the image border', async () => {
    const tiled = await crop16(ASTRONAUT, 200, 152);
    const whole = await crop16(ASTRONAUT, 200, 152);
    const m = denoiser.receptiveField;
    // Tiles of 2·(margin+blend/2)+64 px: several per axis even on this small crop.
    await denoiseRaster(tiled, denoiser, 25, { tileSize: 64, blend: 16 });
    await denoiseWhole(whole, denoiser, 25);
    let maxDiff = 0;
    let sumDiff = 0;
    let n = 0;
    for (let y = m; y < tiled.height - m; y++) {
      for (let x = m; x < tiled.width - m; x++) {
        for (let c = 0; c < 3; c++) {
          const i = (y * tiled.width + x) * 3 + c;
          const d = Math.abs(tiled.output[i] - whole.output[i]);
          maxDiff = Math.max(maxDiff, d);
          sumDiff += d;
          n++;
        }
      }
    }
    let changed = 0;
    for (let i = 0; i < tiled.output.length; i++) if (tiled.output[i] !== tiled.source[i]) changed++;
    console.log(`DAE tiled vs whole: max ${maxDiff}, mean ${(sumDiff / n).toFixed(4)} (16-bit codes); ${changed} of ${tiled.output.length} samples changed`);
    expect(changed).toBeGreaterThan(tiled.output.length / 2);
    // 16-bit code values: float32 accumulation order only.
    expect(sumDiff / n).toBeLessThan(0.5);
    expect(maxDiff).toBeLessThanOrEqual(8);
  });
});

describe.skipIf(!shipped)('shipped image DAE through the file pipeline', () => {
  it('denoises a noisy CBSD68 photo (σ = 25) by a clear PSNR margin, in tiles', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const { data, info } = await sharp(PHOTO).raw().toBuffer({ resolveWithObject: true });
      const clean = new Uint8Array(data);
      const noisyPath = join(dir, 'noisy.png');
      await sharp(Buffer.from(addNoise(clean, 25, 11)), { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(noisyPath);
      const out = join(dir, 'out.png');
      await denoiseImageFile(noisyPath, out, { sigma: 25, tileSize: 160 }, { denoiser });
      const before = psnr((await decode(noisyPath)).data, clean);
      const after = psnr((await decode(out)).data, clean);
      console.log(`shipped DAE, ${PHOTO.split("/").pop()} σ=25: PSNR noisy ${before.toFixed(2)} dB → denoised ${after.toFixed(2)} dB`);
      expect(after).toBeGreaterThan(before + 5);
    } finally {
      await cleanup();
    }
  });
});
