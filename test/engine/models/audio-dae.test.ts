import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { buildAudioDae, configOfModel, DEFAULT_AUDIO_DAE, describeAudioDae } from '../../../main/engine/models/audio-dae.ts';
import { TfAudioDenoiser, type AudioDaeMetadata } from '../../../main/engine/models/audio-denoiser.ts';
import { DEFAULT_BANDS } from '../../../main/engine/models/audio-features.ts';
import { powerSpectrum, stft } from '../../../main/engine/audio/stft.ts';

const meta: AudioDaeMetadata = {
  format: 'hush-audio-dae', version: 1, hopSeconds: 0.01, bands: DEFAULT_BANDS,
  featureMean: Array(40).fill(-6), featureStd: Array(40).fill(1.5), trainRate: 16000,
};

function signal(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
  // speech-like: bursts of harmonics in noise
  return new Float32Array(n).map((_, i) => 0.02 * (u() - 0.5) + (Math.floor(i / 4000) % 2 ? 0.1 * Math.sin(i * 0.05) * Math.sin(i * 0.0007) : 0));
}

beforeAll(async () => {
  await initBackend();
});

describe('audio DAE', () => {
  it('maps [B, T, 40] band features to gains in [0, 1] of the same shape', () => {
    const m = buildAudioDae();
    const y = tf.tidy(() => m.predict(tf.randomNormal([2, 64, 40], 0, 1, 'float32', 3)) as tf.Tensor);
    expect(y.shape).toEqual([2, 64, 40]);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    y.dispose();
    expect(configOfModel(m)).toEqual(DEFAULT_AUDIO_DAE);
  });

  it('counts MACs from the same recipe the builder follows (checked against the conv weights)', () => {
    const m = buildAudioDae();
    const info = describeAudioDae();
    // every conv layer: kernel size k·cin·cout weights, applied once per output frame
    const fromWeights = info.convs.reduce((s, c) => {
      const kernel = m.getLayer(c.name).getWeights()[0];
      expect(kernel.shape).toEqual([c.k, c.cin, c.cout]);
      return s + kernel.size * c.rate;
    }, 0);
    expect(info.macsPerFrame).toBe(fromWeights);
    // within the budget: ≤ 0.1 GMAC per second of audio with 4-fold cycle spinning at 100 frames/s
    expect((info.macsPerFrame * 4 * 100) / 1e9).toBeLessThanOrEqual(0.1);
    const params = m.countParams();
    expect(params).toBeGreaterThan(100_000);
    expect(params).toBeLessThan(500_000);
  });

  it.each([0, 100])('chunked processing with contextFrames of overlap equals whole-signal processing (noise floor ±%i frames)', async (nf) => {
    const m = nf === 0 ? meta : { ...meta, noiseFloorFrames: nf, featureMean: Array(80).fill(0), featureStd: Array(80).fill(2) };
    const d = new TfAudioDenoiser(buildAudioDae({ ...DEFAULT_AUDIO_DAE, nInputs: nf === 0 ? 40 : 80 }, 7), m);
    const rate = 16000;
    const spec = d.frameSpec(rate);
    const x = signal(rate * 9, 5);
    const S = stft(x, spec);
    const P = powerSpectrum(S);
    const nb = S.nBins;
    const whole = await d.gains(P, S.nFrames, nb, rate, 40);
    const { past, future } = d.contextFrames;
    // blocks starting at frame offsets that are not multiples of 4
    for (const [a, b] of [[0, 133], [133, 501], [501, 757], [757, S.nFrames]]) {
      const g0 = Math.max(0, a - past), g1 = Math.min(S.nFrames, b + future);
      const g = await d.gains(P.subarray(g0 * nb, g1 * nb), g1 - g0, nb, rate, 40);
      let maxDiff = 0;
      for (let t = a; t < b; t++) for (let k = 0; k < nb; k++) maxDiff = Math.max(maxDiff, Math.abs(g[(t - g0) * nb + k] - whole[t * nb + k]));
      expect(maxDiff).toBeLessThan(1e-5);
    }
  });

  it('the context bound is real: cutting it changes the result', async () => {
    const d = new TfAudioDenoiser(buildAudioDae(DEFAULT_AUDIO_DAE, 7), meta);
    const rate = 16000;
    const S = stft(signal(rate * 4, 9), d.frameSpec(rate));
    const P = powerSpectrum(S);
    const nb = S.nBins;
    const whole = await d.gains(P, S.nFrames, nb, rate, 40);
    const a = 200;
    const g = await d.gains(P.subarray(a * nb), S.nFrames - a, nb, rate, 40);
    let diff = 0;
    for (let k = 0; k < nb; k++) diff = Math.max(diff, Math.abs(g[k] - whole[a * nb + k]));
    expect(diff).toBeGreaterThan(1e-4);
  });

  it('keeps a constant frame duration at 16/44.1/48 kHz and clamps gains to the attenuation floor', async () => {
    const d = new TfAudioDenoiser(buildAudioDae(), meta);
    for (const rate of [16000, 44100, 48000]) {
      const spec = d.frameSpec(rate);
      expect(spec.hop / rate).toBeCloseTo(0.01, 4);
      const S = stft(signal(rate, 3), spec);
      const g = await d.gains(powerSpectrum(S), S.nFrames, S.nBins, rate, 12);
      expect(g.length).toBe(S.nFrames * S.nBins);
      let lo = 1, hi = 0;
      for (const v of g) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect(lo).toBeGreaterThanOrEqual(10 ** (-12 / 20) - 1e-6);
      expect(hi).toBeLessThanOrEqual(1);
      const none = await d.gains(powerSpectrum(S), S.nFrames, S.nBins, rate, 0);
      expect(none.every((v) => v === 1)).toBe(true);
    }
    expect(() => d.estimate(new Float32Array(10), 1, 10, 16000)).toThrow(/bins/);
  });
});
