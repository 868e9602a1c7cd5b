// The image DAE's input layout, kept free of TF.js so the engine's main thread (which only hands
// tiles to pool workers) can pack inputs without loading the ML runtime.

/**
 * The model's input layout: interleaved RGB (HWC, [0,1]) plus a constant σ/255 noise-level plane,
 * written into `out` at `offset` (4 floats per pixel; one pass, cheaper than a tf.concat).
 */
export function packRgbAndSigma(rgb: Float32Array, sigma: number, out: Float32Array<ArrayBuffer> = new Float32Array((rgb.length / 3) * 4), offset = 0): Float32Array<ArrayBuffer> {
  const s = sigma / 255;
  for (let i = 0, j = offset; i < rgb.length; i += 3, j += 4) {
    out[j] = rgb[i];
    out[j + 1] = rgb[i + 1];
    out[j + 2] = rgb[i + 2];
    out[j + 3] = s;
  }
  return out;
}
