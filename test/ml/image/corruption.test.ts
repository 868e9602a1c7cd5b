import { describe, expect, it } from 'vitest';
import { addCorrelated, addGaussian, addJpegNoisy, addMasking, addPoissonGaussian, corrupt, measuredSigma, type Patch, CORRUPTION_KINDS } from '../../../ml/image/corruption.ts';
import { Rng } from '../../../ml/image/rng.ts';

function flat(size: number, value: number): Patch {
  return { data: new Float32Array(size * size * 3).fill(value), width: size, height: size };
}

function std(xs: ArrayLike<number>, ref: ArrayLike<number>): number {
  let s = 0;
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i] - ref[i];
  m /= xs.length;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - ref[i] - m) ** 2;
  return Math.sqrt(s / xs.length);
}

/** Correlation of the noise between horizontally adjacent pixels (same channel). */
function neighbourCorrelation(noisy: Float32Array, clean: Float32Array, w: number, h: number): number {
  let sxy = 0;
  let sxx = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x + 1 < w; x++)
      for (let c = 0; c < 3; c++) {
        const a = noisy[(y * w + x) * 3 + c] - clean[(y * w + x) * 3 + c];
        const b = noisy[(y * w + x + 1) * 3 + c] - clean[(y * w + x + 1) * 3 + c];
        sxy += a * b;
        sxx += a * a;
      }
  return sxy / sxx;
}

describe('image corruptions', () => {
  it('Gaussian noise has the requested σ, zero mean, and is white', () => {
    const p = flat(128, 0.5);
    for (const sigma of [5, 25, 75]) {
      const c = addGaussian(p, sigma, new Rng(sigma));
      expect(c.sigma).toBe(sigma);
      expect(std(c.noisy, p.data) * 255).toBeGreaterThan(sigma * 0.98);
      expect(std(c.noisy, p.data) * 255).toBeLessThan(sigma * 1.02);
      expect(Math.abs(neighbourCorrelation(c.noisy, p.data, 128, 128))).toBeLessThan(0.02);
    }
  });

  it('Poisson–Gaussian variance follows a·x + b', () => {
    const a = 0.01;
    const b = (5 / 255) ** 2;
    for (const level of [0.1, 0.8]) {
      const p = flat(128, level);
      const c = addPoissonGaussian(p, a, b, new Rng(3));
      const expected = Math.sqrt(a * level + b);
      expect(std(c.noisy, p.data)).toBeGreaterThan(expected * 0.97);
      expect(std(c.noisy, p.data)).toBeLessThan(expected * 1.03);
      expect(c.sigma / 255).toBeCloseTo(expected, 4);
    }
  });

  it('correlated noise keeps σ but is correlated between neighbours', () => {
    const p = flat(96, 0.4);
    const c = addCorrelated(p, 20, 1, new Rng(5));
    expect(std(c.noisy, p.data) * 255).toBeCloseTo(20, 0);
    expect(neighbourCorrelation(c.noisy, p.data, 96, 96)).toBeGreaterThan(0.5);
  });

  it('JPEG-compressed noisy input stays in [0,1] and reports the measured error', async () => {
    const p = flat(64, 0.5);
    for (let i = 0; i < p.data.length; i++) p.data[i] = 0.3 + 0.4 * (((i / 3) | 0) % 64) / 64; // gradient
    const c = await addJpegNoisy(p, 20, 70, new Rng(7));
    expect(Math.min(...c.noisy)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...c.noisy)).toBeLessThanOrEqual(1);
    expect(c.sigma).toBeCloseTo(measuredSigma(p.data, c.noisy), 6);
    // Compression removes part of the noise: the error is below the Gaussian σ but not zero.
    expect(c.sigma).toBeGreaterThan(3);
    expect(c.sigma).toBeLessThan(20);
  });

  it('masking drops about `rate` of the pixels, all channels together', () => {
    const p = flat(128, 0.6);
    const c = addMasking(p, 0.1, 0, new Rng(9));
    let dropped = 0;
    let partial = 0;
    for (let i = 0; i < 128 * 128; i++) {
      const zeros = [0, 1, 2].filter((k) => c.noisy[i * 3 + k] === 0).length;
      if (zeros === 3) dropped++;
      else if (zeros > 0) partial++;
    }
    expect(partial).toBe(0);
    expect(dropped / (128 * 128)).toBeGreaterThan(0.09);
    expect(dropped / (128 * 128)).toBeLessThan(0.11);
  });

  it('corrupt() honours the weights and is deterministic for a seed', async () => {
    const p = flat(32, 0.5);
    const only = (k: (typeof CORRUPTION_KINDS)[number]) => ({
      weights: Object.fromEntries(CORRUPTION_KINDS.map((x) => [x, x === k ? 1 : 0])) as Record<(typeof CORRUPTION_KINDS)[number], number>,
      sigmaMax: 75,
    });
    for (const k of CORRUPTION_KINDS) expect((await corrupt(p, only(k), new Rng(1))).kind).toBe(k);
    const a = await corrupt(p, only('gaussian'), new Rng(42));
    const b = await corrupt(p, only('gaussian'), new Rng(42));
    expect(Array.from(a.noisy)).toEqual(Array.from(b.noisy));
    // σ is drawn over 0–75.
    const sigmas: number[] = [];
    const rng = new Rng(2);
    for (let i = 0; i < 400; i++) sigmas.push((await corrupt(p, only('gaussian'), rng)).sigma);
    expect(Math.min(...sigmas)).toBeLessThan(3);
    expect(Math.max(...sigmas)).toBeGreaterThan(72);
    expect(Math.max(...sigmas)).toBeLessThanOrEqual(75);
  });
});
