// Decoding training/eval images into packed uint8 RGB (HWC) with sharp. Shared by the dataset, the
// evaluation and tests.
import sharp from 'sharp';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export interface RgbImage {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Interleaved RGB, row-major. */
  readonly data: Uint8Array;
}

/** Decode to 8-bit RGB (alpha dropped, grey replicated), optionally shrunk so the long side ≤ maxSide. */
export async function loadRgb(file: string, maxSide?: number): Promise<RgbImage> {
  let img = sharp(file).rotate();
  if (maxSide !== undefined) img = img.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await img.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  let rgb: Uint8Array;
  if (channels === 3) rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  else {
    rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * channels + Math.min(c, channels - 1)];
  }
  return { name: path.basename(file), width, height, data: rgb };
}

const IMAGE_EXT = /\.(png|jpe?g|tiff?|webp|bmp)$/i;

/** Sorted image file names of a folder (sorted so splits and eval order are stable). */
export async function listImages(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => IMAGE_EXT.test(n));
  return names.sort();
}

/** RGB uint8 → float32 [0,1]. */
export function toFloat(img: RgbImage): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] / 255;
  return out;
}
