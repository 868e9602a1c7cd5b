// Decode an image file once, to a libvips .v file of raw interleaved pixels with its metadata:
// EXIF orientation applied to the pixels, first frame only, native colour values (no ICC conversion,
// the profile rides along), CMYK converted to sRGB, palettes expanded, 8 or 16 bits per channel.
import sharp from 'sharp';
import { basename } from 'node:path';
import { HushError } from '../types.ts';
import { decodeErrorFor } from './errors.ts';
import { probeImage, type ImageProbe } from './probe.ts';
import { readVipsHeader, type VipsHeader } from './vips-file.ts';

/** Default decompression-bomb guard: 268 megapixels (libvips' own default, 16383²). */
export const DEFAULT_MAX_PIXELS = 268_402_689;

export interface DecodeOptions {
  /** Bits per channel of the decoded pixels. */
  readonly depth: 8 | 16;
  readonly maxPixels?: number;
  /** The input's probe, when the caller already has it. */
  readonly probe?: ImageProbe;
}

export interface DecodedImage {
  readonly probe: ImageProbe;
  readonly header: VipsHeader;
  /** True when the source's ICC profile travels with the pixels (false after CMYK → sRGB). */
  readonly keptIcc: boolean;
}

/** Refuse images above the pixel limit with a message that says how big they are. */
export function assertPixelLimit(probe: Pick<ImageProbe, 'width' | 'height'>, path: string, maxPixels = DEFAULT_MAX_PIXELS): void {
  const pixels = probe.width * probe.height;
  if (pixels > maxPixels) {
    const mp = (n: number): string => (n / 1e6).toFixed(n < 1e7 ? 1 : 0);
    throw new HushError(
      'too-large',
      `${basename(path)} declares ${probe.width}×${probe.height} pixels (${mp(pixels)} MP); Hush refuses images over ${mp(maxPixels)} MP to protect memory`,
    );
  }
}

/** Whether the decoded pixels are gray (1 colour channel). */
export function isGray(probe: Pick<ImageProbe, 'space' | 'channels' | 'isPalette'>): boolean {
  return (probe.space === 'b-w' || probe.space === 'grey16') && probe.channels <= 2;
}

/** Decode `input` to the .v file `vPath`. */
export async function decodeToVips(input: string, vPath: string, opts: DecodeOptions): Promise<DecodedImage> {
  const probe = opts.probe ?? (await probeImage(input));
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  assertPixelLimit(probe, input, maxPixels);
  const gray = isGray(probe);
  const cmyk = probe.space === 'cmyk';
  const target = gray ? (opts.depth === 16 ? 'grey16' : 'b-w') : opts.depth === 16 ? 'rgb16' : 'srgb';
  try {
    // failOn 'truncated': refuse cut-off files, but decode photos with benign warnings (unknown TIFF
    // tags, stray bytes in a JPEG) as every viewer does.
    let img = sharp(input, { limitInputPixels: maxPixels, pages: 1, page: 0, failOn: 'truncated' }).autoOrient().keepExif().keepXmp();
    // Float TIFFs (scRGB, 0–1) must be converted at load: a late conversion to 16 bits loses the scale.
    if (probe.bitDepth === 32) img = img.pipelineColourspace(gray ? 'grey16' : 'rgb16');
    // Keeping the profile also stops sharp converting to sRGB, so the model sees the file's own values.
    // CMYK has to become RGB, and its CMYK profile then no longer describes the pixels.
    if (!cmyk) img = img.keepIccProfile();
    await img.toColourspace(target).toFile(vPath);
  } catch (err) {
    throw await decodeErrorFor(err, input);
  }
  const header = await readVipsHeader(vPath);
  const wantChannels = (gray ? 1 : 3) + (probe.hasAlpha ? 1 : 0);
  if (header.width !== probe.width || header.height !== probe.height || header.channels !== wantChannels) {
    throw new HushError('internal', `decoded ${basename(input)} to ${header.width}×${header.height}×${header.channels}, expected ${probe.width}×${probe.height}×${wantChannels}`);
  }
  return { probe, header, keptIcc: probe.hasIcc && !cmyk };
}

