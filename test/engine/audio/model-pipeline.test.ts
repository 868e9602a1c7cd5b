// The streaming pipeline with the real TF.js audio DAE (audio-ml's TfAudioDenoiser): chunked output
// equals whole-file output, full-band files keep their rate, channels and high band.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAudioWriter, denoiseAudioFile, renderAudioPreview } from '../../../main/engine/audio/index.ts';
import { powerSpectrum, stft } from '../../../main/engine/audio/stft.ts';
import { buildAudioDae } from '../../../main/engine/models/audio-dae.ts';
import { loadAudioDenoiser, TfAudioDenoiser, type AudioDaeMetadata } from '../../../main/engine/models/audio-denoiser.ts';
import { DEFAULT_BANDS } from '../../../main/engine/models/audio-features.ts';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { DATA, decodeFile, maxAbsDiff, realMono, wholeFile } from './helpers/real-audio.ts';
import { tempDir } from './helpers/wav-fixtures.ts';

const MODEL_DIR = 'resources/models/audio-dae';

const meta: AudioDaeMetadata = {
  format: 'hush-audio-dae', version: 1, hopSeconds: 0.01, bands: DEFAULT_BANDS,
  featureMean: Array(DEFAULT_BANDS.nBands).fill(-6), featureStd: Array(DEFAULT_BANDS.nBands).fill(1.5), trainRate: 16000,
};

beforeAll(async () => {
  await initBackend();
});

/** Energy above `hz` relative to the whole, dB. */
function highBandShareDb(x: Float32Array, rate: number, hz: number): number {
  const spec = { fftSize: 2048, hop: 1024, window: Float32Array.from({ length: 2048 }, (_, i) => Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 2048))) };
  const p = powerSpectrum(stft(x, spec));
  const nBins = 1025;
  const k0 = Math.ceil((hz / rate) * 2048);
  let hi = 0, all = 0;
  for (let i = 0; i < p.length; i++) {
    all += p[i];
    if (i % nBins >= k0) hi += p[i];
  }
  return 10 * Math.log10(hi / all);
}

describe('pipeline with the TF.js audio DAE (random weights: checks plumbing, not quality)', () => {
  it('a 25 s stereo 44.1 kHz file: chunked export equals whole-file processing', async () => {
    const den = new TfAudioDenoiser(buildAudioDae(undefined, 3), meta);
    const rate = 44100;
    const left = await realMono('speech/klettres-fullband/de', rate, 25);
    const right = await realMono('noise/misc-real', rate, 25);
    const dir = tempDir();
    const input = join(dir, 'in.wav');
    const w = await createAudioWriter(input, { format: 'wav', sampleFormat: 'float32', sampleRate: rate, channels: 2 });
    await w.write([left, right]);
    await w.finish();
    const out = join(dir, 'out.wav');
    const res = await denoiseAudioFile(input, out, { reductionDb: 15, sampleFormat: 'float32' }, { denoiser: den });
    expect(res).toMatchObject({ sampleRate: rate, channels: 2 });
    const got = await decodeFile(out);
    expect(maxAbsDiff(got.channels[0], await wholeFile(left, rate, den, 15))).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(got.channels[1], await wholeFile(right, rate, den, 15))).toBeLessThanOrEqual(1e-6);
  });
});

describe.skipIf(!existsSync(join(MODEL_DIR, 'model.json')))('pipeline with the shipped audio model', () => {
  it('improves SNR on the real vctk-p287 pairs and reports an estimate with auto', async () => {
    const den = await loadAudioDenoiser(MODEL_DIR);
    const dir = tempDir();
    let gain = 0;
    const ids = ['001', '002', '003', '004', '005', '006'];
    for (const id of ids) {
      const out = join(dir, `${id}.wav`);
      const res = await denoiseAudioFile(`${DATA}/pairs/vctk-p287/noisy/p287_${id}.flac`, out, { reductionDb: 'auto', sampleFormat: 'float32' }, { denoiser: den });
      expect(Number.isFinite(res.estimate)).toBe(true);
      const clean = (await decodeFile(`${DATA}/pairs/vctk-p287/clean/p287_${id}.flac`)).channels[0];
      const noisy = (await decodeFile(`${DATA}/pairs/vctk-p287/noisy/p287_${id}.flac`)).channels[0];
      const y = (await decodeFile(out)).channels[0];
      const snr = (t: Float32Array): number => {
        let s = 0, e = 0;
        for (let i = 0; i < clean.length; i++) {
          s += clean[i] ** 2;
          e += (t[i] - clean[i]) ** 2;
        }
        return 10 * Math.log10(s / e);
      };
      gain += snr(y) - snr(noisy);
    }
    // First shipped weights measured +1.26 dB mean SNR through this pipeline; the training issue raises it.
    expect(gain / ids.length).toBeGreaterThan(0.5);
  });

  it('chunked export equals whole-file processing (60 s of real speech in noise, 16 kHz)', async () => {
    const den = await loadAudioDenoiser(MODEL_DIR);
    const rate = 16000;
    const speech = await realMono('speech/en-female-allison', rate, 60);
    const noise = await realMono('noise/background', rate, 60);
    const x = Float32Array.from(speech, (v, i) => v + 0.3 * noise[i]);
    const dir = tempDir();
    const input = join(dir, 'mix.wav');
    const w = await createAudioWriter(input, { format: 'wav', sampleFormat: 'float32', sampleRate: rate, channels: 1 });
    await w.write([x]);
    await w.finish();
    await denoiseAudioFile(input, join(dir, 'out.wav'), { reductionDb: 18, sampleFormat: 'float32' }, { denoiser: den });
    const got = (await decodeFile(join(dir, 'out.wav'))).channels[0];
    expect(maxAbsDiff(got, await wholeFile(x, rate, den, 18))).toBeLessThanOrEqual(1e-6);
  });

  it('full-band clean speech at 44.1 kHz keeps its high band (not muffled)', async () => {
    const den = await loadAudioDenoiser(MODEL_DIR);
    const rate = 44100;
    const x = await realMono('speech/klettres-fullband/en', rate, 12);
    const dir = tempDir();
    const input = join(dir, 'clean-fullband.wav');
    const w = await createAudioWriter(input, { format: 'wav', sampleFormat: 'float32', sampleRate: rate, channels: 1 });
    await w.write([x]);
    await w.finish();
    await denoiseAudioFile(input, join(dir, 'out.wav'), { reductionDb: 12, sampleFormat: 'float32' }, { denoiser: den });
    const y = (await decodeFile(join(dir, 'out.wav'))).channels[0];
    const before = highBandShareDb(x, rate, 8000);
    const after = highBandShareDb(y, rate, 8000);
    console.log(`high band (> 8 kHz) share of clean full-band speech: before ${before.toFixed(1)} dB, after ${after.toFixed(1)} dB`);
    expect(after).toBeGreaterThan(before - 6);
  });

  it('preview equals the export at the same place', async () => {
    const den = await loadAudioDenoiser(MODEL_DIR);
    const input = `${DATA}/pairs/vctk-p287/noisy/p287_006.flac`;
    const dir = tempDir();
    await denoiseAudioFile(input, join(dir, 'full.wav'), { reductionDb: 18, sampleFormat: 'float32' }, { denoiser: den });
    const pv = await renderAudioPreview(input, { reductionDb: 18, startSec: 1, durationSec: 1, denoiser: den });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'after.wav'), pv.after);
    const after = (await decodeFile(join(dir, 'after.wav'))).channels[0];
    const full = (await decodeFile(join(dir, 'full.wav'))).channels[0].subarray(16000, 32000);
    expect(maxAbsDiff(after, Float32Array.from(full))).toBeLessThanOrEqual(1e-6);
  });
});
