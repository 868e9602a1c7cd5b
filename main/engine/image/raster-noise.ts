// σ estimate of a decoded raster: a 3×3 grid of crops (or the whole image when small) fed to the
// patch estimator, so a 48-megapixel photo costs the same as a 1.5-megapixel one.
import { cropGrid, estimateSigmaRegions, type NoiseImage } from './noise-estimate.ts';
import type { PixelRaster } from './raster.ts';

const CROP = 512;

export async function estimateRasterNoise(raster: PixelRaster): Promise<number> {
  const regions = cropGrid(raster.width, raster.height, CROP, 3);
  const images: NoiseImage[] = [];
  const ch = raster.channels;
  for (const r of regions) {
    const rows = await raster.readRows(r.top, r.height);
    const crop = rows instanceof Uint16Array ? new Uint16Array(r.width * r.height * ch) : new Uint8Array(r.width * r.height * ch);
    for (let y = 0; y < r.height; y++) {
      const s = (y * raster.width + r.left) * ch;
      crop.set(rows.subarray(s, s + r.width * ch), y * r.width * ch);
    }
    images.push({ data: crop, width: r.width, height: r.height, channels: ch });
  }
  return estimateSigmaRegions(images);
}
