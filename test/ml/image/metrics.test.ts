import { describe, expect, it } from 'vitest';
import { psnr, ssim, mse, toUint8 } from '../../../ml/image/metrics.ts';

// Deterministic synthetic pair; reference values from an independent NumPy implementation of the
// KAIR/DPIR SSIM (2-D 11×11 Gaussian window σ=1.5, valid region, mean over RGB) — see the report.
function pair(): { a: Float64Array; b: Float64Array; w: number; h: number } {
  const w = 40;
  const h = 30;
  const a = new Float64Array(w * h * 3);
  const b = new Float64Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        const i = (y * w + x) * 3 + c;
        a[i] = (x * 7 + y * 3 + c * 50) % 256;
        b[i] = Math.min(255, Math.max(0, a[i] + ((x * y + c) % 17) - 8));
      }
  return { a, b, w, h };
}

describe('PSNR', () => {
  it('matches 10·log10(255²/MSE) for a known error', () => {
    const a = new Uint8Array(300).fill(100);
    const b = new Uint8Array(300).fill(110); // MSE = 100
    expect(mse(a, b)).toBe(100);
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10(65025 / 100), 10);
    expect(psnr(a, a)).toBe(Infinity);
  });
  it('matches the NumPy reference on the synthetic pair', () => {
    const { a, b } = pair();
    expect(psnr(a, b)).toBeCloseTo(34.06554373295994, 9);
  });
});

describe('SSIM (Gaussian 11×11, σ = 1.5, RGB mean)', () => {
  it('is 1 for identical images and matches the NumPy reference value', () => {
    const { a, b, w, h } = pair();
    expect(ssim(a, a, w, h)).toBeCloseTo(1, 12);
    expect(ssim(a, b, w, h)).toBeCloseTo(0.948211645877393, 9);
  });
  it('follows the luminance formula for a constant offset of a flat image', () => {
    const w = 16;
    const h = 16;
    const a = new Float64Array(w * h * 3).fill(100);
    const b = new Float64Array(w * h * 3).fill(120);
    const C1 = (0.01 * 255) ** 2;
    expect(ssim(a, b, w, h)).toBeCloseTo((2 * 100 * 120 + C1) / (100 * 100 + 120 * 120 + C1), 10);
  });
  it('rejects mismatched or tiny images', () => {
    expect(() => ssim(new Float64Array(30), new Float64Array(30), 10, 1)).toThrow();
  });
});

describe('toUint8', () => {
  it('clips and rounds like the DPIR protocol', () => {
    expect(Array.from(toUint8([-0.1, 0, 0.5, 1.2, 0.999]))).toEqual([0, 0, 128, 255, 255]);
  });
});
