// Encode a .v file (pixels + metadata) to the requested format. EXIF, XMP and the ICC profile stored
// in the .v are written unchanged; orientation is already applied to the pixels (the tag says 1).
import sharp from 'sharp';
import type { ImageFormat } from '../types.ts';
import { HushError } from '../types.ts';
import { encodeError } from './errors.ts';
import { maxBitDepth } from './formats.ts';

export interface EncodeOptions {
  readonly format: ImageFormat;
  /** 1–100 for JPEG, WebP, AVIF, HEIF (100 = lossless for WebP); ignored for PNG and TIFF (lossless). */
  readonly quality?: number;
  /** Bits per channel to write; formats that cannot hold 16 bits store as many as they can. */
  readonly bitDepth: 8 | 16;
  /** The pixels are gray (1 colour channel). */
  readonly gray: boolean;
  /** width × height, to pick memory-hungry encoder options only for small images. */
  readonly pixels: number;
}

const OPTIMISE_CODING_MAX_PIXELS = 16_000_000;

export const DEFAULT_QUALITY: Readonly<Record<ImageFormat, number>> = {
  jpeg: 92,
  webp: 90,
  avif: 70,
  heif: 70,
  png: 100,
  tiff: 100,
};

export function validateQuality(quality: number | undefined): void {
  if (quality !== undefined && !(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new HushError('internal', `quality must be an integer from 1 to 100, got ${quality}`);
  }
}

/** Write `vPath` as `format` to `outPath` (a temporary name; the caller renames it into place). */
export async function encodeFromVips(vPath: string, outPath: string, opts: EncodeOptions): Promise<void> {
  validateQuality(opts.quality);
  const q = opts.quality ?? DEFAULT_QUALITY[opts.format];
  const deep = opts.bitDepth === 16 && maxBitDepth(opts.format) > 8;
  const space = opts.gray ? (deep ? 'grey16' : 'b-w') : deep ? 'rgb16' : 'srgb';
  let img = sharp(vPath, { limitInputPixels: false }).keepMetadata().toColourspace(space);
  switch (opts.format) {
    case 'jpeg':
      // High quality keeps full chroma: denoised colour edges are what the user is looking at.
      // Optimised Huffman tables need every coefficient in memory (+270 MB at 48 MP): small images only.
      img = img.jpeg({ quality: q, chromaSubsampling: q >= 90 ? '4:4:4' : '4:2:0', optimiseCoding: opts.pixels <= OPTIMISE_CODING_MAX_PIXELS });
      break;
    case 'png':
      img = img.png({ compressionLevel: 6 });
      break;
    case 'webp':
      img = img.webp(q >= 100 ? { lossless: true } : { quality: q, smartSubsample: true });
      break;
    case 'tiff':
      img = img.tiff({ compression: 'deflate', predictor: 'horizontal' });
      break;
    case 'avif':
      img = img.avif({ quality: q, lossless: q >= 100, bitdepth: deep ? 10 : 8 });
      break;
    case 'heif':
      // Prebuilt libvips has no HEVC encoder; AV1 in a HEIF container is what it can write.
      img = img.heif({ compression: 'av1', quality: q, lossless: q >= 100, bitdepth: deep ? 10 : 8 });
      break;
  }
  try {
    await img.toFile(outPath);
  } catch (err) {
    throw encodeError(err, outPath);
  }
}
