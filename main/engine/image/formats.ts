// Which image formats Hush reads and writes, detected by content (sharp sniffs magic bytes), and what
// each output format can hold. One place, so probe, decode, encode and the fronts agree.
import type { ImageFormat } from '../types.ts';
import type { Metadata } from 'sharp';

/** Formats we decode. GIF is read (first frame) but written as PNG: denoised photos are not palettes. */
export type InputImageFormat = ImageFormat | 'gif';

export const OUTPUT_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'tiff', 'avif', 'heif'];

/** File name extension for an output format (without dot). */
export const EXTENSION: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  tiff: 'tif',
  avif: 'avif',
  // AV1-compressed HEIF (no HEVC encoder in libvips' prebuilt binaries), so not '.heic'.
  heif: 'heif',
};

const EXTENSION_TO_FORMAT: Readonly<Record<string, ImageFormat>> = {
  jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', jfif: 'jpeg',
  png: 'png', webp: 'webp', tif: 'tiff', tiff: 'tiff', avif: 'avif', heif: 'heif', heic: 'heif',
};

/** Output format a file name asks for, if its extension names one. */
export function formatFromExtension(path: string): ImageFormat | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return undefined;
  return EXTENSION_TO_FORMAT[path.slice(dot + 1).toLowerCase()];
}

/**
 * Map sharp's content-sniffed format to ours. libvips calls every HEIF-container image 'heif';
 * the compression tells AVIF (AV1) from HEIC (HEVC). Returns undefined for formats we do not accept
 * (SVG, PDF, raw …): denoising is for photographs.
 */
export function inputFormatOf(meta: Pick<Metadata, 'format' | 'compression'>): InputImageFormat | undefined {
  switch (meta.format) {
    case 'jpeg': case 'png': case 'webp': case 'tiff': case 'gif':
      return meta.format;
    case 'heif':
      return meta.compression === 'av1' ? 'avif' : 'heif';
    default:
      return undefined;
  }
}

/**
 * Most bits per channel each output format can store. AV1 (AVIF/HEIF) holds up to 12; encode.ts writes
 * 10 there for "16-bit", the depth every AVIF decoder handles.
 */
export function maxBitDepth(format: ImageFormat): 8 | 12 | 16 {
  switch (format) {
    case 'png': case 'tiff': return 16;
    case 'avif': case 'heif': return 12;
    default: return 8;
  }
}

/** Default output format for an input format: itself, except GIF → PNG (lossless, full colour). */
export function defaultOutputFormat(input: InputImageFormat): ImageFormat {
  return input === 'gif' ? 'png' : input;
}
