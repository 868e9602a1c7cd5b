// Real recordings from ../shared/data, decoded with our readers, for pipeline tests.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openAudioReader } from '../../../../main/engine/audio/index.ts';
import { applyGains, istft, powerSpectrum, stft } from '../../../../main/engine/audio/stft.ts';
import type { AudioDenoiser } from '../../../../main/engine/types.ts';

export const DATA = '../shared/data/audio';

type AudioInfo = Awaited<ReturnType<typeof openAudioReader>>['info'];

/** Decodes a whole file with our streaming reader, `blockFrames` at a time (odd sizes test block edges). */
export async function decodeAll(path: string, blockFrames = 1 << 16): Promise<{ channels: Float32Array[]; info: AudioInfo }> {
  const r = await openAudioReader(path);
  const parts: Float32Array[][] = [];
  try {
    for (;;) {
      const b = await r.read(blockFrames);
      if (b[0].length === 0) break;
      parts.push(b);
    }
  } finally {
    await r.close();
  }
  const n = parts.reduce((s, p) => s + p[0].length, 0);
  const channels = Array.from({ length: r.info.channels }, (_, c) => {
    const out = new Float32Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p[c], o);
      o += p[c].length;
    }
    return out;
  });
  return { channels, info: r.info };
}

export async function decodeFile(path: string): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  const { channels, info } = await decodeAll(path);
  return { channels, sampleRate: info.sampleRate };
}

/** Reference result: the denoiser's gains applied to one STFT of the whole signal (no blocks). */
export async function wholeFile(x: Float32Array, rate: number, den: AudioDenoiser, db: number): Promise<Float32Array> {
  const spec = den.frameSpec(rate);
  const sg = stft(x, spec);
  applyGains(sg, await den.gains(powerSpectrum(sg), sg.nFrames, sg.nBins, rate, db));
  return istft(sg, spec, x.length);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function flacFiles(dir: string): string[] {
  return readdirSync(join(DATA, dir))
    .filter((f) => f.endsWith('.flac'))
    .sort()
    .map((f) => join(DATA, dir, f));
}

/** Concatenates mono recordings (all at `rate`) until `seconds` is reached, looping if needed. */
export async function realMono(dir: string, rate: number, seconds: number): Promise<Float32Array> {
  const out = new Float32Array(Math.round(rate * seconds));
  let o = 0;
  const files = flacFiles(dir);
  for (let i = 0; o < out.length; i++) {
    const { channels, sampleRate } = await decodeFile(files[i % files.length]);
    if (sampleRate !== rate) continue;
    const x = channels[0].subarray(0, out.length - o);
    out.set(x, o);
    o += x.length;
    if (i > 10 * files.length) throw new Error(`no ${rate} Hz files in ${dir}`);
  }
  return out;
}
