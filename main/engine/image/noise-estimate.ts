// Blind noise-level estimation (σ on the 0–255 scale) for `sigma: 'auto'`.
//
// Method: weak-texture patches + PCA (Liu, Tanaka & Okutomi, "Single-Image Noise Level Estimation for
// Blind Denoising", IEEE TIP 2013). For additive white noise the covariance of patches without
// structure is σ²·I, so σ² is the smallest eigenvalue of the patch covariance. Patches are kept as
// "weak texture" when their summed squared gradients stay below the level pure noise of the current σ
// would reach with 99 % probability (a Gamma quantile); σ is re-estimated from the kept patches until
// it settles. Unlike high-pass estimators (Immerkær) this is not fooled by fine texture. Patches of
// all colour channels are pooled (one σ per image); patches touching clipped pixels (0 or full scale)
// are skipped because clipping hides noise.
import sharp from 'sharp';
import { symmetricEigen } from '../linalg.ts';
import { decodeErrorFor, assertReadableFile } from './errors.ts';

export interface NoiseImage {
  /** Interleaved samples; integers scaled by `maxValue`, or floats in [0, maxValue]. */
  readonly data: Uint8Array | Uint16Array | Float32Array;
  readonly width: number;
  readonly height: number;
  /** Interleaved channels; colour = first min(3, channels) (a 2nd/4th alpha channel is ignored). */
  readonly channels: number;
  /** Full-scale value: 255 for 8-bit, 65535 for 16-bit, 1 for float in [0,1]. Default from the array type. */
  readonly maxValue?: number;
}

export interface EstimateOptions {
  /** Patch side (px). Default 7 (d = 49). */
  readonly patch?: number;
  /** Upper bound on patches examined over all channels and regions (sampled on a grid). Default 25 000. */
  readonly maxPatches?: number;
}

interface Plane {
  /** One colour channel on the 0–255 scale. */
  readonly v: Float32Array;
  /** Integer samples can be clipped at 0 and full scale; float data (synthetic noise) is not. */
  readonly clipped: boolean;
  readonly w: number;
  readonly h: number;
}

interface Candidate {
  readonly plane: Plane;
  readonly x: number;
  readonly y: number;
  /** Summed squared horizontal + vertical differences inside the patch. */
  readonly texture: number;
}

/** Estimate σ (0–255 scale) from one or more regions of the same image. 0 when nothing is usable. */
export function estimateSigmaRegions(regions: readonly NoiseImage[], opts: EstimateOptions = {}): number {
  const r = Math.max(3, Math.floor(opts.patch ?? 7));
  const planes: Plane[] = [];
  for (const img of regions) planes.push(...planesOf(img));
  const positions = planes.reduce((n, p) => n + Math.max(0, p.w - r + 1) * Math.max(0, p.h - r + 1), 0);
  if (positions === 0) return 0;
  const step = Math.max(1, Math.floor(Math.sqrt(positions / Math.max(1, opts.maxPatches ?? 25_000))));
  const candidates: Candidate[] = [];
  for (const plane of planes) collectCandidates(plane, r, step, candidates);
  const d = r * r;
  if (candidates.length < 2 * d) return 0;

  // Pure noise of variance σ² gives texture/σ² ~ Gamma(shape r²/2, scale 2·tr(DᵀD)/r²).
  const traceDtD = 2 * 2 * r * (r - 1);
  const threshold99 = gammaQuantileWH(0.99, (r * r) / 2, (2 * traceDtD) / (r * r));
  let variance = smallestEigenvalue(candidates, r, Number.POSITIVE_INFINITY);
  for (let iter = 0; iter < 6 && Number.isFinite(variance); iter++) {
    const tau = variance * threshold99;
    const next = smallestEigenvalue(candidates, r, tau);
    if (!Number.isFinite(next)) break;
    const settled = Math.abs(next - variance) <= 5e-3 * Math.max(variance, 1e-6);
    variance = next;
    if (settled) break;
  }
  return Number.isFinite(variance) ? Math.sqrt(Math.max(0, variance)) : 0;
}

/**
 * Noise σ seen in the flattest parts of the image: the plane-fit residual std of 8×8 blocks, at the
 * 5th percentile over blocks and colour channels. Unlike the PCA estimate this counts spatially
 * correlated noise (demosaicing, in-camera JPEG), which is what real photos have; it over-reads
 * images without any flat area, where texture survives the plane fit.
 */
export function estimateFlatSigma(img: NoiseImage): number {
  return flatSigmaRegions([img]);
}

const FLAT_BLOCK = 8;
const FLAT_PERCENTILE = 0.05;

function flatSigmaRegions(regions: readonly NoiseImage[]): number {
  const B = FLAT_BLOCK;
  const n = B * B;
  let sxx = 0;
  for (let i = 0; i < B; i++) sxx += (i - (B - 1) / 2) ** 2;
  sxx *= B;
  const sigmas: number[] = [];
  for (const img of regions) {
    for (const { v, w, h, clipped } of planesOf(img)) {
      for (let by = 0; by + B <= h; by += B) {
        for (let bx = 0; bx + B <= w; bx += B) {
          let m = 0, gx = 0, gy = 0, ss = 0, clip = false;
          for (let y = 0; y < B; y++) {
            const row = (by + y) * w + bx;
            const dy = y - (B - 1) / 2;
            for (let x = 0; x < B; x++) {
              const a = v[row + x];
              if (clipped && (a < 0.5 || a > 254.5)) clip = true;
              m += a; gx += a * (x - (B - 1) / 2); gy += a * dy; ss += a * a;
            }
          }
          if (clip) continue;
          m /= n;
          const residual = ss - n * m * m - (gx * gx) / sxx - (gy * gy) / sxx;
          sigmas.push(Math.sqrt(Math.max(0, residual / (n - 3))));
        }
      }
    }
  }
  if (sigmas.length < 16) return 0;
  sigmas.sort((a, b) => a - b);
  // For white noise the 5th percentile of a 61-dof sample std sits ≈ 1.645·σ/√122 below σ.
  const dofCorrection = 1 - 1.645 / Math.sqrt(2 * (n - 3));
  return sigmas[Math.floor(FLAT_PERCENTILE * (sigmas.length - 1))] / dofCorrection;
}

export interface NoiseLevels {
  /** White-noise σ (PCA of weak-texture patches): exact for synthetic Gaussian noise. */
  readonly white: number;
  /** σ in the flattest blocks: includes correlated camera noise, over-reads fully textured images. */
  readonly flat: number;
  /**
   * What `sigma: 'auto'` applies: `white`, unless `flat` is over CORRELATED_RATIO times larger — the
   * signature of spatially correlated (camera) noise, which the PCA estimate cannot see — then `flat`.
   */
  readonly sigma: number;
}

/**
 * flat/white ratio above which noise is taken as correlated. Calibrated on the training split only
 * (`npx tsx ml/image/calibrate-noise-estimate.ts --images 30`, 8-bit 256² crops): white Gaussian noise
 * σ 1–50 gives ratios q95 2.46 / q99 3.05; correlated and demosaic-like sensor noise q05 2.56 /
 * median 4.96. 3 keeps ~99 % of white-noise images on the exact PCA estimate.
 */
const CORRELATED_RATIO = 3;

/** Both estimates for one or more regions of an image, and the σ that 'auto' uses. */
export function estimateNoiseLevels(regions: readonly NoiseImage[], opts: EstimateOptions = {}): NoiseLevels {
  const white = estimateSigmaRegions(regions, opts);
  const flat = flatSigmaRegions(regions);
  return { white, flat, sigma: flat > CORRELATED_RATIO * white ? flat : white };
}

/** Estimate σ (0–255 scale) of one image. */
export function estimateSigma(img: NoiseImage, opts: EstimateOptions = {}): number {
  return estimateSigmaRegions([img], opts);
}

function planesOf(img: NoiseImage): Plane[] {
  const { width: w, height: h, channels, data } = img;
  const maxValue = img.maxValue ?? (data instanceof Uint16Array ? 65535 : data instanceof Uint8Array ? 255 : 1);
  const scale = 255 / maxValue;
  const colour = channels >= 3 ? 3 : 1;
  const out: Plane[] = [];
  for (let c = 0; c < colour; c++) {
    const v = new Float32Array(w * h);
    for (let i = 0, j = c; i < v.length; i++, j += channels) v[i] = data[j] * scale;
    out.push({ v, w, h, clipped: !(data instanceof Float32Array) });
  }
  return out;
}

function collectCandidates(plane: Plane, r: number, step: number, out: Candidate[]): void {
  const { v, w, h } = plane;
  if (w < r || h < r) return;
  // Integral images of squared differences and of clipped-pixel counts, for O(1) patch sums.
  const W1 = w + 1;
  const gx = new Float64Array(W1 * (h + 1));
  const gy = new Float64Array(W1 * (h + 1));
  const clip = new Float64Array(W1 * (h + 1));
  for (let y = 0; y < h; y++) {
    let sx = 0, sy = 0, sc = 0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a = v[i];
      sx += x + 1 < w ? (v[i + 1] - a) ** 2 : 0;
      sy += y + 1 < h ? (v[i + w] - a) ** 2 : 0;
      sc += plane.clipped && (a < 0.5 || a > 254.5) ? 1 : 0;
      const o = (y + 1) * W1 + x + 1;
      gx[o] = gx[o - W1] + sx;
      gy[o] = gy[o - W1] + sy;
      clip[o] = clip[o - W1] + sc;
    }
  }
  const box = (t: Float64Array, x0: number, y0: number, x1: number, y1: number): number =>
    t[y1 * W1 + x1] - t[y0 * W1 + x1] - t[y1 * W1 + x0] + t[y0 * W1 + x0];
  for (let y = 0; y + r <= h; y += step) {
    for (let x = 0; x + r <= w; x += step) {
      if (box(clip, x, y, x + r, y + r) > 0) continue;
      // Horizontal pairs inside the patch: columns x..x+r-2; vertical pairs: rows y..y+r-2.
      const texture = box(gx, x, y, x + r - 1, y + r) + box(gy, x, y, x + r, y + r - 1);
      out.push({ plane, x, y, texture });
    }
  }
}

/** Smallest eigenvalue of the covariance of the patches whose texture is below `tau` (NaN if too few). */
function smallestEigenvalue(candidates: readonly Candidate[], r: number, tau: number): number {
  const d = r * r;
  const sum = new Float64Array(d);
  const cross = new Float64Array(d * d);
  const vec = new Float64Array(d);
  let n = 0;
  for (const c of candidates) {
    if (!(c.texture < tau)) continue;
    const { v, w } = c.plane;
    for (let py = 0, k = 0; py < r; py++) {
      const base = (c.y + py) * w + c.x;
      for (let px = 0; px < r; px++, k++) vec[k] = v[base + px];
    }
    for (let i = 0; i < d; i++) {
      const vi = vec[i];
      sum[i] += vi;
      const row = i * d;
      for (let j = i; j < d; j++) cross[row + j] += vi * vec[j];
    }
    n++;
  }
  if (n < 2 * d) return Number.NaN;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const c = (cross[i * d + j] - (sum[i] * sum[j]) / n) / (n - 1);
      cov[i * d + j] = c;
      cov[j * d + i] = c;
    }
  }
  // The smallest sample eigenvalue of n white-noise vectors sits at the Marchenko–Pastur lower edge
  // σ²(1 − √(d/n))², not at σ²: undo that shrinkage.
  const eig = symmetricEigenvalues(cov, d);
  return Math.min(...eig) / (1 - Math.sqrt(d / n)) ** 2;
}

/** Gamma(shape k, scale θ) quantile by the Wilson–Hilferty cube-root normal approximation. */
export function gammaQuantileWH(p: number, k: number, theta: number): number {
  const z = normalQuantile(p);
  const c = 1 / (9 * k);
  return k * theta * Math.max(0, 1 - c + z * Math.sqrt(c)) ** 3;
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const t = q * q;
  return ((((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * q) / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1);
}

/** Eigenvalues of a symmetric d×d matrix (row-major), unsorted. */
export function symmetricEigenvalues(matrix: Float64Array, d: number): number[] {
  return Array.from(symmetricEigen(matrix, d).values);
}

/** Side of the square crops sampled from large images (3×3 grid) for `estimateImageNoise`. */
const CROP = 512;

/**
 * Estimate σ of an image file: decoded with EXIF orientation, in its own colour space (no ICC
 * conversion, which would reshape the noise). Large images are sampled as a 3×3 grid of crops.
 */
export async function estimateImageNoise(path: string): Promise<number> {
  await assertReadableFile(path);
  try {
    const meta = await sharp(path).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    const regions = cropGrid(width, height, CROP, 3);
    const images: NoiseImage[] = [];
    for (const region of regions) {
      const { data, info } = await sharp(path)
        .autoOrient()
        .keepIccProfile()
        .extract(region)
        .raw({ depth: meta.depth === 'ushort' ? 'ushort' : 'uchar' })
        .toBuffer({ resolveWithObject: true });
      const samples = meta.depth === 'ushort'
        ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
        : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      images.push({ data: samples, width: info.width, height: info.height, channels: info.channels });
    }
    return estimateNoiseLevels(images).sigma;
  } catch (err) {
    throw await decodeErrorFor(err, path);
  }
}

/** Up to n×n evenly spread crops of side `size` (one whole-image region when the image is small). */
export function cropGrid(width: number, height: number, size: number, n: number): Array<{ left: number; top: number; width: number; height: number }> {
  if (width <= size * n && height <= size * n) {
    if (width * height <= size * size * n * n) return [{ left: 0, top: 0, width, height }];
  }
  const cw = Math.min(size, width);
  const ch = Math.min(size, height);
  const out: Array<{ left: number; top: number; width: number; height: number }> = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      out.push({
        left: Math.round(((width - cw) * (i + 0.5)) / n),
        top: Math.round(((height - ch) * (j + 0.5)) / n),
        width: cw,
        height: ch,
      });
    }
  }
  return out;
}
