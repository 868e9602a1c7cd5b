// Short-time Fourier transform with perfect reconstruction, shared by the audio pipeline, the audio
// model's features and the training/eval tools.
//
// Frame geometry (the one rule everything else relies on):
//   frame t covers the absolute samples [frameStart(t), frameStart(t) + fftSize), where
//       frameStart(t) = t·hop + hop − fftSize
//   i.e. frame t *ends* at sample (t+1)·hop. Samples before 0 and after the end of the signal are
//   zeros. A signal of length N has frameCount(N) = ceil((N + fftSize − hop)/hop) frames:
//   exactly the frames that overlap [0, N). The window may be zero-padded (nonzero part shorter
//   than fftSize); the padding sits at the start of the frame, so the nonzero part of frame t is
//   [(t+1)·hop − windowLength, (t+1)·hop).
//
// Reconstruction: istft overlap-adds window·ifft(frame) and divides by Σ window² of all frames that
// cover each sample (weighted overlap-add). Because every frame overlapping the signal is present,
// that sum is the steady-state one everywhere, so istft(stft(x)) == x (to float32 rounding) on the
// whole signal, ends included.
//
// Streaming in blocks (results equal whole-signal results exactly): to produce output samples
// [a, b) you need the frames framesCovering(a, b) = [f0, f1); to compute those frames you need the
// input samples samplesForFrames(f0, f1) (clamped to the signal; outside it is zero). If a model
// needs C frames of context on each side, analyse frames [f0 − C, f1 + C) (clamped to
// [0, frameCount(N))), run the model on them, then synthesise only [a, b) from the inner [f0, f1).
// `analyseFrames` and `synthesiseRange` do exactly these steps; `stft`/`istft` are the whole-signal
// special case and share the same arithmetic, so block output is bit-identical to whole output.

import type { FrameSpec } from '../types.ts';

/** Complex spectra of consecutive frames, row-major [nFrames][nBins], nBins = fftSize/2 + 1. */
export interface Spectrogram {
  readonly nFrames: number;
  readonly nBins: number;
  readonly re: Float32Array;
  readonly im: Float32Array;
}

// ---------------------------------------------------------------------------------------------
// Real FFT (radix-2), via a complex FFT of half the size. Tables cached per size.

interface FftPlan {
  readonly n: number; // real length
  readonly m: number; // complex length n/2
  readonly rev: Uint32Array; // bit reversal for m
  readonly cos: Float64Array; // cos(2πk/m), k < m/2
  readonly sin: Float64Array; // sin(2πk/m)
  readonly twCos: Float64Array; // cos(2πk/n), k ≤ m (split step)
  readonly twSin: Float64Array;
  readonly zr: Float64Array; // scratch
  readonly zi: Float64Array;
}

const plans = new Map<number, FftPlan>();

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

function plan(n: number): FftPlan {
  let p = plans.get(n);
  if (p) return p;
  if (!isPowerOfTwo(n) || n < 4) throw new RangeError(`FFT size must be a power of two ≥ 4, got ${n}`);
  const m = n >> 1;
  const bits = Math.log2(m);
  const rev = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0, x = i; b < bits; b++, x >>= 1) r = (r << 1) | (x & 1);
    rev[i] = r;
  }
  const cos = new Float64Array(Math.max(1, m >> 1));
  const sin = new Float64Array(Math.max(1, m >> 1));
  for (let k = 0; k < m >> 1; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / m);
    sin[k] = Math.sin((2 * Math.PI * k) / m);
  }
  const twCos = new Float64Array(m + 1);
  const twSin = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    twCos[k] = Math.cos((2 * Math.PI * k) / n);
    twSin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  p = { n, m, rev, cos, sin, twCos, twSin, zr: new Float64Array(m), zi: new Float64Array(m) };
  plans.set(n, p);
  return p;
}

/** In-place complex FFT of length m (sign −1 forward, +1 inverse, unscaled). Input already bit-reversed. */
function complexFft(p: FftPlan, re: Float64Array, im: Float64Array, sign: number): void {
  const m = p.m;
  const cosT = p.cos, sinT = p.sin;
  // first stage (size 2) has only the trivial twiddle
  for (let a = 0; a < m; a += 2) {
    const xr = re[a + 1], xi = im[a + 1];
    re[a + 1] = re[a] - xr;
    im[a + 1] = im[a] - xi;
    re[a] += xr;
    im[a] += xi;
  }
  for (let size = 4; size <= m; size <<= 1) {
    const half = size >> 1;
    const step = m / size;
    for (let j = 0; j < half; j++) {
      const wr = cosT[j * step];
      const wi = sign * sinT[j * step];
      for (let a = j; a < m; a += size) {
        const b = a + half;
        const br = re[b], bi = im[b];
        const xr = br * wr - bi * wi;
        const xi = br * wi + bi * wr;
        const ar = re[a], ai = im[a];
        re[b] = ar - xr;
        im[b] = ai - xi;
        re[a] = ar + xr;
        im[a] = ai + xi;
      }
    }
  }
}

/**
 * Forward real FFT of `input` (length n, read from `offset`), writing bins 0..n/2 into outRe/outIm
 * at `outOffset`. X[k] = Σ x[j]·e^{−2πijk/n}.
 */
export function rfft(input: ArrayLike<number>, outRe: Float32Array | Float64Array, outIm: Float32Array | Float64Array, n = input.length, offset = 0, outOffset = 0): void {
  const p = plan(n);
  const { m, rev, zr, zi, twCos, twSin } = p;
  for (let i = 0; i < m; i++) {
    const r = rev[i];
    zr[r] = input[offset + 2 * i];
    zi[r] = input[offset + 2 * i + 1];
  }
  complexFft(p, zr, zi, -1);
  // Split: X[k] = E[k] + e^{-2πik/n}·O[k], E = (Z[k] + conj Z[m−k])/2, O = (Z[k] − conj Z[m−k])/(2i)
  for (let k = 0; k <= m; k++) {
    const k1 = k === m ? 0 : k;
    const k2 = k === 0 ? 0 : m - k;
    const ar = zr[k1], ai = zi[k1], br = zr[k2], bi = -zi[k2];
    const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
    // (a − b)/(2i) = (ai − bi)/2 − i(ar − br)/2
    const or = 0.5 * (ai - bi), oi = -0.5 * (ar - br);
    const c = twCos[k], s = -twSin[k];
    outRe[outOffset + k] = er + or * c - oi * s;
    outIm[outOffset + k] = ei + or * s + oi * c;
  }
}

/**
 * Inverse real FFT: bins 0..n/2 (from inRe/inIm at `inOffset`) → n real samples written to `out`
 * at `outOffset`, scaled by 1/n so irfft(rfft(x)) == x. Imaginary parts of DC and Nyquist are ignored.
 */
export function irfft(inRe: ArrayLike<number>, inIm: ArrayLike<number>, out: Float32Array | Float64Array, n: number, inOffset = 0, outOffset = 0): void {
  const p = plan(n);
  const { m, rev, zr, zi, twCos, twSin } = p;
  // E[k] = (X[k] + conj X[m−k])/2, O[k] = (X[k] − conj X[m−k])·e^{+2πik/n}/2, Z[k] = E[k] + i·O[k]
  for (let k = 0; k < m; k++) {
    const xr = inRe[inOffset + k], xi = k === 0 ? 0 : inIm[inOffset + k];
    const yr = inRe[inOffset + m - k], yi = k === 0 ? 0 : -inIm[inOffset + m - k];
    const er = 0.5 * (xr + yr), ei = 0.5 * (xi + yi);
    const dr = 0.5 * (xr - yr), di = 0.5 * (xi - yi);
    const c = twCos[k], s = twSin[k];
    const or = dr * c - di * s, oi = dr * s + di * c;
    const r = rev[k];
    zr[r] = er - oi;
    zi[r] = ei + or;
  }
  complexFft(p, zr, zi, 1);
  const scale = 1 / m;
  for (let i = 0; i < m; i++) {
    out[outOffset + 2 * i] = zr[i] * scale;
    out[outOffset + 2 * i + 1] = zi[i] * scale;
  }
}

// ---------------------------------------------------------------------------------------------
// Windows and frame geometry

/** sqrt of a periodic Hann window of `length` samples, zero-padded at the front to `fftSize`. */
export function sqrtHannWindow(length: number, fftSize = length): Float32Array {
  if (length > fftSize) throw new RangeError('window longer than fftSize');
  const w = new Float32Array(fftSize);
  const pad = fftSize - length;
  for (let i = 0; i < length; i++) w[pad + i] = Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length));
  return w;
}

/**
 * Frame geometry with a constant duration at every sample rate: hop = round(hopSeconds·rate),
 * window = 2·hop samples of sqrt-Hann (50 % overlap, Σw² = 1), fftSize = next power of two ≥ window.
 */
export function frameSpecForRate(sampleRate: number, hopSeconds = 0.01): FrameSpec {
  if (!(sampleRate > 0)) throw new RangeError(`bad sample rate ${sampleRate}`);
  const hop = Math.max(2, Math.round(sampleRate * hopSeconds));
  const length = 2 * hop;
  let fftSize = 4;
  while (fftSize < length) fftSize <<= 1;
  return { fftSize, hop, window: sqrtHannWindow(length, fftSize) };
}

export function nBinsOf(spec: FrameSpec): number {
  return spec.fftSize / 2 + 1;
}

/** First absolute sample of frame t (may be negative). */
export function frameStart(t: number, spec: FrameSpec): number {
  return t * spec.hop + spec.hop - spec.fftSize;
}

/** Number of frames overlapping a signal of `length` samples. */
export function frameCount(length: number, spec: FrameSpec): number {
  if (length <= 0) return 0;
  return framesCovering(0, length, spec).f1;
}

/** Frames [f0, f1) that overlap absolute samples [a, b) (not clamped to the signal). */
export function framesCovering(a: number, b: number, spec: FrameSpec): { f0: number; f1: number } {
  // frame t overlaps [a,b) iff frameStart(t) < b and frameStart(t) + fftSize > a
  // ⇔ t·hop + hop > a ⇔ t > a/hop − 1, and t·hop + hop − fftSize < b ⇔ t < (b + fftSize − hop)/hop
  const f0 = Math.floor(a / spec.hop); // smallest t with (t+1)·hop > a
  const f1 = Math.ceil((b + spec.fftSize - spec.hop) / spec.hop); // exclusive
  return { f0, f1 };
}

/** Absolute samples [s0, s1) that frames [f0, f1) read. */
export function samplesForFrames(f0: number, f1: number, spec: FrameSpec): { s0: number; s1: number } {
  return { s0: frameStart(f0, spec), s1: frameStart(f1 - 1, spec) + spec.fftSize };
}

/** Σ_k window²[i + k·hop] for i in [0, hop): the WOLA normaliser, periodic with period hop. */
export function wolaNormaliser(spec: FrameSpec): Float64Array {
  const { hop, fftSize, window } = spec;
  const norm = new Float64Array(hop);
  for (let i = 0; i < fftSize; i++) norm[i % hop] += window[i] * window[i];
  for (let i = 0; i < hop; i++) if (!(norm[i] > 1e-12)) throw new RangeError('window/hop do not satisfy the overlap-add condition');
  return norm;
}

// ---------------------------------------------------------------------------------------------
// Analysis and synthesis

/**
 * Analyse frames [f0, f0 + nFrames) from a buffer holding absolute samples
 * [bufferStart, bufferStart + buffer.length). Samples outside the buffer and outside [0, signalLength)
 * count as zero, so give a buffer that covers samplesForFrames(...) ∩ [0, signalLength).
 */
export function analyseFrames(buffer: Float32Array, bufferStart: number, f0: number, nFrames: number, spec: FrameSpec, signalLength = Infinity): Spectrogram {
  const { fftSize, window } = spec;
  const nBins = fftSize / 2 + 1;
  const re = new Float32Array(nFrames * nBins);
  const im = new Float32Array(nFrames * nBins);
  const frame = new Float64Array(fftSize);
  const lo = Math.max(0, bufferStart);
  const hi = Math.min(signalLength, bufferStart + buffer.length);
  for (let t = 0; t < nFrames; t++) {
    const s = frameStart(f0 + t, spec);
    for (let i = 0; i < fftSize; i++) {
      const abs = s + i;
      frame[i] = abs >= lo && abs < hi ? buffer[abs - bufferStart] * window[i] : 0;
    }
    rfft(frame, re, im, fftSize, 0, t * nBins);
  }
  return { nFrames, nBins, re, im };
}

/**
 * Synthesise absolute samples [a, a + length) from frames [f0, f0 + spec.nFrames). For exact
 * reconstruction the frames must include framesCovering(a, a + length).
 */
export function synthesiseRange(spectrogram: Spectrogram, f0: number, a: number, length: number, spec: FrameSpec): Float32Array {
  const { fftSize, hop, window } = spec;
  const { nBins, nFrames } = spectrogram;
  if (nBins !== fftSize / 2 + 1) throw new RangeError(`spectrogram has ${nBins} bins, spec needs ${fftSize / 2 + 1}`);
  const acc = new Float64Array(length);
  const frame = new Float64Array(fftSize);
  const { f0: need0, f1: need1 } = framesCovering(a, a + length, spec);
  const t0 = Math.max(need0, f0);
  const t1 = Math.min(need1, f0 + nFrames);
  for (let t = t0; t < t1; t++) {
    irfft(spectrogram.re, spectrogram.im, frame, fftSize, (t - f0) * nBins, 0);
    const s = frameStart(t, spec);
    const i0 = Math.max(0, a - s);
    const i1 = Math.min(fftSize, a + length - s);
    for (let i = i0; i < i1; i++) acc[s + i - a] += frame[i] * window[i];
  }
  const norm = wolaNormaliser(spec);
  const out = new Float32Array(length);
  for (let j = 0; j < length; j++) {
    const abs = a + j;
    out[j] = acc[j] / norm[((abs % hop) + hop) % hop];
  }
  return out;
}

/** Whole-signal STFT: frames 0 .. frameCount(signal.length) − 1. */
export function stft(signal: Float32Array, spec: FrameSpec): Spectrogram {
  return analyseFrames(signal, 0, 0, frameCount(signal.length, spec), spec, signal.length);
}

/** Whole-signal inverse of `stft`: returns `length` samples starting at sample 0. */
export function istft(spectrogram: Spectrogram, spec: FrameSpec, length: number): Float32Array {
  return synthesiseRange(spectrogram, 0, 0, length, spec);
}

/** |X|² per bin, row-major [nFrames][nBins]. */
export function powerSpectrum(s: Spectrogram): Float32Array {
  const out = new Float32Array(s.re.length);
  for (let i = 0; i < out.length; i++) out[i] = s.re[i] * s.re[i] + s.im[i] * s.im[i];
  return out;
}

/** Multiplies every bin by a real gain (same layout as the spectrogram), in place. */
export function applyGains(s: Spectrogram, gains: Float32Array): void {
  if (gains.length !== s.re.length) throw new RangeError(`gains have ${gains.length} values, spectrogram ${s.re.length}`);
  for (let i = 0; i < gains.length; i++) {
    s.re[i] *= gains[i];
    s.im[i] *= gains[i];
  }
}

/** Rows [r0, r1) of a spectrogram as a new spectrogram (copies). */
export function sliceFrames(s: Spectrogram, r0: number, r1: number): Spectrogram {
  const n = s.nBins;
  return { nFrames: r1 - r0, nBins: n, re: s.re.slice(r0 * n, r1 * n), im: s.im.slice(r0 * n, r1 * n) };
}
