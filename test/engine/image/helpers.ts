// Shared helpers for the image tests: real images from ../shared/data, temp folders, decoding, PSNR.
import sharp from 'sharp';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mulberry32 } from '../../../ml/image/rng.ts';

export const DATA = resolve(process.cwd(), '../shared/data/images');
export const CBSD68 = join(DATA, 'eval/CBSD68');
/** A 481×321 colour photo with sky, texture and edges. */
export const PHOTO = join(CBSD68, '101087.png');
/** A 512×512 colour photo (skimage astronaut, CC0). */
export const ASTRONAUT = join(DATA, 'train/free-photos/astronaut.png');

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hush-image-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface Decoded {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: number;
}

/** Decode with orientation applied and without any colour conversion. */
export async function decode(path: string | Buffer, depth: 'uchar' | 'ushort' = 'uchar'): Promise<Decoded> {
  let img = sharp(path).autoOrient().keepIccProfile();
  // Without an explicit 16-bit colour space sharp converts to 8-bit sRGB first, then widens.
  if (depth === 'ushort') {
    const { space } = await sharp(path).metadata();
    img = img.toColourspace(space === 'b-w' || space === 'grey16' ? 'grey16' : 'rgb16');
  }
  const { data, info } = await img.raw({ depth }).toBuffer({ resolveWithObject: true });
  const samples = depth === 'ushort' ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { data: samples, width: info.width, height: info.height, channels: info.channels };
}

/** PSNR in dB between two equally shaped sample arrays (peak 255 or 65535). */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, peak = 255, channelsOf?: { channels: number; use: number }): number {
  let ss = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (channelsOf && i % channelsOf.channels >= channelsOf.use) continue;
    ss += (a[i] - b[i]) ** 2;
    n++;
  }
  return ss === 0 ? Infinity : 10 * Math.log10((peak * peak) / (ss / n));
}

/** Deterministic Gaussian noise (mulberry32 + Box–Muller). */
export function gaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => {
    let u = 0;
    while (u === 0) u = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/** Add N(0, σ²) noise to 8-bit samples (clipped, rounded) — a noisy photo as a camera would save it. */
export function addNoise(data: Uint8Array, sigma: number, seed = 1): Uint8Array {
  const rnd = gaussian(seed);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(data[i] + sigma * rnd())));
  return out;
}
