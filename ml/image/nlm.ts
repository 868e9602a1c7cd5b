// Classical baseline: colour non-local means (Buades, Coll & Morel; parameters after the IPOL
// implementation "Non-Local Means Denoising", 2011). Pixelwise NLM where, for every search offset, the
// patch distances of all pixels come from one integral image of the per-pixel colour difference — so
// the cost is O(pixels × offsets), independent of the patch size.
//
// Weight of the pixel at offset o: exp(−max(d² − 2σ², 0) / h²), d² = mean squared colour difference
// of the (2f+1)² patches. IPOL's σ-dependent patch radius f and filter h are used; the search window
// is capped at 21×21 (IPOL uses 35×35 above σ = 25) to keep evaluation affordable on two cores.

export interface NlmParams {
  /** Patch radius f (patch = (2f+1)²). */
  readonly patchRadius: number;
  /** Search radius r (window = (2r+1)²). */
  readonly searchRadius: number;
  /** Filtering parameter h, 0–255 scale. */
  readonly h: number;
}

/** IPOL parameters for colour images at noise level σ (0–255), with the search window capped. */
export function nlmParams(sigma: number, maxSearchRadius = 10): NlmParams {
  if (sigma <= 25) return { patchRadius: 1, searchRadius: Math.min(10, maxSearchRadius), h: 0.55 * sigma };
  if (sigma <= 55) return { patchRadius: 2, searchRadius: Math.min(17, maxSearchRadius), h: 0.4 * sigma };
  return { patchRadius: 3, searchRadius: Math.min(17, maxSearchRadius), h: 0.35 * sigma };
}

/**
 * Denoise interleaved RGB (0–255 scale floats, may exceed the range) with noise level σ. Returns a new
 * array of the same layout. Borders are handled by mirror padding.
 */
export function nlmDenoise(src: ArrayLike<number>, width: number, height: number, sigma: number, params: NlmParams = nlmParams(sigma)): Float32Array {
  const out = new Float32Array(width * height * 3);
  if (sigma <= 0) {
    for (let i = 0; i < out.length; i++) out[i] = src[i];
    return out;
  }
  const { patchRadius: f, searchRadius: r, h } = params;
  const pad = r + f;
  const pw = width + 2 * pad;
  const ph = height + 2 * pad;
  const mirror = (i: number, n: number): number => {
    // Reflect without repeating the edge (…2 1 | 0 1 2 … n−1 | n−2 …); clamp for tiny images.
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
    return j;
  };
  const P = new Float32Array(pw * ph * 3);
  for (let y = 0; y < ph; y++) {
    const sy = mirror(y - pad, height);
    for (let x = 0; x < pw; x++) {
      const sx = mirror(x - pad, width);
      const s = (sy * width + sx) * 3;
      const d = (y * pw + x) * 3;
      P[d] = src[s];
      P[d + 1] = src[s + 1];
      P[d + 2] = src[s + 2];
    }
  }
  // Region over which patch distances are needed: the image plus f pixels around it.
  const rw = width + 2 * f;
  const rh = height + 2 * f;
  const diff = new Float64Array((rw + 1) * (rh + 1)); // integral image with a zero first row/col
  const num = new Float64Array(width * height * 3);
  const den = new Float64Array(width * height);
  const norm = 1 / (3 * (2 * f + 1) ** 2);
  const twoSigma2 = 2 * sigma * sigma;
  const invH2 = 1 / (h * h);
  const side = 2 * f + 1;

  // Offsets come in pairs ±o with the same patch distance field: d(p, p+o) = d(p+o, p). Each pair is
  // computed once (o in the upper half-plane) and applied both ways; the reverse update only where
  // p + o lies inside the image (outside it is mirror padding, not an output pixel).
  for (let oy = 0; oy <= r; oy++)
    for (let ox = -r; ox <= r; ox++) {
      if (oy === 0 && ox < 0) continue;
      const self = oy === 0 && ox === 0;
      for (let y = 0; y < rh; y++) {
        let rowSum = 0;
        const py = y + pad - f;
        const base = (py * pw + (pad - f)) * 3;
        const shifted = ((py + oy) * pw + (pad - f + ox)) * 3;
        const iRow = (y + 1) * (rw + 1);
        const iPrev = y * (rw + 1);
        for (let x = 0; x < rw; x++) {
          const a = base + x * 3;
          const b = shifted + x * 3;
          const d0 = P[a] - P[b];
          const d1 = P[a + 1] - P[b + 1];
          const d2 = P[a + 2] - P[b + 2];
          rowSum += d0 * d0 + d1 * d1 + d2 * d2;
          diff[iRow + x + 1] = diff[iPrev + x + 1] + rowSum;
        }
      }
      for (let y = 0; y < height; y++) {
        const top = y * (rw + 1);
        const bot = (y + side) * (rw + 1);
        const srcRow = ((y + pad + oy) * pw + pad + ox) * 3;
        const ownRow = ((y + pad) * pw + pad) * 3;
        const ty = y + oy;
        for (let x = 0; x < width; x++) {
          const d2 = (diff[bot + x + side] - diff[bot + x] - diff[top + x + side] + diff[top + x]) * norm;
          const e = d2 - twoSigma2;
          const w = e > 0 ? Math.exp(-e * invH2) : 1;
          const o = y * width + x;
          const s = srcRow + x * 3;
          den[o] += w;
          num[o * 3] += w * P[s];
          num[o * 3 + 1] += w * P[s + 1];
          num[o * 3 + 2] += w * P[s + 2];
          const tx = x + ox;
          if (!self && ty < height && tx >= 0 && tx < width) {
            const t = ty * width + tx;
            const q = ownRow + x * 3;
            den[t] += w;
            num[t * 3] += w * P[q];
            num[t * 3 + 1] += w * P[q + 1];
            num[t * 3 + 2] += w * P[q + 2];
          }
        }
      }
    }
  for (let o = 0; o < width * height; o++) {
    const inv = 1 / den[o];
    out[o * 3] = num[o * 3] * inv;
    out[o * 3 + 1] = num[o * 3 + 1] * inv;
    out[o * 3 + 2] = num[o * 3 + 2] * inv;
  }
  return out;
}
