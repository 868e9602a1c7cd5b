// Long-audio chunking equals whole-file processing: the streaming pipeline's output must match a
// single whole-signal STFT → gains → ISTFT pass (same denoiser) to ~1e-6.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAudioWriter, denoiseAudioFile, denoiseStream } from '../../../main/engine/audio/index.ts';
import { MinStatsDenoiser } from './helpers/min-stats-denoiser.ts';
import { decodeFile, maxAbsDiff, realMono, wholeFile } from './helpers/real-audio.ts';
import { tempDir } from './helpers/wav-fixtures.ts';

function lcgNoise(n: number, amp: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296 - 0.5) * 2 * amp);
}

describe('chunked processing equals whole-file processing', () => {
  it.each([1, 3, 40, 1024])('denoiseStream with blocks of %i frames (real noisy speech, 16 kHz)', async (blockFrames) => {
    const { channels } = await decodeFile('../shared/data/audio/pairs/vctk-p287/noisy/p287_002.flac');
    const x = channels[0];
    const den = new MinStatsDenoiser(9);
    const ref = await wholeFile(x, 16000, den, 18);
    let pos = 0;
    const out: Float32Array[] = [];
    const n = await denoiseStream(
      async (k) => {
        const s = x.slice(pos, Math.min(x.length, pos + k));
        pos += s.length;
        return [s];
      },
      async (o) => void out.push(o[0]),
      { denoiser: den, sampleRate: 16000, channels: 1, maxAttenuationDb: 18, blockFrames },
    );
    expect(n).toBe(x.length);
    const y = new Float32Array(n);
    let o = 0;
    for (const b of out) {
      y.set(b, o);
      o += b.length;
    }
    if (blockFrames < 1024) expect(out.length).toBeGreaterThan(2);
    expect(maxAbsDiff(y, ref)).toBeLessThanOrEqual(1e-6);
    // and it really denoised: the output differs from the input
    expect(maxAbsDiff(y, x)).toBeGreaterThan(1e-3);
  });

  it('a 45 s stereo 44.1 kHz file through denoiseAudioFile (5 blocks) equals whole-signal processing per channel', async () => {
    const rate = 44100;
    const n = rate * 45;
    const speech = await realMono('speech/klettres-fullband/da', rate, 45);
    const noise = await realMono('noise/misc-real', rate, 45);
    const hiss = lcgNoise(n, 0.02, 7);
    const left = Float32Array.from(speech, (v, i) => 0.8 * v + hiss[i]);
    const right = Float32Array.from(noise, (v, i) => 0.5 * v + 0.3 * speech[(i + 12345) % n]);
    const dir = tempDir();
    const input = join(dir, 'long-stereo.wav');
    const w = await createAudioWriter(input, { format: 'wav', sampleFormat: 'float32', sampleRate: rate, channels: 2 });
    for (let o = 0; o < n; o += 100_000) await w.write([left.subarray(o, o + 100_000), right.subarray(o, o + 100_000)]);
    await w.finish();

    const den = new MinStatsDenoiser(6);
    const output = join(dir, 'long-stereo-denoised.wav');
    const res = await denoiseAudioFile(input, output, { reductionDb: 20, sampleFormat: 'float32' }, { denoiser: den });
    expect(res).toMatchObject({ reductionDb: 20, sampleRate: rate, channels: 2 });
    expect(res.seconds).toBeCloseTo(45, 6);
    // Several model calls per channel, none of them the whole file.
    expect(den.gainCalls).toBeGreaterThanOrEqual(2 * 4);
    const got = await decodeFile(output);
    expect(got.sampleRate).toBe(rate);
    expect(got.channels.length).toBe(2);
    const refL = await wholeFile(left, rate, den, 20);
    const refR = await wholeFile(right, rate, den, 20);
    expect(maxAbsDiff(got.channels[0], refL)).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(got.channels[1], refR)).toBeLessThanOrEqual(1e-6);
  });
});
