// One image file through Hush: decode once → (estimate σ) → tiled denoise → encode → atomic rename.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HushError, type ImageDenoiser, type ImageFormat, type Sigma, type Stage } from '../types.ts';
import { assertNotInput, assertWritableFolder, writeAtomically } from './atomic-write.ts';
import { decodeToVips, isGray } from './decode.ts';
import { encodeFromVips, validateQuality } from './encode.ts';
import { defaultOutputFormat, maxBitDepth, OUTPUT_FORMATS } from './formats.ts';
import { estimateRasterNoise } from './raster-noise.ts';
import { probeImage } from './probe.ts';
import { denoiseRaster } from './tiling.ts';
import { VipsFileRaster } from './vips-file.ts';

export interface DenoiseImageOptions {
  /** σ on the 0–255 scale, 0 = pass through (still re-encoded), or 'auto' to estimate it. */
  readonly sigma: Sigma;
  /** Output format; default the input's (GIF → PNG). */
  readonly format?: ImageFormat;
  /** 1–100 for lossy formats (JPEG 92, WebP 90, AVIF/HEIF 70 by default). */
  readonly quality?: number;
  /** Bits per channel to write; default: 16 when the input has 16 and the format can hold it. */
  readonly bitDepth?: 8 | 16;
  /** Largest model tile side, context included (default 512). */
  readonly tileSize?: number;
  /** Tiles in flight at once (default 1; a worker-pool denoiser benefits from more). */
  readonly concurrency?: number;
  /** Decompression-bomb guard in pixels (default 268 MP). */
  readonly maxPixels?: number;
}

export interface DenoiseImageContext {
  readonly denoiser: ImageDenoiser;
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: Stage, fraction: number) => void;
}

export interface DenoiseImageResult {
  /** σ applied (0–255). */
  readonly sigma: number;
  /** What 'auto' estimated, when asked. */
  readonly estimate?: number;
  readonly width: number;
  readonly height: number;
  /** Format written (callers pick the file extension with EXTENSION[format]). */
  readonly format: ImageFormat;
  readonly bitDepth: 8 | 16;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HushError('cancelled', 'cancelled');
}

export async function denoiseImageFile(
  input: string,
  output: string,
  opts: DenoiseImageOptions,
  ctx: DenoiseImageContext,
): Promise<DenoiseImageResult> {
  const { signal, onProgress } = ctx;
  if (opts.sigma !== 'auto' && !(Number.isFinite(opts.sigma) && opts.sigma >= 0 && opts.sigma <= 255)) {
    throw new HushError('internal', `sigma must be 'auto' or a number from 0 to 255, got ${String(opts.sigma)}`);
  }
  if (opts.format !== undefined && !OUTPUT_FORMATS.includes(opts.format)) {
    throw new HushError('unsupported-format', `cannot write format '${String(opts.format)}'`);
  }
  validateQuality(opts.quality);
  await assertNotInput(input, output);
  // Fail before the heavy work when the output cannot be written anyway.
  await assertWritableFolder(output);
  checkAborted(signal);
  onProgress?.('decoding', 0);

  const probe = await probeImage(input);
  const format = opts.format ?? defaultOutputFormat(probe.format);
  const canDeep = maxBitDepth(format) > 8;
  if (opts.bitDepth === 16 && !canDeep) {
    throw new HushError('unsupported-format', `${format.toUpperCase()} cannot store 16 bits per channel; choose PNG, TIFF, AVIF or HEIF`);
  }
  const bitDepth: 8 | 16 = opts.bitDepth ?? (probe.bitDepth >= 16 && canDeep ? 16 : 8);

  const work = await mkdtemp(join(tmpdir(), 'hush-image-'));
  try {
    const source = join(work, 'source.v');
    const result = join(work, 'result.v');
    const decoded = await decodeToVips(input, source, { depth: bitDepth, maxPixels: opts.maxPixels, probe });
    await copyFile(source, result);
    onProgress?.('decoding', 1);
    checkAborted(signal);

    const raster = await VipsFileRaster.open(source, result);
    let sigma: number;
    let estimate: number | undefined;
    try {
      if (opts.sigma === 'auto') {
        onProgress?.('estimating', 0);
        estimate = await estimateRasterNoise(raster);
        sigma = estimate;
        onProgress?.('estimating', 1);
      } else {
        sigma = opts.sigma;
      }
      checkAborted(signal);
      if (sigma > 0) {
        await denoiseRaster(raster, ctx.denoiser, sigma, {
          tileSize: opts.tileSize,
          concurrency: opts.concurrency,
          signal,
          onProgress: (f) => onProgress?.('denoising', f),
        });
      }
    } finally {
      await raster.close();
    }
    checkAborted(signal);

    onProgress?.('encoding', 0);
    await writeAtomically(output, async (tmp) => {
      await encodeFromVips(result, tmp, { format, quality: opts.quality, bitDepth, gray: isGray(decoded.probe), pixels: decoded.header.width * decoded.header.height });
      // Last chance to honour a cancel before the output appears.
      checkAborted(signal);
    });
    onProgress?.('encoding', 1);
    return { sigma, estimate, width: decoded.header.width, height: decoded.header.height, format, bitDepth };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
