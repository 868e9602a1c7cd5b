// Read what an image file is without decoding its pixels: format (sniffed from content, not the
// extension), displayed size, channels, bit depth and which metadata it carries.
import sharp, { type Metadata } from 'sharp';
import { basename } from 'node:path';
import { HushError } from '../types.ts';
import { assertReadableFile, decodeErrorFor } from './errors.ts';
import { inputFormatOf, type InputImageFormat } from './formats.ts';

export interface ImageProbe {
  readonly format: InputImageFormat;
  /** Size as displayed, i.e. after applying EXIF orientation. */
  readonly width: number;
  readonly height: number;
  /** Channels as stored, alpha included (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA or CMYK). */
  readonly channels: number;
  /** Bits per channel of the decoded pixels (8 or 16; 32 for float TIFF). */
  readonly bitDepth: 8 | 16 | 32;
  readonly hasAlpha: boolean;
  /** libvips colour space: 'srgb', 'rgb16', 'b-w', 'grey16', 'cmyk', … */
  readonly space: string;
  readonly isPalette: boolean;
  /** EXIF orientation tag 1–8 (1 when absent). */
  readonly orientation: number;
  /** Frames/pages (animated GIF/WebP, multi-page TIFF); only the first is processed. */
  readonly pages: number;
  readonly hasIcc: boolean;
  readonly hasExif: boolean;
  readonly hasXmp: boolean;
  readonly fileSize: number;
}

export async function probeImage(path: string): Promise<ImageProbe> {
  const fileSize = await assertReadableFile(path);
  let meta: Metadata;
  try {
    // Header only; no pixel limit here so the UI can show how big a refused image is.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw await decodeErrorFor(err, path);
  }
  const format = inputFormatOf(meta);
  if (!format) {
    throw new HushError('unsupported-format', `${basename(path)} is a ${meta.format.toUpperCase()} file; Hush denoises JPEG, PNG, WebP, TIFF, AVIF, HEIF and GIF photos`);
  }
  const orientation = meta.orientation ?? 1;
  return {
    format,
    width: meta.autoOrient?.width ?? meta.width,
    height: meta.autoOrient?.height ?? meta.height,
    channels: meta.channels,
    bitDepth: bitDepthOf(meta.depth),
    hasAlpha: meta.hasAlpha,
    space: meta.space,
    isPalette: meta.isPalette ?? false,
    orientation,
    pages: meta.pages ?? 1,
    hasIcc: Boolean(meta.icc && meta.icc.length > 0),
    hasExif: Boolean(meta.exif && meta.exif.length > 0),
    hasXmp: Boolean(meta.xmp && meta.xmp.length > 0),
    fileSize,
  };
}

function bitDepthOf(depth: string): 8 | 16 | 32 {
  switch (depth) {
    case 'ushort': case 'short': return 16;
    case 'float': case 'double': case 'uint': case 'int': return 32;
    default: return 8;
  }
}
