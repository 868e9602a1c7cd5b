// Real training data for the ml/core tests: RGB crops of a few CBSD432 photos (training split).
import sharp from 'sharp';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Batch } from '../../../ml/core/train.ts';
import type { Rng } from '../../../ml/core/rng.ts';

export const TRAIN_DIR = path.resolve('../shared/data/images/train/CBSD432');

export interface Photo {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export async function loadPhotos(n: number): Promise<Photo[]> {
  const files = readdirSync(TRAIN_DIR).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().slice(0, n);
  return Promise.all(
    files.map(async (f) => {
      const { data, info } = await sharp(path.join(TRAIN_DIR, f)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data: new Uint8Array(data), width: info.width, height: info.height };
    }),
  );
}

/** n random size×size crops in [0,1], NHWC. */
export function crops(photos: readonly Photo[], rng: Rng, n: number, size: number): Float32Array {
  const out = new Float32Array(n * size * size * 3);
  for (let b = 0; b < n; b++) {
    const p = rng.pick(photos);
    const ox = rng.int(p.width - size);
    const oy = rng.int(p.height - size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size * 3; x++) out[(b * size + y) * size * 3 + x] = p.data[((oy + y) * p.width + ox) * 3 + x] / 255;
  }
  return out;
}

/** Denoising batches: clean crops as targets, + Gaussian noise σ (0–255 scale) as inputs. */
export function denoisingBatches(photos: readonly Photo[], batch: number, size: number, sigma: number) {
  return (rng: Rng): Batch => {
    const clean = crops(photos, rng, batch, size);
    const noisy = new Float32Array(clean.length);
    for (let i = 0; i < clean.length; i++) noisy[i] = clean[i] + rng.normal(0, sigma / 255);
    const shape = [batch, size, size, 3];
    return { input: { data: noisy, shape }, target: { data: clean, shape } };
  };
}
