// The shipped audio model (resources/models/audio-dae) on real recordings.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { loadAudioDenoiser, type TfAudioDenoiser } from '../../../main/engine/models/audio-denoiser.ts';
import { powerSpectrum, stft } from '../../../main/engine/audio/stft.ts';
import { enhanceWithDenoiser } from '../../../ml/audio/enhance.ts';
import { readFlacMono } from '../../../ml/audio/flac.ts';
import { fullbandCheck } from '../../../ml/audio/fullband.ts';
import { siSdr } from '../../../ml/audio/metrics-basic.ts';
import { pairFiles } from '../../../ml/audio/split.ts';

let d: TfAudioDenoiser;

beforeAll(async () => {
  await initBackend();
  d = await loadAudioDenoiser('resources/models/audio-dae');
});

describe('shipped audio DAE', () => {
  it('loads with its feature metadata and states its context and compute honestly', () => {
    expect(d.meta.format).toBe('hush-audio-dae');
    expect(d.meta.featureMean).toHaveLength(2 * d.meta.bands.nBands); // log power + log power over the noise floor
    expect(d.meta.noiseFloorFrames).toBe(100);
    expect(d.contextFrames.past).toBeGreaterThan(30);
    expect(d.macsPerSecond / 1e9).toBeLessThanOrEqual(0.1);
  });

  it('clearly improves SI-SDR on the real vctk-p287 noisy/clean pairs', async () => {
    let before = 0, after = 0;
    const pairs = pairFiles('vctk-p287');
    for (const p of pairs) {
      const c = await readFlacMono(p.clean);
      const n = await readFlacMono(p.noisy);
      const y = await enhanceWithDenoiser(d, n.samples, n.sampleRate, 100);
      before += siSdr(c.samples, n.samples) / pairs.length;
      after += siSdr(c.samples, y) / pairs.length;
    }
    expect(after - before).toBeGreaterThan(0.8); // measured +1.2 dB (8.20 → 9.40) with the shipped weights
  });

  it('estimates a lower input SNR for a noisy recording than for its clean original', async () => {
    const [p] = pairFiles('vctk-p287').slice(2, 3);
    const est = async (file: string) => {
      const a = await readFlacMono(file);
      const S = stft(a.samples, d.frameSpec(a.sampleRate));
      return d.estimate(powerSpectrum(S), S.nFrames, S.nBins, a.sampleRate);
    };
    const clean = await est(p.clean);
    const noisy = await est(p.noisy);
    expect(noisy.snrDb).toBeLessThan(clean.snrDb - 5);
    expect(noisy.reductionDb).toBeGreaterThanOrEqual(clean.reductionDb);
    for (const e of [clean, noisy]) {
      expect(e.reductionDb).toBeGreaterThanOrEqual(12);
      expect(e.reductionDb).toBeLessThanOrEqual(30);
    }
  });

  it('does not muffle clean full-band speech at 48 kHz and still removes hiss above 8 kHz in pauses', async () => {
    const r = await fullbandCheck(d, 100);
    // measured −10 dB in the HF-richest frames with the shipped weights (a known weakness, see the
    // model card); this guards against the high band being cut off altogether (≈ −40 dB or worse)
    expect(r.cleanHfPeakChangeDb).toBeGreaterThan(-12);
    expect(r.cleanLfChangeDb).toBeGreaterThan(-2);
    expect(r.noisyHfPauseChangeDb).toBeLessThan(-10);
  });
});
