// Fast previews for the desktop app: a before/after crop while the strength slider moves, and
// thumbnails for the file list. Pixels are converted to sRGB 8-bit for display.
import sharp, { type OutputInfo } from 'sharp';
import { HushError, type ImageDenoiser, type Sigma } from '../types.ts';
import { DEFAULT_MAX_PIXELS, assertPixelLimit } from './decode.ts';
import { assertReadableFile, decodeErrorFor } from './errors.ts';
import { estimateImageNoise } from './noise-estimate.ts';
import { probeImage } from './probe.ts';
import { MemoryRaster } from './raster.ts';
import { contextMargin, denoiseRaster } from './tiling.ts';

export interface PreviewRegion {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface PreviewOptions {
  readonly sigma: Sigma;
  /** Crop in displayed (orientation-applied) pixels, shown at 1:1; default the whole image. */
  readonly region?: PreviewRegion;
  /** Longest side of the returned PNGs (default 1024). A region larger than this is denoised at 1:1, then scaled. */
  readonly maxSide?: number;
  readonly denoiser: ImageDenoiser;
  /** Tiles in flight at once (a worker-pool denoiser runs them in parallel; default 1). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface ImagePreview {
  /** PNG of the source crop/view, sRGB 8-bit. */
  readonly before: Buffer;
  /** PNG of the same view denoised. */
  readonly after: Buffer;
  /** σ applied to the full-resolution pixels (0–255). */
  readonly sigma: number;
  /** What 'auto' estimated. */
  readonly estimate?: number;
  /** The region actually shown (clipped to the image); undefined for a whole-image view. */
  readonly region?: PreviewRegion;
  readonly width: number;
  readonly height: number;
}

/** Most pixels a 1:1 preview region may have (the whole-image view is scaled, so it has no limit). */
const MAX_REGION_PIXELS = 16_000_000;

/**
 * Before/after preview. With a region, the crop is denoised at full resolution with context around it
 * (so its edges match the final file). Without one, the whole image is scaled to `maxSide` first and σ
 * is scaled down by the same factor, since averaging pixels averages noise away.
 */
export async function renderImagePreview(path: string, opts: PreviewOptions): Promise<ImagePreview> {
  const probe = await probeImage(path);
  assertPixelLimit(probe, path, DEFAULT_MAX_PIXELS);
  const maxSide = Math.max(16, Math.floor(opts.maxSide ?? 1024));
  let estimate: number | undefined;
  let sigma: number;
  if (opts.sigma === 'auto') {
    estimate = await estimateImageNoise(path);
    sigma = estimate;
  } else {
    if (!(Number.isFinite(opts.sigma) && opts.sigma >= 0 && opts.sigma <= 255)) {
      throw new HushError('internal', `sigma must be 'auto' or a number from 0 to 255, got ${String(opts.sigma)}`);
    }
    sigma = opts.sigma;
  }

  let region: PreviewRegion | undefined;
  let raw: { data: Buffer; info: OutputInfo };
  let view: PreviewRegion; // part of `raw` to show
  let sigmaHere = sigma;
  try {
    const base = sharp(path, { limitInputPixels: DEFAULT_MAX_PIXELS, pages: 1, page: 0, failOn: 'truncated' }).autoOrient();
    if (opts.region) {
      region = clipRegion(opts.region, probe.width, probe.height);
      if (region.width * region.height > MAX_REGION_PIXELS) {
        throw new HushError('too-large', `preview region ${region.width}×${region.height} is larger than ${MAX_REGION_PIXELS / 1e6} MP`);
      }
      // Context around the crop so the model sees what it will see in the full run.
      // The context's origin sits on the model's stride grid, as the full run's tiles do, so the crop
      // comes out exactly as it will in the saved file.
      const m = contextMargin(opts.denoiser);
      const q = Math.max(1, opts.denoiser.sizeMultiple);
      const left = Math.max(0, Math.floor((region.left - m) / q) * q);
      const top = Math.max(0, Math.floor((region.top - m) / q) * q);
      const ctx = clipRegion({ left, top, width: region.left + region.width + m - left, height: region.top + region.height + m - top }, probe.width, probe.height);
      raw = await base.extract(ctx).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      view = { left: region.left - ctx.left, top: region.top - ctx.top, width: region.width, height: region.height };
    } else {
      const scale = Math.min(1, maxSide / Math.max(probe.width, probe.height));
      raw = await base
        .resize({ width: Math.max(1, Math.round(probe.width * scale)), height: Math.max(1, Math.round(probe.height * scale)), fit: 'fill' })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      view = { left: 0, top: 0, width: raw.info.width, height: raw.info.height };
      sigmaHere = sigma * scale;
    }
  } catch (err) {
    throw await decodeErrorFor(err, path);
  }
  if (opts.signal?.aborted) throw new HushError('cancelled', 'cancelled');

  const { width, height, channels } = raw.info;
  const raster = new MemoryRaster(new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length), width, height, channels as 3 | 4, 8);
  if (sigmaHere > 0) await denoiseRaster(raster, opts.denoiser, sigmaHere, { signal: opts.signal, concurrency: opts.concurrency });

  const encode = async (pixels: Uint8Array): Promise<Buffer> => {
    let img = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels: channels as 3 | 4 } })
      .extract(view);
    if (view.width > maxSide || view.height > maxSide) img = img.resize(maxSide, maxSide, { fit: 'inside' });
    return img.png({ compressionLevel: 3 }).toBuffer();
  };
  const [before, after] = await Promise.all([encode(raster.source as Uint8Array), encode(raster.output as Uint8Array)]);
  const shown = await sharp(after).metadata();
  return { before, after, sigma, estimate, region, width: shown.width, height: shown.height };
}

function clipRegion(r: PreviewRegion, width: number, height: number): PreviewRegion {
  if (![r.left, r.top, r.width, r.height].every(Number.isFinite) || r.width <= 0 || r.height <= 0) {
    throw new HushError('internal', `invalid preview region ${JSON.stringify(r)}`);
  }
  const left = Math.max(0, Math.min(width - 1, Math.floor(r.left)));
  const top = Math.max(0, Math.min(height - 1, Math.floor(r.top)));
  const right = Math.max(left + 1, Math.min(width, Math.ceil(r.left + r.width)));
  const bottom = Math.max(top + 1, Math.min(height, Math.ceil(r.top + r.height)));
  return { left, top, width: right - left, height: bottom - top };
}

/** JPEG thumbnail, longest side `maxSide`, orientation applied, transparency flattened onto white. */
export async function makeImageThumbnail(path: string, maxSide: number): Promise<Buffer> {
  await assertReadableFile(path);
  const side = Math.max(8, Math.floor(maxSide));
  try {
    return await sharp(path, { limitInputPixels: DEFAULT_MAX_PIXELS, pages: 1, page: 0, failOn: 'truncated' })
      .autoOrient()
      .resize(side, side, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: 82 })
      .toBuffer();
  } catch (err) {
    throw await decodeErrorFor(err, path);
  }
}
