// Band features for the audio DAE and the mapping from band gains back to per-bin gains.
//
// Bands are defined in Hz (not bins), so the same model serves 8 … 96 kHz input with the frame
// duration held constant (see frameSpecForRate). Band centres run from 0 Hz to `maxHz` (8 kHz: the
// bandwidth of most training speech), spaced on the ERB-rate scale but never closer than
// `minSpacingHz` (so each band spans at least two bins at 48 kHz). Bins between two centres belong
// to both with triangular weights that sum to one, as in RNNoise/DeepFilterNet's ERB stage: the
// same weights pool power into bands and spread band gains back onto bins.
//
// Bins above `maxHz` (full-band input) are outside what the model was trained on. They get one
// gain per frame: the share of the frame's 2–6 kHz energy that the model keeps,
// sqrt(Σ g_b²·P_b / Σ P_b) over the bands centred in [2, 6] kHz. High-band content of speech
// (fricatives, breath, air) goes with upper-mid-band speech activity, so it is kept while speech is
// there and attenuated with the noise in pauses: the output is not band-limited (muffled), and hiss
// above 8 kHz is still reduced between words. (The top 6–8 kHz bands are left out: much of the
// training speech is band-limited to 7 kHz, so the model is least sure there — see ml/audio/SPLIT.md.)
import type { FrameSpec } from '../types.ts';

export interface BandConfig {
  readonly nBands: number;
  readonly maxHz: number;
  readonly minSpacingHz: number;
}

export const DEFAULT_BANDS: BandConfig = { nBands: 40, maxHz: 8000, minSpacingHz: 100 };

/** Floor added to band power before the log (≈ −100 dB re full scale). */
export const POWER_FLOOR = 1e-10;

const erb = (f: number): number => 21.4 * Math.log10(1 + 0.00437 * f);
const erbInv = (e: number): number => (10 ** (e / 21.4) - 1) / 0.00437;

/** nBands centres from 0 to maxHz, ERB-spaced, at least minSpacingHz apart. */
export function bandCentres(cfg: BandConfig = DEFAULT_BANDS): Float64Array {
  const { nBands, maxHz, minSpacingHz } = cfg;
  if (nBands < 2) throw new RangeError('need at least two bands');
  if ((nBands - 1) * minSpacingHz > maxHz) throw new RangeError('bands do not fit');
  const c = new Float64Array(nBands);
  for (let i = 1; i < nBands; i++) {
    const remaining = nBands - i; // intervals left, including this one
    const step = (erb(maxHz) - erb(c[i - 1])) / remaining;
    c[i] = Math.max(c[i - 1] + minSpacingHz, erbInv(erb(c[i - 1]) + step));
  }
  c[nBands - 1] = maxHz;
  return c;
}

/** Per-bin triangular interpolation between neighbouring band centres, for one FFT geometry. */
export interface BandLayout {
  readonly nBands: number;
  readonly nBins: number;
  readonly sampleRate: number;
  /** Lower band of each bin, or −1 for bins above the last centre (high band). */
  readonly lower: Int32Array;
  /** Weight of the lower band (the upper band gets 1 − weight). */
  readonly weight: Float32Array;
  /** 1 / Σ_k w_b(k)·Σwindow² per band (0 for bands with no bins: rate below 2·maxHz). */
  readonly bandNorm: Float64Array;
  /** Bands whose kept-energy share sets the high-band gain (centres in [maxHz/4, 3·maxHz/4]). */
  readonly hfBands: readonly number[];
}

export function bandLayout(spec: FrameSpec, sampleRate: number, cfg: BandConfig = DEFAULT_BANDS): BandLayout {
  const centres = bandCentres(cfg);
  const nBins = spec.fftSize / 2 + 1;
  const lower = new Int32Array(nBins);
  const weight = new Float32Array(nBins);
  const wsum = new Float64Array(cfg.nBands);
  let b = 0;
  for (let k = 0; k < nBins; k++) {
    const f = (k * sampleRate) / spec.fftSize;
    if (f > cfg.maxHz) {
      lower[k] = -1;
      weight[k] = 0;
      continue;
    }
    while (b < cfg.nBands - 2 && f > centres[b + 1]) b++;
    const w = 1 - (f - centres[b]) / (centres[b + 1] - centres[b]);
    lower[k] = b;
    weight[k] = w;
    wsum[b] += w;
    wsum[b + 1] += 1 - w;
  }
  let winEnergy = 0;
  for (let i = 0; i < spec.window.length; i++) winEnergy += spec.window[i] * spec.window[i];
  const bandNorm = new Float64Array(cfg.nBands);
  for (let i = 0; i < cfg.nBands; i++) bandNorm[i] = wsum[i] > 1e-9 ? 1 / (wsum[i] * winEnergy) : 0;
  const hfBands: number[] = [];
  for (let i = 0; i < cfg.nBands; i++) if (centres[i] >= 0.25 * cfg.maxHz && centres[i] <= 0.75 * cfg.maxHz) hfBands.push(i);
  return { nBands: cfg.nBands, nBins, sampleRate, lower, weight, bandNorm, hfBands };
}

/**
 * Band power per frame, [nFrames][nBands]: the weighted mean of |X|²/Σwindow² over each band's
 * bins. For white noise of variance σ² this is σ² at every rate and FFT size (rate-invariant).
 */
export function bandPower(power: Float32Array, nFrames: number, layout: BandLayout): Float32Array {
  const { nBins, nBands, lower, weight, bandNorm } = layout;
  const out = new Float32Array(nFrames * nBands);
  const acc = new Float64Array(nBands);
  for (let t = 0; t < nFrames; t++) {
    acc.fill(0);
    const row = t * nBins;
    for (let k = 0; k < nBins; k++) {
      const b = lower[k];
      if (b < 0) continue;
      const p = power[row + k];
      const w = weight[k];
      acc[b] += w * p;
      acc[b + 1] += (1 - w) * p;
    }
    for (let b = 0; b < nBands; b++) out[t * nBands + b] = acc[b] * bandNorm[b];
  }
  return out;
}

/**
 * Noise floor per band by minimum statistics: the minimum over ±halfWindow frames of the band power
 * smoothed over ±smooth frames. Windows are cut at the block's ends, so a frame's value depends on
 * the input within ±(halfWindow + smooth) frames only (part of the model's context).
 */
export function noiseFloor(bandPow: Float32Array, nFrames: number, nBands: number, halfWindow: number, smooth = 2): Float32Array {
  const sm = new Float32Array(nFrames * nBands);
  for (let b = 0; b < nBands; b++) {
    for (let t = 0; t < nFrames; t++) {
      let s = 0, c = 0;
      for (let u = Math.max(0, t - smooth); u <= Math.min(nFrames - 1, t + smooth); u++) {
        s += bandPow[u * nBands + b];
        c++;
      }
      sm[t * nBands + b] = s / c;
    }
  }
  // sliding minimum (van Herk / Gil-Werman): prefix minima within blocks of w, suffix minima too
  const out = new Float32Array(nFrames * nBands);
  const w = 2 * halfWindow + 1;
  const pre = new Float32Array(nFrames), suf = new Float32Array(nFrames);
  for (let b = 0; b < nBands; b++) {
    for (let t = 0; t < nFrames; t++) {
      const v = sm[t * nBands + b];
      pre[t] = t % w === 0 ? v : Math.min(pre[t - 1], v);
    }
    for (let t = nFrames - 1; t >= 0; t--) {
      const v = sm[t * nBands + b];
      suf[t] = t === nFrames - 1 || (t + 1) % w === 0 ? v : Math.min(suf[t + 1], v);
    }
    for (let t = 0; t < nFrames; t++) {
      const lo = Math.max(0, t - halfWindow), hi = Math.min(nFrames - 1, t + halfWindow);
      let m: number;
      if (Math.floor(lo / w) !== Math.floor(hi / w)) m = Math.min(suf[lo], pre[hi]); // spans two blocks
      else if (lo % w === 0) m = pre[hi]; // starts a block
      else if (hi === nFrames - 1 || (hi + 1) % w === 0) m = suf[lo]; // ends a block
      else {
        // a window cut by the ends of the signal, inside one block: scan it
        m = Infinity;
        for (let u = lo; u <= hi; u++) m = Math.min(m, sm[u * nBands + b]);
      }
      out[t * nBands + b] = m;
    }
  }
  return out;
}

/** Input channels per frame: log band power, plus the log ratio to the noise floor when used. */
export function featureChannels(nBands: number, noiseFloorFrames: number): number {
  return noiseFloorFrames > 0 ? 2 * nBands : nBands;
}

/**
 * Raw (unnormalised) features [nFrames][channels]: log10 band power, and — with a noise-floor
 * window — log10(power / noise floor), an a-posteriori SNR per band that tells the network where
 * the stationary noise sits beyond its own receptive field.
 */
export function rawFeatures(bandPow: Float32Array, nFrames: number, nBands: number, noiseFloorFrames: number): Float32Array {
  const nc = featureChannels(nBands, noiseFloorFrames);
  const out = new Float32Array(nFrames * nc);
  const floor = noiseFloorFrames > 0 ? noiseFloor(bandPow, nFrames, nBands, noiseFloorFrames) : undefined;
  for (let t = 0; t < nFrames; t++) {
    for (let b = 0; b < nBands; b++) {
      const lp = Math.log10(bandPow[t * nBands + b] + POWER_FLOOR);
      out[t * nc + b] = lp;
      if (floor) out[t * nc + nBands + b] = lp - Math.log10(floor[t * nBands + b] + POWER_FLOOR);
    }
  }
  return out;
}

/** Normalises raw features in place with fixed per-channel statistics (stateless: chunking-safe). */
export function normaliseFeatures(raw: Float32Array, channels: number, mean: ArrayLike<number>, std: ArrayLike<number>): Float32Array {
  for (let i = 0; i < raw.length; i++) {
    const c = i % channels;
    raw[i] = (raw[i] - mean[c]) / std[c];
  }
  return raw;
}

/** Normalised model input for band power frames. */
export function bandFeatures(bandPow: Float32Array, nFrames: number, nBands: number, mean: ArrayLike<number>, std: ArrayLike<number>, noiseFloorFrames = 0): Float32Array {
  return normaliseFeatures(rawFeatures(bandPow, nFrames, nBands, noiseFloorFrames), featureChannels(nBands, noiseFloorFrames), mean, std);
}

/**
 * Spreads band gains [nFrames][nBands] onto bins [nFrames][nBins] and clamps them to [floor, 1].
 * Bins above the modelled range get the frame's high-band gain (see the header comment), computed
 * from `bandPow` (band power of the same frames); without it, the plain mean of the hfBands gains.
 */
export function binGains(bandGains: Float32Array, nFrames: number, layout: BandLayout, floor: number, bandPow?: Float32Array): Float32Array {
  const { nBins, nBands, lower, weight, hfBands } = layout;
  const out = new Float32Array(nFrames * nBins);
  for (let t = 0; t < nFrames; t++) {
    const g = t * nBands;
    let hf: number;
    if (bandPow) {
      let kept = 0, total = 0;
      for (const b of hfBands) {
        const p = bandPow[g + b];
        kept += bandGains[g + b] * bandGains[g + b] * p;
        total += p;
      }
      hf = total > 0 ? Math.sqrt(kept / total) : 0;
    } else {
      hf = 0;
      for (const b of hfBands) hf += bandGains[g + b];
      hf /= hfBands.length;
    }
    const row = t * nBins;
    for (let k = 0; k < nBins; k++) {
      const b = lower[k];
      const v = b < 0 ? hf : weight[k] * bandGains[g + b] + (1 - weight[k]) * bandGains[g + b + 1];
      out[row + k] = v < floor ? floor : v > 1 ? 1 : v;
    }
  }
  return out;
}

/** Attenuation floor for a limit in dB (0 dB → 1: untouched). */
export function gainFloor(maxAttenuationDb: number): number {
  return 10 ** (-Math.max(0, maxAttenuationDb) / 20);
}
