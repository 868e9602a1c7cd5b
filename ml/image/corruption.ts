// How clean training patches are damaged. Every function takes a clean RGB patch (HWC float in [0,1])
// and returns the noisy patch (not clipped, like the DPIR protocol) plus the noise level σ (0–255)
// that goes into the model's noise-level map: the nominal σ for Gaussian noise, the measured RMS of
// the corruption for the others (what a user — or `auto` — would dial in for that image).
import sharp from 'sharp';
import { Rng } from './rng.ts';

export interface Patch {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

export interface Corrupted {
  readonly noisy: Float32Array;
  /** Noise level for the σ map, 0–255 scale. */
  readonly sigma: number;
  readonly kind: CorruptionKind;
}

export const CORRUPTION_KINDS = ['gaussian', 'poissonGaussian', 'correlated', 'jpeg', 'masking'] as const;
export type CorruptionKind = (typeof CORRUPTION_KINDS)[number];

export interface CorruptionConfig {
  /** Relative weight of each corruption (0 disables it). */
  readonly weights: Readonly<Record<CorruptionKind, number>>;
  /** Gaussian σ is drawn uniformly in [0, sigmaMax] (0–255 scale). */
  readonly sigmaMax: number;
}

export const DEFAULT_CORRUPTION: CorruptionConfig = {
  weights: { gaussian: 0.7, poissonGaussian: 0.1, correlated: 0.1, jpeg: 0.05, masking: 0.05 },
  sigmaMax: 75,
};

/** Additive white Gaussian noise, σ on the 0–255 scale. */
export function addGaussian(p: Patch, sigma: number, rng: Rng): Corrupted {
  const s = sigma / 255;
  const noisy = new Float32Array(p.data.length);
  for (let i = 0; i < noisy.length; i++) noisy[i] = p.data[i] + s * rng.normal();
  return { noisy, sigma, kind: 'gaussian' };
}

/**
 * Signal-dependent sensor noise: variance = a·x + b per sample (x in [0,1]), i.e. shot noise with gain
 * `a` plus read noise of std √b — the standard Poisson–Gaussian camera model (Foi et al. 2008).
 */
export function addPoissonGaussian(p: Patch, a: number, b: number, rng: Rng): Corrupted {
  const noisy = new Float32Array(p.data.length);
  let sumVar = 0;
  for (let i = 0; i < noisy.length; i++) {
    const v = Math.max(a * p.data[i] + b, 0);
    sumVar += v;
    noisy[i] = p.data[i] + Math.sqrt(v) * rng.normal();
  }
  return { noisy, sigma: 255 * Math.sqrt(sumVar / noisy.length), kind: 'poissonGaussian' };
}

/** 1-D Gaussian kernel with radius ⌈3·std⌉, normalised to unit sum. */
function gaussKernel(std: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * std));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp((-i * i) / (2 * std * std));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/**
 * Spatially correlated Gaussian noise (as left by demosaicing and in-camera processing): white noise
 * blurred by a Gaussian of std `corr` pixels (separable, circular borders), rescaled to std σ/255.
 */
export function addCorrelated(p: Patch, sigma: number, corr: number, rng: Rng): Corrupted {
  const { width: w, height: h } = p;
  const n = w * h * 3;
  const white = new Float32Array(n);
  for (let i = 0; i < n; i++) white[i] = rng.normal();
  const k = gaussKernel(corr);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(n);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = -r; j <= r; j++) s += k[j + r] * white[(y * w + ((x + j + w) % w)) * 3 + c];
        tmp[(y * w + x) * 3 + c] = s;
      }
  const out = new Float32Array(n);
  let ss = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = -r; j <= r; j++) s += k[j + r] * tmp[(((y + j + h) % h) * w + x) * 3 + c];
        out[(y * w + x) * 3 + c] = s;
        ss += s * s;
      }
  const scale = sigma / 255 / Math.sqrt(ss / n || 1);
  for (let i = 0; i < n; i++) out[i] = p.data[i] + out[i] * scale;
  return { noisy: out, sigma, kind: 'correlated' };
}

/** Noisy image saved as a JPEG at `quality` and decoded again (noise + blocking, as phones deliver). */
export async function addJpegNoisy(p: Patch, sigma: number, quality: number, rng: Rng): Promise<Corrupted> {
  const g = addGaussian(p, sigma, rng).noisy;
  const u8 = new Uint8Array(g.length);
  for (let i = 0; i < g.length; i++) u8[i] = Math.min(255, Math.max(0, Math.round(g[i] * 255)));
  const jpeg = await sharp(u8, { raw: { width: p.width, height: p.height, channels: 3 } })
    .jpeg({ quality: Math.round(quality), chromaSubsampling: '4:2:0' })
    .toBuffer();
  const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const noisy = new Float32Array(g.length);
  for (let i = 0; i < noisy.length; i++) noisy[i] = data[i] / 255;
  return { noisy, sigma: measuredSigma(p.data, noisy), kind: 'jpeg' };
}

/**
 * Masking noise (Vincent et al. 2010): each pixel is dropped (all channels set to 0) with
 * probability `rate`, on top of light Gaussian noise of σ `sigma`.
 */
export function addMasking(p: Patch, rate: number, sigma: number, rng: Rng): Corrupted {
  const noisy = addGaussian(p, sigma, rng).noisy;
  for (let i = 0; i < p.width * p.height; i++) if (rng.next() < rate) noisy[i * 3] = noisy[i * 3 + 1] = noisy[i * 3 + 2] = 0;
  return { noisy, sigma: measuredSigma(p.data, noisy), kind: 'masking' };
}

/** RMS difference on the 0–255 scale. */
export function measuredSigma(clean: Float32Array, noisy: Float32Array): number {
  let s = 0;
  for (let i = 0; i < clean.length; i++) s += (noisy[i] - clean[i]) ** 2;
  return 255 * Math.sqrt(s / clean.length);
}

/** Draws one corruption according to the config's weights and random parameters. */
export async function corrupt(p: Patch, cfg: CorruptionConfig, rng: Rng): Promise<Corrupted> {
  const kind = CORRUPTION_KINDS[rng.pick(CORRUPTION_KINDS.map((k) => cfg.weights[k]))];
  const sigma = rng.uniform(0, cfg.sigmaMax);
  switch (kind) {
    case 'gaussian':
      return addGaussian(p, sigma, rng);
    case 'poissonGaussian': {
      // Shot-noise gain up to 0.02 (≈ σ 36 at white) and read noise up to 10/255.
      const a = rng.uniform(0.0005, 0.02);
      const b = (rng.uniform(0, 10) / 255) ** 2;
      return addPoissonGaussian(p, a, b, rng);
    }
    case 'correlated':
      return addCorrelated(p, Math.min(sigma, 50), rng.uniform(0.5, 1.5), rng);
    case 'jpeg':
      return addJpegNoisy(p, rng.uniform(5, 40), rng.uniform(60, 95), rng);
    case 'masking':
      return addMasking(p, rng.uniform(0.01, 0.1), rng.uniform(0, 15), rng);
  }
}
