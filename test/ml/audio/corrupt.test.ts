import { describe, expect, it } from 'vitest';
import { frameSpecForRate, powerSpectrum, stft } from '../../../main/engine/audio/stft.ts';
import { clicks, corrupt, DEFAULT_CORRUPTION, drawKind, drawSpeed, hiss, hum, noiseCrop, peakingEq, Rng, snrDb } from '../../../ml/audio/corrupt.ts';
import { readFlacMono } from '../../../ml/audio/flac.ts';
import { resample } from '../../../ml/audio/resample.ts';

const SPEECH = '../shared/data/audio/speech/librispeech-excerpts/198-209-0000.flac';
const NOISE = '../shared/data/audio/noise/background/doing_the_dishes.flac';

/** Mean power spectrum (dB) over frames. */
function spectrumDb(x: Float32Array, rate: number): { db: Float64Array; hz: number } {
  const spec = frameSpecForRate(rate, 0.05);
  const S = stft(x, spec);
  const P = powerSpectrum(S);
  const db = new Float64Array(S.nBins);
  for (let t = 0; t < S.nFrames; t++) for (let k = 0; k < S.nBins; k++) db[k] += P[t * S.nBins + k] / S.nFrames;
  for (let k = 0; k < S.nBins; k++) db[k] = 10 * Math.log10(db[k] + 1e-20);
  return { db, hz: rate / spec.fftSize };
}

describe('audio corruption', () => {
  it('mixes real speech and real noise at exactly the drawn SNR, for every kind and combination', async () => {
    const s = await readFlacMono(SPEECH);
    const n = await readFlacMono(NOISE);
    const clean = s.samples.subarray(0, 16000 * 3);
    const rng = new Rng(42);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const m = corrupt(clean, 16000, [{ samples: n.samples }], DEFAULT_CORRUPTION, rng);
      expect(m.snrDb).toBeGreaterThanOrEqual(-5);
      expect(m.snrDb).toBeLessThanOrEqual(25);
      expect(snrDb(clean, m.noise)).toBeCloseTo(m.snrDb, 6);
      // noisy really is clean + noise
      const d = new Float32Array(clean.length).map((_, j) => m.noisy[j] - clean[j]);
      expect(snrDb(clean, d)).toBeCloseTo(m.snrDb, 3);
      seen.add(m.kinds.join('+'));
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it('draws kinds by their configured weights and never a disabled one', () => {
    const rng = new Rng(1);
    const counts = { noise: 0, hiss: 0, hum: 0, clicks: 0 };
    for (let i = 0; i < 20000; i++) counts[drawKind({ noise: 0.5, hiss: 0.3, hum: 0.2, clicks: 0 }, rng)]++;
    expect(counts.clicks).toBe(0);
    expect(counts.noise / 20000).toBeCloseTo(0.5, 1);
    expect(counts.hiss / 20000).toBeCloseTo(0.3, 1);
    expect(() => drawKind({ noise: 0, hiss: 0, hum: 0, clicks: 0 }, rng)).toThrow();
  });

  it('hum has its energy at 50 or 60 Hz and their harmonics', () => {
    const rate = 16000;
    for (let seed = 1; seed <= 4; seed++) {
      const x = hum(rate * 2, rate, new Rng(seed));
      const { db, hz } = spectrumDb(x, rate);
      let peak = 0;
      for (let k = 1; k < db.length; k++) if (db[k] > db[peak]) peak = k;
      const f = peak * hz;
      // the strongest line is a harmonic of 50 or 60 Hz (±1 bin of 20 Hz)
      const near = (base: number) => Math.abs(f / base - Math.round(f / base)) * base <= hz;
      expect(near(50) || near(60)).toBe(true);
      // and between harmonics it is at least 30 dB down
      const mid = Math.round(((Math.round(f / 50) * 50 + 25) / hz));
      expect(db[peak] - db[Math.min(mid, db.length - 1)]).toBeGreaterThan(20);
    }
  });

  it('hiss is broadband with the requested tilt; clicks are sparse and impulsive', () => {
    const rate = 16000;
    const flat = spectrumDb(hiss(rate * 2, rate, new Rng(3), 0), rate);
    const dark = spectrumDb(hiss(rate * 2, rate, new Rng(3), -6), rate);
    const band = (s: { db: Float64Array; hz: number }, lo: number, hi: number) => {
      let m = 0, c = 0;
      for (let k = Math.round(lo / s.hz); k < Math.round(hi / s.hz); k++) {
        m += s.db[k];
        c++;
      }
      return m / c;
    };
    expect(Math.abs(band(flat, 500, 1000) - band(flat, 4000, 7000))).toBeLessThan(1.5);
    expect(band(dark, 500, 1000) - band(dark, 4000, 7000)).toBeGreaterThan(12);
    const c = clicks(rate * 2, rate, new Rng(5));
    const nonzero = c.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
    expect(nonzero).toBeGreaterThan(0);
    expect(nonzero / c.length).toBeLessThan(0.2);
  });

  it('noise crops have the requested length, loop short files, and are reproducible', () => {
    const src = new Float32Array(1000).map((_, i) => Math.sin(i));
    const a = noiseCrop(src, 5000, new Rng(9));
    const b = noiseCrop(src, 5000, new Rng(9));
    expect(a.length).toBe(5000);
    expect(a).toEqual(b);
    expect(a.every((v) => Math.abs(v) <= 1.0001)).toBe(true);
  });
});

describe('clean-side augmentation', () => {
  it('draws speed factors on a 2.5 % grid inside the range', () => {
    const rng = new Rng(4);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const f = drawSpeed({ speed: [0.9, 1.1], eqProbability: 0 }, rng);
      expect(f).toBeGreaterThanOrEqual(0.9);
      expect(f).toBeLessThanOrEqual(1.1);
      expect(Math.abs(f * 40 - Math.round(f * 40))).toBeLessThan(1e-9);
      seen.add(f);
    }
    expect(seen.size).toBe(9);
  });

  it('a peaking EQ changes the level at its centre frequency by its gain and leaves far bands alone', () => {
    const rate = 16000;
    const tone = (f: number) => new Float32Array(rate).map((_, i) => Math.sin((2 * Math.PI * f * i) / rate));
    const level = (x: Float32Array) => 10 * Math.log10(x.subarray(2000).reduce((s, v) => s + v * v, 0) / (x.length - 2000) / 0.5);
    const a = tone(1000);
    peakingEq(a, rate, 1000, 6, 1);
    expect(level(a)).toBeCloseTo(6, 1);
    const b = tone(6000);
    peakingEq(b, rate, 200, 6, 1);
    expect(Math.abs(level(b))).toBeLessThan(0.3);
  });
});

describe('resampler', () => {
  it('keeps an in-band sine and removes what would alias (44.1 → 16 kHz)', () => {
    const from = 44100, to = 16000;
    const n = from;
    const tone = (f: number) => new Float32Array(n).map((_, i) => Math.sin((2 * Math.PI * f * i) / from));
    const rms = (x: Float32Array) => Math.sqrt(x.subarray(500, x.length - 500).reduce((s, v) => s + v * v, 0) / (x.length - 1000));
    const y = resample(tone(1000), from, to);
    expect(y.length).toBe(Math.ceil((n * to) / from));
    expect(rms(y)).toBeCloseTo(Math.SQRT1_2, 2);
    const alias = resample(tone(12000), from, to);
    expect(20 * Math.log10(rms(alias) / Math.SQRT1_2)).toBeLessThan(-60);
  });
});
