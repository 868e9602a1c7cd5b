// Deterministic stand-ins for the trained model, with exactly known receptive fields, so tiling can be
// checked to the last bit. They behave like a CNN where it matters for tiling: zero padding at the
// tile border (wrong pixels near tile edges unless the margin is big enough) and a stride grid
// anchored at the tile origin (wrong pixels if tiles are misaligned).
import type { ImageDenoiser, RgbTile } from '../../../main/engine/types.ts';

/**
 * Gaussian-ish blur (binomial kernel of radius `radius`, zero padded), blended with the input by
 * σ/50, then each pixel pulled a quarter of the way toward the mean of its `multiple`×`multiple` block.
 * Output pixel depends on inputs within radius + multiple − 1 on each side (its receptiveField).
 */
export class BlurBlockDenoiser implements ImageDenoiser {
  readonly receptiveField: number;
  readonly calls: Array<{ width: number; height: number; sigma: number }> = [];
  private readonly kernel: Float32Array;

  constructor(readonly radius = 3, readonly sizeMultiple = 8) {
    this.receptiveField = radius + sizeMultiple - 1;
    const n = 2 * radius;
    const k = new Float32Array(n + 1);
    let c = 1;
    for (let i = 0; i <= n; i++) { k[i] = c; c = (c * (n - i)) / (i + 1); }
    const sum = k.reduce((a, b) => a + b, 0);
    this.kernel = k.map((v) => v / sum);
  }

  async denoise(tile: RgbTile, sigma: number): Promise<RgbTile> {
    const { width: w, height: h, data } = tile;
    if (w % this.sizeMultiple || h % this.sizeMultiple) throw new Error(`tile ${w}×${h} not a multiple of ${this.sizeMultiple}`);
    this.calls.push({ width: w, height: h, sigma });
    const r = this.radius;
    const k = this.kernel;
    const tmp = new Float32Array(data.length);
    const blur = new Float32Array(data.length);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let i = -r; i <= r; i++) { const xx = x + i; if (xx >= 0 && xx < w) s += k[i + r] * data[(y * w + xx) * 3 + c]; }
      tmp[(y * w + x) * 3 + c] = s;
    }
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let i = -r; i <= r; i++) { const yy = y + i; if (yy >= 0 && yy < h) s += k[i + r] * tmp[(yy * w + x) * 3 + c]; }
      blur[(y * w + x) * 3 + c] = s;
    }
    const a = Math.min(1, sigma / 50);
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = (1 - a) * data[i] + a * blur[i];
    const q = this.sizeMultiple;
    for (let by = 0; by < h; by += q) for (let bx = 0; bx < w; bx += q) for (let c = 0; c < 3; c++) {
      let m = 0;
      for (let y = by; y < by + q; y++) for (let x = bx; x < bx + q; x++) m += out[(y * w + x) * 3 + c];
      m /= q * q;
      for (let y = by; y < by + q; y++) for (let x = bx; x < bx + q; x++) { const i = (y * w + x) * 3 + c; out[i] += 0.25 * (m - out[i]); }
    }
    return { data: out, width: w, height: h };
  }
}
