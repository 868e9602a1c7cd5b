// probeAudio, audioOverview and renderAudioPreview: what the desktop app shows and plays.
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  audioOverview,
  createAudioWriter,
  denoiseAudioFile,
  magma,
  openAudioReader,
  overviewOfSamples,
  probeAudio,
  renderAudioPreview,
} from '../../../main/engine/audio/index.ts';
import { HushError } from '../../../main/engine/types.ts';
import { MinStatsDenoiser } from './helpers/min-stats-denoiser.ts';
import { DATA, decodeFile } from './helpers/real-audio.ts';
import { tempDir } from './helpers/wav-fixtures.ts';

const FIX = 'test/fixtures/audio';

async function wavSamples(buf: Buffer): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  const dir = tempDir();
  const p = join(dir, 'x.wav');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(p, buf);
  return decodeFile(p);
}

describe('probeAudio', () => {
  it.each([
    [`${FIX}/tone-44k-stereo.mp3`, { format: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 2, bitDepth: null }],
    [`${FIX}/tone-48k-stereo.ogg`, { format: 'ogg', codec: 'vorbis', sampleRate: 48000, channels: 2, durationSec: 1, durationExact: true }],
    [`${FIX}/tone-48k-stereo-24bit.flac`, { format: 'flac', sampleRate: 48000, channels: 2, bitDepth: 24, durationSec: 0.25 }],
    [`${DATA}/pairs/vctk-p287/clean/p287_001.flac`, { format: 'flac', sampleRate: 16000, channels: 1, bitDepth: 16 }],
  ] as const)('%s', async (path, expected) => {
    const p = await probeAudio(path);
    expect(p).toMatchObject(expected);
    expect(p.bytes).toBeGreaterThan(1000);
  });

  it('rejects non-audio with a HushError', async () => {
    await expect(probeAudio('package.json')).rejects.toBeInstanceOf(HushError);
  });
});

describe('audioOverview', () => {
  it('peaks follow the waveform and the spectrogram shows the tone in the right row', async () => {
    // 2 s at 48 kHz: first second silent, second second a 1 kHz tone at 0.5 on the left only.
    const dir = tempDir();
    const path = join(dir, 'half-tone.wav');
    const rate = 48000;
    const left = Float32Array.from({ length: 2 * rate }, (_, i) => (i >= rate ? 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate) : 0));
    const right = new Float32Array(2 * rate);
    const w = await createAudioWriter(path, { format: 'wav', sampleFormat: 'float32', sampleRate: rate, channels: 2 });
    await w.write([left, right]);
    await w.finish();
    const ov = await audioOverview(path, { width: 200, height: 64 });
    expect(ov).toMatchObject({ width: 200, sampleRate: rate, channels: 2, durationSec: 2 });
    expect(ov.peaks).toHaveLength(2);
    expect(Math.max(...ov.peaks[0].max.subarray(0, 99))).toBe(0);
    expect(Math.min(...ov.peaks[0].max.subarray(101))).toBeGreaterThan(0.49);
    expect(Math.max(...ov.peaks[0].min.subarray(101))).toBeLessThan(-0.49);
    expect(ov.peaks[1].max.every((v) => v === 0)).toBe(true);
    // PNG decodes to width × height; the brightest row in the tone half sits at 1 kHz on the mel axis.
    const { data, info } = await sharp(ov.spectrogram.png).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 200, height: 64 });
    const col = 150;
    let bestRow = 0, best = -1;
    for (let y = 0; y < 64; y++) {
      const o = (y * 200 + col) * info.channels;
      const lum = data[o] + data[o + 1] + data[o + 2];
      if (lum > best) {
        best = lum;
        bestRow = y;
      }
    }
    const mel = (f: number): number => 2595 * Math.log10(1 + f / 700);
    const { minHz, maxHz } = ov.spectrogram;
    // Band b is centred on mel edge b+1 of H+2 equally spaced edges; row 0 is the top.
    const band = ((mel(1000) - mel(minHz)) / (mel(maxHz) - mel(minHz))) * 65 - 1;
    const expectedRow = 63 - band;
    expect(Math.abs(bestRow - expectedRow)).toBeLessThanOrEqual(3);
    // The silent half is the darkest colour of the map.
    const o = (32 * 200 + 20) * info.channels;
    expect([data[o], data[o + 1], data[o + 2]]).toEqual(magma(0));
  });

  it("'fast' mode samples columns of long WAVs: peaks stay within the exact ones, mostly close", async () => {
    const dir = tempDir();
    const path = join(dir, 'speech-30s.wav');
    const { channels } = await decodeFile(`${DATA}/speech/librispeech-excerpts/198-209-0000.flac`);
    const x = Float32Array.from({ length: 16000 * 30 }, (_, i) => channels[0][i % channels[0].length]);
    const w = await createAudioWriter(path, { format: 'wav', sampleFormat: 'float32', sampleRate: 16000, channels: 1 });
    await w.write([x]);
    await w.finish();
    const exact = await audioOverview(path, { width: 20, mode: 'exact' });
    const fast = await audioOverview(path, { width: 20, mode: 'fast' });
    expect(exact.exact).toBe(true);
    expect(fast.exact).toBe(false);
    expect(fast.durationSec).toBe(30);
    let close = 0;
    for (let c = 0; c < 20; c++) {
      expect(fast.peaks[0].max[c]).toBeLessThanOrEqual(exact.peaks[0].max[c]);
      expect(fast.peaks[0].min[c]).toBeGreaterThanOrEqual(exact.peaks[0].min[c]);
      if (fast.peaks[0].max[c] > 0.3 * exact.peaks[0].max[c]) close++;
    }
    expect(close).toBeGreaterThanOrEqual(12);
    // Both spectrograms are full images of the same size.
    const a = await sharp(fast.spectrogram.png).metadata();
    expect([a.width, a.height]).toEqual([20, 128]);
  });

  it('works on a real MP3 and matches overviewOfSamples on the same audio', async () => {
    const a = await audioOverview(`${FIX}/tone-44k-stereo.mp3`, { width: 64 });
    const { channels, sampleRate } = await decodeFile(`${FIX}/tone-44k-stereo.mp3`);
    const b = await overviewOfSamples(channels, sampleRate, { width: 64 });
    expect(Array.from(a.peaks[1].max)).toEqual(Array.from(b.peaks[1].max));
    expect(a.spectrogram.png.subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
  });
});

describe('renderAudioPreview', () => {
  const den = new MinStatsDenoiser(8);

  it('before is the original excerpt; after equals the same span of the full export', async () => {
    const input = `${DATA}/pairs/vctk-p287/noisy/p287_005.flac`;
    const dir = tempDir();
    const full = join(dir, 'full.wav');
    await denoiseAudioFile(input, full, { reductionDb: 14, sampleFormat: 'float32' }, { denoiser: den });
    const pv = await renderAudioPreview(input, { reductionDb: 14, startSec: 0.75, durationSec: 1, denoiser: den });
    expect(pv).toMatchObject({ sampleRate: 16000, channels: 1, startSec: 0.75, durationSec: 1, reductionDb: 14 });
    const before = await wavSamples(pv.before);
    const after = await wavSamples(pv.after);
    const orig = await decodeFile(input);
    const exported = await decodeFile(full);
    const s = 0.75 * 16000;
    expect(before.channels[0].length).toBe(16000);
    let dB = 0, dA = 0, changed = 0;
    for (let i = 0; i < 16000; i++) {
      dB = Math.max(dB, Math.abs(before.channels[0][i] - orig.channels[0][s + i]));
      dA = Math.max(dA, Math.abs(after.channels[0][i] - exported.channels[0][s + i]));
      changed = Math.max(changed, Math.abs(after.channels[0][i] - before.channels[0][i]));
    }
    expect(dB).toBe(0);
    expect(dA).toBeLessThanOrEqual(1e-6);
    expect(changed).toBeGreaterThan(1e-3);
  });

  it("clamps to the end of the file, supports 'auto' and compressed input", async () => {
    const r = await openAudioReader(`${FIX}/tone-48k-stereo.ogg`);
    await r.close();
    const pv = await renderAudioPreview(`${FIX}/tone-48k-stereo.ogg`, { reductionDb: 'auto', startSec: 0.5, durationSec: 5, denoiser: den });
    expect(pv.channels).toBe(2);
    expect(pv.durationSec).toBeCloseTo(0.5, 6);
    expect(typeof pv.estimate).toBe('number');
    const after = await wavSamples(pv.after);
    expect(after.channels[1].length).toBe(24000);
  });

  it('refuses unreasonable requests', async () => {
    await expect(renderAudioPreview(`${FIX}/tone-48k-stereo.ogg`, { reductionDb: 10, startSec: 0, durationSec: 0, denoiser: den })).rejects.toBeInstanceOf(HushError);
    await expect(renderAudioPreview(`${FIX}/tone-48k-stereo.ogg`, { reductionDb: 10, startSec: 3, durationSec: 1, denoiser: den })).rejects.toThrow(/past the end/);
  });
});
