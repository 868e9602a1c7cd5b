// Random crops with the 8 dihedral transforms (flips × 90° rotations): natural images have no
// preferred orientation, so this multiplies the data for free.
import type { RgbImage } from './images.ts';
import type { Patch } from './corruption.ts';
import { Rng } from './rng.ts';

/**
 * Crop a size×size patch at (x0, y0) of `img` and apply dihedral transform `t` (0–7: bit 0 = flip
 * x, bit 1 = flip y, bit 2 = transpose). Output is float [0,1] HWC.
 */
export function cropDihedral(img: RgbImage, x0: number, y0: number, size: number, t: number): Patch {
  const out = new Float32Array(size * size * 3);
  const fx = (t & 1) !== 0;
  const fy = (t & 2) !== 0;
  const tr = (t & 4) !== 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let sx = tr ? y : x;
      let sy = tr ? x : y;
      if (fx) sx = size - 1 - sx;
      if (fy) sy = size - 1 - sy;
      const si = ((y0 + sy) * img.width + (x0 + sx)) * 3;
      const di = (y * size + x) * 3;
      out[di] = img.data[si] / 255;
      out[di + 1] = img.data[si + 1] / 255;
      out[di + 2] = img.data[si + 2] / 255;
    }
  return { data: out, width: size, height: size };
}

/** A random augmented patch from a random image (images picked in proportion to their area). */
export function randomPatch(images: readonly RgbImage[], cumArea: Float64Array, size: number, rng: Rng): Patch {
  const u = rng.next() * cumArea[cumArea.length - 1];
  let lo = 0;
  let hi = cumArea.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumArea[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  const img = images[lo];
  const x0 = rng.int(img.width - size + 1);
  const y0 = rng.int(img.height - size + 1);
  return cropDihedral(img, x0, y0, size, rng.int(8));
}
