// Image quality metrics as the denoising literature computes them (KAIR/DPIR `utils_image.py`):
// PSNR over all RGB samples on the 0–255 scale, and SSIM with an 11×11 Gaussian window (σ = 1.5),
// K1 = 0.01, K2 = 0.03, L = 255, evaluated on the 'valid' region (5-pixel border dropped) per channel
// and averaged over R, G, B.

/** Interleaved samples on the 0–255 scale (uint8 or float). */
export type Samples = ArrayLike<number>;

export function mse(a: Samples, b: Samples): number {
  if (a.length !== b.length) throw new Error(`mse: length mismatch ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s / a.length;
}

/** PSNR in dB with peak 255 (Infinity for identical inputs). */
export function psnr(a: Samples, b: Samples, peak = 255): number {
  const m = mse(a, b);
  return m === 0 ? Infinity : 10 * Math.log10((peak * peak) / m);
}

function gaussianWindow1d(size = 11, sigma = 1.5): Float64Array {
  const w = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += w[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) w[i] /= s;
  return w;
}

/** Separable 'valid' filtering of one plane: output (h−10)×(w−10). */
function filterValid(src: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const n = k.length;
  const ow = w - n + 1;
  const oh = h - n + 1;
  const tmp = new Float64Array(ow * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      const base = y * w + x;
      for (let i = 0; i < n; i++) s += k[i] * src[base + i];
      tmp[y * ow + x] = s;
    }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i] * tmp[(y + i) * ow + x];
      out[y * ow + x] = s;
    }
  return out;
}

/** SSIM of one channel plane (values 0–255). */
export function ssimPlane(a: Float64Array, b: Float64Array, width: number, height: number): number {
  const k = gaussianWindow1d();
  const C1 = (0.01 * 255) ** 2;
  const C2 = (0.03 * 255) ** 2;
  const n = width * height;
  const aa = new Float64Array(n);
  const bb = new Float64Array(n);
  const ab = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    aa[i] = a[i] * a[i];
    bb[i] = b[i] * b[i];
    ab[i] = a[i] * b[i];
  }
  const mu1 = filterValid(a, width, height, k);
  const mu2 = filterValid(b, width, height, k);
  const s11 = filterValid(aa, width, height, k);
  const s22 = filterValid(bb, width, height, k);
  const s12 = filterValid(ab, width, height, k);
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i];
    const m2 = mu2[i];
    const v1 = s11[i] - m1 * m1;
    const v2 = s22[i] - m2 * m2;
    const cov = s12[i] - m1 * m2;
    sum += ((2 * m1 * m2 + C1) * (2 * cov + C2)) / ((m1 * m1 + m2 * m2 + C1) * (v1 + v2 + C2));
  }
  return sum / mu1.length;
}

/** Mean SSIM over the channels of interleaved images (RGB: channels = 3). */
export function ssim(a: Samples, b: Samples, width: number, height: number, channels = 3): number {
  if (a.length !== width * height * channels || b.length !== a.length) throw new Error('ssim: size mismatch');
  if (width < 11 || height < 11) throw new Error('ssim: images must be at least 11×11');
  let total = 0;
  for (let c = 0; c < channels; c++) {
    const pa = new Float64Array(width * height);
    const pb = new Float64Array(width * height);
    for (let i = 0; i < width * height; i++) {
      pa[i] = a[i * channels + c];
      pb[i] = b[i * channels + c];
    }
    total += ssimPlane(pa, pb, width, height);
  }
  return total / channels;
}

/** Float [0,1] → uint8 the way the DPIR protocol stores outputs: clip, ×255, round. */
export function toUint8(x: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(x[i] * 255)));
  return out;
}
