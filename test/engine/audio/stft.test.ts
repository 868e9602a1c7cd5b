import { describe, expect, it } from 'vitest';
import {
  analyseFrames, frameCount, framesCovering, frameSpecForRate, frameStart, irfft, istft, rfft,
  samplesForFrames, sqrtHannWindow, stft, synthesiseRange,
} from '../../../main/engine/audio/stft.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}

function naiveDft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  const re = new Float64Array(n / 2 + 1), im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    for (let j = 0; j < n; j++) {
      re[k] += x[j] * Math.cos((2 * Math.PI * j * k) / n);
      im[k] -= x[j] * Math.sin((2 * Math.PI * j * k) / n);
    }
  }
  return { re, im };
}

describe('real FFT', () => {
  it.each([4, 8, 64, 512])('matches a naive DFT and inverts (n=%i)', (n) => {
    const r = rng(n);
    const x = new Float64Array(n).map(() => r() * 2 - 1);
    const ref = naiveDft(x);
    const re = new Float64Array(n / 2 + 1), im = new Float64Array(n / 2 + 1);
    rfft(x, re, im, n);
    for (let k = 0; k <= n / 2; k++) {
      expect(re[k]).toBeCloseTo(ref.re[k], 9);
      expect(im[k]).toBeCloseTo(ref.im[k], 9);
    }
    const back = new Float64Array(n);
    irfft(re, im, back, n);
    for (let j = 0; j < n; j++) expect(back[j]).toBeCloseTo(x[j], 12);
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => rfft(new Float64Array(12), new Float64Array(7), new Float64Array(7), 12)).toThrow(RangeError);
  });
});

describe('STFT geometry', () => {
  it('keeps a constant frame duration at every rate', () => {
    for (const rate of [8000, 16000, 22050, 44100, 48000, 96000]) {
      const s = frameSpecForRate(rate);
      expect(Math.abs(s.hop / rate - 0.01)).toBeLessThan(0.5 / rate + 1e-12);
      expect(s.fftSize).toBeGreaterThanOrEqual(2 * s.hop);
      expect(s.fftSize & (s.fftSize - 1)).toBe(0);
    }
    expect(frameSpecForRate(16000)).toMatchObject({ hop: 160, fftSize: 512 });
    expect(frameSpecForRate(48000)).toMatchObject({ hop: 480, fftSize: 1024 });
  });

  it('sqrt-Hann satisfies Σw² = 1 at 50 % overlap', () => {
    const w = sqrtHannWindow(320, 512);
    for (let i = 0; i < 160; i++) {
      let s = 0;
      for (let k = i; k < 512; k += 160) s += w[k] * w[k];
      expect(s).toBeCloseTo(1, 6);
    }
  });

  it('frame t ends at sample (t+1)·hop and frameCount covers the signal', () => {
    const s = frameSpecForRate(16000);
    expect(frameStart(0, s)).toBe(160 - 512);
    expect(frameStart(3, s) + s.fftSize).toBe(4 * 160);
    const n = 1000;
    const nf = frameCount(n, s);
    expect(frameStart(nf - 1, s)).toBeLessThan(n);
    expect(frameStart(nf, s)).toBeGreaterThanOrEqual(n);
    const { f0, f1 } = framesCovering(0, n, s);
    expect([f0, f1]).toEqual([0, nf]);
  });
});

describe('STFT round trip', () => {
  it.each([16000, 44100, 48000])('istft(stft(x)) == x to ~1e-6 at %i Hz, ends included', (rate) => {
    const spec = frameSpecForRate(rate);
    const r = rng(rate);
    const x = new Float32Array(rate + 123).map((_, i) => 0.5 * Math.sin(i * 0.01) + (r() - 0.5) * 0.5);
    const y = istft(stft(x, spec), spec, x.length);
    let maxErr = 0;
    for (let i = 0; i < x.length; i++) maxErr = Math.max(maxErr, Math.abs(y[i] - x[i]));
    expect(maxErr).toBeLessThan(2e-6);
  });

  it('block-wise analysis/synthesis equals the whole-signal result exactly', () => {
    const spec = frameSpecForRate(16000);
    const r = rng(7);
    const n = 16000 * 2 + 77;
    const x = new Float32Array(n).map(() => r() * 2 - 1);
    // a "model": a per-frame gain that depends on a neighbourhood of ±2 frames
    const ctx = 2;
    const process = (S: { re: Float32Array; im: Float32Array; nBins: number; nFrames: number }, firstAbs: number, total: number) => {
      const power = new Float32Array(S.re.length);
      for (let i = 0; i < power.length; i++) power[i] = S.re[i] ** 2 + S.im[i] ** 2;
      const gains = new Float32Array(S.nFrames);
      // frames outside the signal do not exist: treat them exactly like the whole-signal pass does
      for (let t = 0; t < S.nFrames; t++) {
        let e = 0;
        for (let d = -ctx; d <= ctx; d++) {
          const u = t + d;
          if (u < 0 || u >= S.nFrames || firstAbs + u >= total) continue;
          for (let k = 0; k < S.nBins; k++) e += power[u * S.nBins + k];
        }
        gains[t] = 1 / (1 + e * 1e-4);
      }
      for (let t = 0; t < S.nFrames; t++) for (let k = 0; k < S.nBins; k++) { S.re[t * S.nBins + k] *= gains[t]; S.im[t * S.nBins + k] *= gains[t]; }
    };
    const nf = frameCount(n, spec);
    const whole = stft(x, spec);
    process(whole, 0, nf);
    const ref = istft(whole, spec, n);

    const block = 5000;
    const out = new Float32Array(n);
    for (let a = 0; a < n; a += block) {
      const b = Math.min(n, a + block);
      const { f0, f1 } = framesCovering(a, b, spec);
      const g0 = Math.max(0, f0 - ctx);
      const g1 = Math.min(nf, f1 + ctx);
      const { s0, s1 } = samplesForFrames(g0, g1, spec);
      const lo = Math.max(0, s0), hi = Math.min(n, s1);
      const S = analyseFrames(x.subarray(lo, hi), lo, g0, g1 - g0, spec, n);
      process(S, g0, nf);
      out.set(synthesiseRange(S, g0, a, b - a, spec), a);
    }
    for (let i = 0; i < n; i++) expect(out[i]).toBe(ref[i]);
  });
});
