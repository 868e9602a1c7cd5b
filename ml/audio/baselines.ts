// Classical and third-party baselines for the audio eval:
//  - wienerDenoise: decision-directed Wiener filter (Ephraim & Malah a-priori SNR, α = 0.98) with
//    the MMSE speech-presence-probability noise tracker of Gerkmann & Hendriks (2012), 32 ms frames.
//  - rnnoiseDenoise: RNNoise (Valin 2018) from @shiguredo/rnnoise-wasm at its native 48 kHz.
import { applyGains, frameSpecForRate, istft, powerSpectrum, stft } from '../../main/engine/audio/stft.ts';
import { resample } from './resample.ts';

export interface WienerOptions {
  /** Smoothing of the decision-directed a-priori SNR. */
  readonly alpha: number;
  /** Gain floor in dB (limits musical noise). */
  readonly floorDb: number;
  /** Frames at the start assumed noise-only to initialise the tracker. */
  readonly initFrames: number;
}

// α and the floor were chosen on validation mixtures (ml/audio/SPLIT.md val subset), not on the test set.
export const DEFAULT_WIENER: WienerOptions = { alpha: 0.95, floorDb: -15, initFrames: 6 };

export function wienerDenoise(x: Float32Array, rate: number, opts: WienerOptions = DEFAULT_WIENER): Float32Array {
  const spec = frameSpecForRate(rate, 0.016);
  const S = stft(x, spec);
  const P = powerSpectrum(S);
  const { nFrames, nBins } = S;
  const gains = new Float32Array(P.length);
  const noise = new Float64Array(nBins);
  const prevClean = new Float64Array(nBins);
  const pBar = new Float64Array(nBins).fill(0.5);
  // first frames that carry signal (the leading frames of the STFT are partly padding)
  const first = 2;
  const init = Math.max(1, Math.min(opts.initFrames, nFrames - first));
  for (let t = first; t < first + init; t++) for (let k = 0; k < nBins; k++) noise[k] += P[t * nBins + k] / init;
  for (let k = 0; k < nBins; k++) noise[k] = Math.max(noise[k], 1e-12);
  const xiH1 = 10 ** (15 / 10); // fixed a-priori SNR under speech presence (Gerkmann & Hendriks)
  const floor = 10 ** (opts.floorDb / 20);
  const xiMin = 10 ** (-25 / 10);
  for (let t = 0; t < nFrames; t++) {
    for (let k = 0; k < nBins; k++) {
      const i = t * nBins + k;
      const y = P[i];
      // noise tracking: a-posteriori speech presence probability, stagnation guard, MMSE update
      const ratio = y / noise[k];
      let p = 1 / (1 + (1 + xiH1) * Math.exp(-ratio * (xiH1 / (1 + xiH1))));
      pBar[k] = 0.9 * pBar[k] + 0.1 * p;
      if (pBar[k] > 0.99) p = Math.min(p, 0.99);
      const en = (1 - p) * y + p * noise[k];
      noise[k] = Math.max(0.8 * noise[k] + 0.2 * en, 1e-12);
      // decision-directed a-priori SNR and Wiener gain
      const gamma = y / noise[k];
      const xi = Math.max(xiMin, opts.alpha * (prevClean[k] / noise[k]) + (1 - opts.alpha) * Math.max(gamma - 1, 0));
      const g = Math.max(floor, xi / (1 + xi));
      gains[i] = g;
      prevClean[k] = g * g * y;
    }
  }
  applyGains(S, gains);
  return istft(S, spec, x.length);
}

interface RnnoiseState {
  processFrame(frame: Float32Array): number;
  destroy(): void;
}
interface RnnoiseLib {
  readonly frameSize: number;
  createDenoiseState(): RnnoiseState;
}

let rnnoise: Promise<RnnoiseLib> | undefined;

/** Loads the wasm RNNoise. The package is built for browsers only; it needs a `window` global while loading. */
export function loadRnnoise(): Promise<RnnoiseLib> {
  rnnoise ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    const had = 'window' in g;
    if (!had) g.window = globalThis;
    try {
      const { Rnnoise } = await import('@shiguredo/rnnoise-wasm');
      return (await Rnnoise.load()) as unknown as RnnoiseLib;
    } finally {
      if (!had) delete g.window;
    }
  })();
  return rnnoise;
}

/** RNNoise's delay at 48 kHz, measured by cross-correlation on the vctk pairs: 960 samples (20 ms). */
export const RNNOISE_DELAY = 960;

/** Denoises a mono signal with RNNoise at 48 kHz (resampled in and out), delay compensated. */
export async function rnnoiseDenoise(x: Float32Array, rate: number): Promise<Float32Array> {
  const lib = await loadRnnoise();
  const n = lib.frameSize;
  const up = resample(x, rate, 48000);
  const total = Math.ceil((up.length + RNNOISE_DELAY) / n) * n;
  const out = new Float32Array(total);
  const frame = new Float32Array(n);
  const st = lib.createDenoiseState();
  try {
    for (let a = 0; a < total; a += n) {
      frame.fill(0);
      for (let i = 0; i < n && a + i < up.length; i++) frame[i] = up[a + i] * 32768; // RNNoise expects 16-bit scale
      st.processFrame(frame);
      for (let i = 0; i < n; i++) out[a + i] = frame[i] / 32768;
    }
  } finally {
    st.destroy();
  }
  const aligned = out.subarray(RNNOISE_DELAY, RNNOISE_DELAY + up.length);
  const back = resample(aligned, 48000, rate);
  return back.subarray(0, x.length).slice();
}
