// Builders for the reliability matrix: every bad or odd input of the reliability issue, made from
// real data (CBSD68 photo, speech recording) or the committed tone fixtures, in a few milliseconds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { floatTiff } from '../engine/image/float-tiff.ts';
import { writeWavFixture } from '../engine/audio/helpers/wav-fixtures.ts';

export const PHOTO = path.resolve('../shared/data/images/eval/CBSD68/101087.png');
export const SPEECH = path.resolve('../shared/data/audio/speech/en-female-allison/activated.flac');
const FIX = path.resolve('test/fixtures/audio');

/** A small crop of a real photo (fast through the DAE). */
export function photo(w = 48, h = 40): Sharp {
  return sharp(PHOTO).extract({ left: 10, top: 10, width: w, height: h });
}

export const half = (b: Buffer): Buffer => b.subarray(0, b.length >> 1);

/** A PNG whose IHDR declares `width`×`height` (CRC fixed): a decompression bomb's header. */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await photo(16, 16).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

/** A two-frame animation (GIF or WebP): frames of different content, so "first frame" is checkable. */
export async function animated(format: 'gif' | 'webp'): Promise<Buffer> {
  const a = await photo(32, 24).raw().toBuffer();
  const b = Buffer.alloc(a.length, 200);
  const img = sharp(Buffer.concat([a, b]), { raw: { width: 32, height: 48, channels: 3, pageHeight: 24 } } as never);
  return format === 'gif' ? img.gif().toBuffer() : img.webp({ loop: 0 }).toBuffer();
}

export async function floatTiffPhoto(): Promise<Buffer> {
  const { data, info } = await photo(24, 20).raw().toBuffer({ resolveWithObject: true });
  return floatTiff(info.width, info.height, Float32Array.from(data as Uint8Array, (v: number) => v / 255));
}

/** Bytes of a WAV written by wavefile (see wav-fixtures.ts) — `frames` frames of tone + noise. */
export function wav(dir: string, flavour: Parameters<typeof writeWavFixture>[1], channels: number, frames: number, extensible = false): Buffer {
  const p = path.join(dir, `.wav-${flavour}-${channels}-${frames}-${extensible}`);
  writeWavFixture(p, flavour, channels, 16000, frames, extensible);
  return readFileSync(p);
}

/** 16-bit mono WAV of exact silence (16 kHz); callers may write samples after the 44-byte header. */
export function silentWav(frames: number): Buffer {
  const data = frames * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  return b;
}

/** A float32 WAV with one NaN or Inf sample in the middle. */
export function wavWith(dir: string, value: number): Buffer {
  const b = Buffer.from(wav(dir, '32f', 1, 8000));
  const dataAt = b.indexOf('data') + 8;
  b.writeFloatLE(value, dataAt + 4 * 4000);
  return b;
}

export const fixture = (name: string): Buffer => readFileSync(path.join(FIX, name));

/** A real 16-bit RGB TIFF (LZW: sharp's default TIFF compression is JPEG, which is 8-bit only). */
export async function sixteenBitTiff(): Promise<Buffer> {
  return photo().toColourspace('rgb16').tiff({ compression: 'lzw' }).toBuffer();
}
