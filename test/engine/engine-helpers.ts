// Helpers for the engine and CLI end-to-end tests: real data from ../shared/data, noisy copies made
// the DPIR way (seeded Gaussian noise on the 0–255 scale), and decoders for checking outputs.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { openAudioReader } from '../../main/engine/audio/index.ts';
import { mulberry32 } from '../../ml/image/rng.ts';

export const DATA = path.resolve('../shared/data');
export const CBSD68 = path.join(DATA, 'images/eval/CBSD68');
export const VCTK = path.join(DATA, 'audio/pairs/vctk-p287');
export const FREE_PHOTOS = path.join(DATA, 'images/train/free-photos');

export interface Rgb {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Decode any image file to 8-bit RGB (orientation applied). */
export async function decodeRgb(file: string): Promise<Rgb> {
  const { data, info } = await sharp(file).autoOrient().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** Write a noisy PNG copy of `clean` (additive Gaussian noise, σ on the 0–255 scale, clipped to 8 bits). */
export async function writeNoisyPng(clean: Rgb, sigma: number, out: string, seed = 0): Promise<void> {
  const next = mulberry32(seed);
  const noisy = Buffer.alloc(clean.data.length);
  for (let i = 0; i < noisy.length; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    noisy[i] = Math.max(0, Math.min(255, Math.round(clean.data[i] + sigma * g)));
  }
  await sharp(noisy, { raw: { width: clean.width, height: clean.height, channels: 3 } }).png().toFile(out);
}

/** Decode any supported audio file to planar float samples. */
export async function decodeAudio(file: string): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  const reader = await openAudioReader(file);
  const parts: Float32Array[][] = [];
  try {
    for (;;) {
      const block = await reader.read(1 << 16);
      if (block[0].length === 0) break;
      parts.push(block);
    }
  } finally {
    await reader.close();
  }
  const n = parts.reduce((s, p) => s + p[0].length, 0);
  const channels = Array.from({ length: reader.info.channels }, (_, c) => {
    const out = new Float32Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p[c], o);
      o += p[c].length;
    }
    return out;
  });
  return { channels, sampleRate: reader.info.sampleRate };
}

/** A copy of the first `bytes` bytes of `src` (a truncated file). */
export async function writeTruncated(src: Buffer, bytes: number, out: string): Promise<void> {
  await writeFile(out, src.subarray(0, bytes));
}
