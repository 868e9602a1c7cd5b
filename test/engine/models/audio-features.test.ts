import { describe, expect, it } from 'vitest';
import { frameSpecForRate, powerSpectrum, stft } from '../../../main/engine/audio/stft.ts';
import { bandCentres, bandLayout, bandPower, binGains, DEFAULT_BANDS, gainFloor, noiseFloor, rawFeatures } from '../../../main/engine/models/audio-features.ts';

function noise(n: number, seed: number, sigma: number): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

describe('audio band features', () => {
  it('band centres run from 0 to 8 kHz, increasing, at least 100 Hz apart, ERB-like at the top', () => {
    const c = bandCentres();
    expect(c.length).toBe(40);
    expect(c[0]).toBe(0);
    expect(c[39]).toBe(8000);
    for (let i = 1; i < c.length; i++) expect(c[i] - c[i - 1]).toBeGreaterThanOrEqual(100 - 1e-9);
    expect(c[39] - c[38]).toBeGreaterThan(4 * (c[1] - c[0]));
  });

  it('triangular weights split every bin below 8 kHz between two bands and mark the high band', () => {
    for (const rate of [16000, 44100, 48000]) {
      const spec = frameSpecForRate(rate);
      const L = bandLayout(spec, rate);
      for (let k = 0; k < L.nBins; k++) {
        const f = (k * rate) / spec.fftSize;
        if (f > 8000) expect(L.lower[k]).toBe(-1);
        else {
          expect(L.weight[k]).toBeGreaterThanOrEqual(0);
          expect(L.weight[k]).toBeLessThanOrEqual(1);
        }
      }
      for (let b = 0; b < L.nBands; b++) expect(L.bandNorm[b]).toBeGreaterThan(0);
    }
  });

  it('band power of white noise equals its variance at every rate (rate-invariant features)', () => {
    for (const rate of [16000, 48000]) {
      const spec = frameSpecForRate(rate);
      const L = bandLayout(spec, rate);
      const x = noise(rate * 4, rate, 0.1);
      const S = stft(x, spec);
      const bp = bandPower(powerSpectrum(S), S.nFrames, L);
      // average over inner frames, every band
      for (let b = 0; b < L.nBands; b++) {
        let m = 0;
        for (let t = 10; t < S.nFrames - 10; t++) m += bp[t * L.nBands + b];
        m /= S.nFrames - 20;
        expect(Math.abs(10 * Math.log10(m / 0.01))).toBeLessThan(b < 3 ? 1.5 : 0.7);
      }
    }
  });

  it('binGains interpolates, gives bins above 8 kHz the 2–6 kHz gain, and clamps to the floor', () => {
    const rate = 48000;
    const spec = frameSpecForRate(rate);
    const L = bandLayout(spec, rate, DEFAULT_BANDS);
    const g = new Float32Array(2 * L.nBands);
    for (let b = 0; b < L.nBands; b++) {
      g[b] = 0.5; // frame 0: flat
      g[L.nBands + b] = b / (L.nBands - 1); // frame 1: ramp
    }
    const floor = gainFloor(20);
    expect(floor).toBeCloseTo(0.1, 10);
    const out = binGains(g, 2, L, floor);
    for (let k = 0; k < L.nBins; k++) expect(out[k]).toBeCloseTo(0.5, 6);
    const hf = L.hfBands.reduce((s, b) => s + b / (L.nBands - 1), 0) / L.hfBands.length;
    expect(out[L.nBins + L.nBins - 1]).toBeCloseTo(hf, 6);
    expect(out[L.nBins]).toBeCloseTo(floor, 6); // DC: band 0 gain 0 → clamped to the floor
    for (let k = 1; k < L.nBins; k++) if (L.lower[k] >= 0) expect(out[L.nBins + k]).toBeGreaterThanOrEqual(out[L.nBins + k - 1] - 1e-6);
  });
});

describe('high band (full-band input)', () => {
  it('bins above 8 kHz get the share of 2–6 kHz energy the model keeps', () => {
    const rate = 48000;
    const L = bandLayout(frameSpecForRate(rate), rate, DEFAULT_BANDS);
    const g = new Float32Array(L.nBands).fill(0.2);
    const p = new Float32Array(L.nBands).fill(1e-6);
    // all 2–8 kHz energy sits in one band whose gain is 1: the high band is kept in full
    const loud = L.hfBands[5];
    g[loud] = 1;
    p[loud] = 1;
    const out = binGains(g, 1, L, 0.01, p);
    expect(out[L.nBins - 1]).toBeCloseTo(1, 3);
    // the same gains with the energy in a band at 0.2: the high band follows it down
    const p2 = new Float32Array(L.nBands).fill(1e-6);
    p2[L.hfBands[6]] = 1;
    expect(binGains(g, 1, L, 0.01, p2)[L.nBins - 1]).toBeCloseTo(0.2, 3);
  });
});

describe('noise-floor feature', () => {
  it('is the sliding minimum of the smoothed band power (checked against a naive loop)', () => {
    const nFrames = 257, nBands = 3, half = 20;
    const p = new Float32Array(nFrames * nBands).map((_, i) => 2000 - i + Math.abs(Math.sin(i * 0.37)) * 10 + (i % 17)); // falling: edge windows must not look past their end
    const got = noiseFloor(p, nFrames, nBands, half, 2);
    for (let b = 0; b < nBands; b++) {
      for (let t = 0; t < nFrames; t++) {
        let min = Infinity;
        for (let u = Math.max(0, t - half); u <= Math.min(nFrames - 1, t + half); u++) {
          let s = 0, c = 0;
          for (let v = Math.max(0, u - 2); v <= Math.min(nFrames - 1, u + 2); v++) {
            s += p[v * nBands + b];
            c++;
          }
          min = Math.min(min, s / c);
        }
        expect(got[t * nBands + b]).toBeCloseTo(min, 4);
      }
    }
  });

  it('gives each band its a-posteriori SNR: ~0 dB in steady noise, high where a tone starts', () => {
    const nFrames = 300, nBands = 2;
    const p = new Float32Array(nFrames * nBands).fill(1e-4);
    for (let t = 200; t < 220; t++) p[t * nBands + 1] = 1e-1;
    const f = rawFeatures(p, nFrames, nBands, 100);
    expect(f[100 * 4 + 2]).toBeCloseTo(0, 5); // band 0, frame 100: log10(P/N) = 0
    expect(f[210 * 4 + 3]).toBeGreaterThan(2.5); // band 1 during the tone: ≥ 25 dB over the floor
    expect(f[210 * 4 + 1]).toBeCloseTo(-1, 5); // raw log10 power channel
  });
});
