// Blind σ estimation on real photos: synthetic Gaussian noise on CBSD68 (known σ), real camera noise
// on CC15 (σ measured from noisy − mean-of-shots), and the file-level estimate.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { join } from 'node:path';
import { estimateImageNoise, estimateNoiseLevels, estimateSigma, symmetricEigenvalues } from '../../../main/engine/image/noise-estimate.ts';
import { addNoise, CBSD68, DATA, gaussian, tempDir } from './helpers.ts';

const PHOTOS = ['101087.png', '102061.png', '108005.png'].map((f) => join(CBSD68, f));

async function load(path: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

describe('eigen helpers', () => {
  it('Jacobi eigenvalues of a known symmetric matrix', () => {
    // [[2,1],[1,2]] → 3, 1
    expect(symmetricEigenvalues(Float64Array.from([2, 1, 1, 2]), 2).sort()).toEqual([expect.closeTo(1, 10), expect.closeTo(3, 10)]);
  });
});

describe('estimateSigma (white Gaussian noise, float, unclipped — the DPIR protocol)', () => {
  it.each([5, 15, 25, 50])('σ = %i on three CBSD68 photos within ±1', async (sigma) => {
    for (const path of PHOTOS) {
      const img = await load(path);
      const rnd = gaussian(sigma * 1000 + img.width);
      const noisy = Float32Array.from(img.data, (v) => v + sigma * rnd());
      const est = estimateSigma({ data: noisy, width: img.width, height: img.height, channels: 3, maxValue: 255 });
      expect(Math.abs(est - sigma), `${path}: ${est}`).toBeLessThan(1);
    }
  });

  it('reads a clean photo as nearly noise-free', async () => {
    for (const path of PHOTOS) {
      const img = await load(path);
      expect(estimateSigma({ ...img, channels: 3 })).toBeLessThan(1.5);
    }
  });
});

describe("estimateNoiseLevels ('auto')", () => {
  it('8-bit noisy photos (clipped, rounded) come out within ±2.5 of σ', async () => {
    for (const sigma of [15, 30]) {
      for (const path of PHOTOS) {
        const img = await load(path);
        const noisy = addNoise(img.data, sigma, sigma);
        const lv = estimateNoiseLevels([{ data: noisy, width: img.width, height: img.height, channels: 3 }]);
        expect(Math.abs(lv.sigma - sigma), `${path} σ=${sigma}: ${JSON.stringify(lv)}`).toBeLessThan(2.5);
      }
    }
  });

  it('sees real camera noise (CC15) that the white-noise estimate misses, and ranks ISO levels', async () => {
    const dir = join(DATA, 'eval/CC15-real');
    const auto: Record<string, number> = {};
    for (const name of ['d800_iso1600_1', 'd800_iso1600_2', 'd800_iso6400_1', 'd800_iso6400_2']) {
      const { data, info } = await sharp(join(dir, `${name}_real.png`)).raw().toBuffer({ resolveWithObject: true });
      const mean = await sharp(join(dir, `${name}_mean.png`)).raw().toBuffer();
      let ss = 0;
      for (let i = 0; i < mean.length; i++) ss += (data[i] - mean[i]) ** 2;
      const measured = Math.sqrt(ss / mean.length);
      const lv = estimateNoiseLevels([{ data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 }]);
      expect(lv.sigma).toBeGreaterThan(2 * lv.white);
      expect(lv.sigma / measured).toBeGreaterThan(0.3);
      expect(lv.sigma / measured).toBeLessThan(1.2);
      auto[name] = lv.sigma;
    }
    expect(Math.min(auto.d800_iso6400_1, auto.d800_iso6400_2)).toBeGreaterThan(Math.max(auto.d800_iso1600_1, auto.d800_iso1600_2));
  });
});

describe('estimateImageNoise (file)', () => {
  it('estimates a noisy JPEG-free PNG and a large image via crops', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const img = await load(PHOTOS[0]);
      const p = join(dir, 'n.png');
      await sharp(Buffer.from(addNoise(img.data, 20, 5)), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(p);
      expect(Math.abs((await estimateImageNoise(p)) - 20)).toBeLessThan(2.5);
      // 2000×1500: sampled as a 3×3 grid of crops.
      const big = join(dir, 'big.png');
      const up = await sharp(PHOTOS[1]).resize(2000, 1500, { fit: 'fill' }).raw().toBuffer();
      await sharp(Buffer.from(addNoise(new Uint8Array(up), 12, 6)), { raw: { width: 2000, height: 1500, channels: 3 } }).png().toFile(big);
      expect(Math.abs((await estimateImageNoise(big)) - 12)).toBeLessThan(2);
    } finally {
      await cleanup();
    }
  });

  it("reads spatially correlated (demosaiced-like) noise at its RMS, where the white-noise estimate sees a fraction", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const img = await load(PHOTOS[2]);
      // White noise σ 8 blurred by a 1-px Gaussian (separable, 5 taps) and rescaled to RMS 8.
      const n = img.width * img.height * 3;
      const g = gaussian(77);
      const white = Float32Array.from({ length: n }, () => g());
      const k = [0.054, 0.244, 0.403, 0.244, 0.054];
      const blur = (src: Float32Array, dx: number, dy: number): Float32Array => {
        const out = new Float32Array(n);
        for (let y = 0; y < img.height; y++)
          for (let x = 0; x < img.width; x++)
            for (let c = 0; c < 3; c++) {
              let s = 0;
              for (let j = -2; j <= 2; j++) {
                const xx = Math.min(img.width - 1, Math.max(0, x + j * dx));
                const yy = Math.min(img.height - 1, Math.max(0, y + j * dy));
                s += k[j + 2] * src[(yy * img.width + xx) * 3 + c];
              }
              out[(y * img.width + x) * 3 + c] = s;
            }
        return out;
      };
      const field = blur(blur(white, 1, 0), 0, 1);
      const rms = Math.sqrt(field.reduce((a, v) => a + v * v, 0) / n);
      const noisy = new Uint8Array(n);
      for (let i = 0; i < n; i++) noisy[i] = Math.min(255, Math.max(0, Math.round(img.data[i] + (8 * field[i]) / rms)));
      const p = join(dir, 'camera.png');
      await sharp(Buffer.from(noisy), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(p);
      const white8 = estimateSigma({ data: noisy, width: img.width, height: img.height, channels: 3 });
      const auto = await estimateImageNoise(p);
      expect(white8).toBeLessThan(4);
      expect(auto).toBeGreaterThan(5.5);
      expect(auto).toBeLessThan(10.5);
    } finally {
      await cleanup();
    }
  });
});
