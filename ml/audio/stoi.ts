// Short-Time Objective Intelligibility (Taal et al. 2011) and extended STOI (Jensen & Taal 2016),
// following the reference implementation step by step (pystoi): Octave-compatible resampling to
// 10 kHz, removal of frames > 40 dB below the clean signal's loudest, 256-sample Hann frames at
// 50 % overlap with a 512-point FFT, 15 one-third-octave bands from 150 Hz, 30-frame (384 ms)
// segments, clipping at β = −15 dB (STOI) or row/column normalisation (ESTOI).
// Checked against the test vector in ../shared/REFERENCE.md (test/ml/audio/metrics.test.ts).
import { rfft } from '../../main/engine/audio/stft.ts';

const FS = 10000;
const N_FRAME = 256;
const NFFT = 512;
const NUMBAND = 15;
const MINFREQ = 150;
const N = 30;
const BETA = -15;
const DYN_RANGE = 40;
const EPS = 2.220446049250313e-16;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function besselI0(x: number): number {
  let sum = 1, term = 1;
  for (let k = 1; k < 200; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/** Port of pystoi's resample_oct (Octave's resample filter fed to scipy's resample_poly). */
export function resampleOct(x: Float64Array | Float32Array, to: number, from: number): Float64Array {
  if (to === from) return Float64Array.from(x);
  const g = gcd(to, from);
  const p = to / g, q = from / g;
  const stopband = 1 / (2 * Math.max(p, q));
  const rollOff = stopband / 10;
  const rejectionDb = 60;
  const L = Math.ceil((rejectionDb - 8) / (28.714 * rollOff));
  const beta = 0.1102 * (rejectionDb - 8.7);
  const len = 2 * L + 1;
  const h = new Float64Array(len);
  const i0b = besselI0(beta);
  let sum = 0;
  for (let i = 0; i < len; i++) {
    const t = i - L;
    const arg = 2 * stopband * t;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
    const r = (2 * i) / (len - 1) - 1;
    const kaiser = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    h[i] = kaiser * 2 * p * stopband * sinc;
    sum += h[i];
  }
  for (let i = 0; i < len; i++) h[i] = (h[i] / sum) * p;
  const nIn = x.length;
  const nOut = Math.ceil((nIn * p) / q);
  const y = new Float64Array(nOut);
  // y[m] = Σ_j x[j]·h[L + m·q − j·p] (filter centred on the output instant)
  for (let m = 0; m < nOut; m++) {
    const c = m * q + L; // index into h for j = 0
    const jMin = Math.max(0, Math.ceil((c - (len - 1)) / p));
    const jMax = Math.min(nIn - 1, Math.floor(c / p));
    let acc = 0;
    for (let j = jMin; j <= jMax; j++) acc += x[j] * h[c - j * p];
    y[m] = acc;
  }
  return y;
}

function hanningInner(n: number): Float64Array {
  // np.hanning(n + 2)[1:-1]
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 1)) / (n + 1));
  return w;
}

function removeSilentFrames(x: Float64Array, y: Float64Array): { x: Float64Array; y: Float64Array } {
  const hop = N_FRAME / 2;
  const w = hanningInner(N_FRAME);
  const starts: number[] = [];
  for (let i = 0; i < x.length - N_FRAME; i += hop) starts.push(i);
  const energies = starts.map((s) => {
    let e = 0;
    for (let i = 0; i < N_FRAME; i++) e += (w[i] * x[s + i]) ** 2;
    return 20 * Math.log10(Math.sqrt(e) + EPS);
  });
  const maxE = Math.max(...energies);
  const keep = starts.filter((_, i) => maxE - DYN_RANGE - energies[i] < 0);
  const outLen = keep.length === 0 ? 0 : (keep.length - 1) * hop + N_FRAME;
  const xs = new Float64Array(outLen), ys = new Float64Array(outLen);
  keep.forEach((s, k) => {
    for (let i = 0; i < N_FRAME; i++) {
      xs[k * hop + i] += w[i] * x[s + i];
      ys[k * hop + i] += w[i] * y[s + i];
    }
  });
  return { x: xs, y: ys };
}

/** One-third-octave band matrix as [band][bin0, bin1) ranges. */
function thirdOctaveBands(): { lo: number; hi: number }[] {
  const nb = NFFT / 2 + 1;
  const f = Array.from({ length: nb }, (_, k) => (k * FS) / NFFT);
  const nearest = (target: number) => {
    let best = 0;
    for (let k = 1; k < nb; k++) if ((f[k] - target) ** 2 < (f[best] - target) ** 2) best = k;
    return best;
  };
  return Array.from({ length: NUMBAND }, (_, k) => ({
    lo: nearest(MINFREQ * 2 ** ((2 * k - 1) / 6)),
    hi: nearest(MINFREQ * 2 ** ((2 * k + 1) / 6)),
  }));
}

/** Third-octave band envelopes [band][frame] of a signal at 10 kHz. */
function bandEnvelopes(x: Float64Array): Float64Array[] {
  const hop = N_FRAME / 2;
  const w = hanningInner(N_FRAME);
  const bands = thirdOctaveBands();
  const frame = new Float64Array(NFFT);
  const re = new Float64Array(NFFT / 2 + 1), im = new Float64Array(NFFT / 2 + 1);
  const starts: number[] = [];
  for (let i = 0; i < x.length - N_FRAME; i += hop) starts.push(i);
  const out = bands.map(() => new Float64Array(starts.length));
  starts.forEach((s, t) => {
    frame.fill(0);
    for (let i = 0; i < N_FRAME; i++) frame[i] = w[i] * x[s + i];
    rfft(frame, re, im, NFFT);
    bands.forEach((b, j) => {
      let e = 0;
      for (let k = b.lo; k < b.hi; k++) e += re[k] * re[k] + im[k] * im[k];
      out[j][t] = Math.sqrt(e);
    });
  });
  return out;
}

function prepare(clean: Float32Array | Float64Array, processed: Float32Array | Float64Array, sampleRate: number): { x: Float64Array[]; y: Float64Array[]; frames: number } | undefined {
  const n = Math.min(clean.length, processed.length);
  let x = resampleOct(clean.subarray(0, n), FS, sampleRate);
  let y = resampleOct(processed.subarray(0, n), FS, sampleRate);
  ({ x, y } = removeSilentFrames(x, y));
  const xe = bandEnvelopes(x), ye = bandEnvelopes(y);
  const frames = xe[0].length;
  if (frames < N) return undefined;
  return { x: xe, y: ye, frames };
}

/** STOI of `processed` against `clean` (mono, same rate). Returns 1e-5 when too short, like pystoi. */
export function stoi(clean: Float32Array | Float64Array, processed: Float32Array | Float64Array, sampleRate: number): number {
  const p = prepare(clean, processed, sampleRate);
  if (!p) return 1e-5;
  const clip = 10 ** (-BETA / 20);
  const xs = new Float64Array(N), ys = new Float64Array(N);
  let total = 0;
  let count = 0;
  for (let m = N; m <= p.frames; m++) {
    for (let j = 0; j < NUMBAND; j++) {
      let nx = 0, ny = 0;
      for (let i = 0; i < N; i++) {
        xs[i] = p.x[j][m - N + i];
        ys[i] = p.y[j][m - N + i];
        nx += xs[i] * xs[i];
        ny += ys[i] * ys[i];
      }
      const alpha = Math.sqrt(nx) / (Math.sqrt(ny) + EPS);
      let mx = 0, my = 0;
      for (let i = 0; i < N; i++) {
        ys[i] = Math.min(ys[i] * alpha, xs[i] * (1 + clip));
        mx += xs[i];
        my += ys[i];
      }
      mx /= N;
      my /= N;
      let sxx = 0, syy = 0, sxy = 0;
      for (let i = 0; i < N; i++) {
        const a = xs[i] - mx, b = ys[i] - my;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
      }
      total += sxy / ((Math.sqrt(sxx) + EPS) * (Math.sqrt(syy) + EPS));
      count++;
    }
  }
  return total / count;
}

/** Extended STOI (row and column normalised segments). */
export function estoi(clean: Float32Array | Float64Array, processed: Float32Array | Float64Array, sampleRate: number): number {
  const p = prepare(clean, processed, sampleRate);
  if (!p) return 1e-5;
  const normalise = (seg: Float64Array[]): Float64Array[] => {
    // rows (bands): zero mean, unit norm over time
    for (const r of seg) {
      let m = 0;
      for (let i = 0; i < N; i++) m += r[i];
      m /= N;
      let s = 0;
      for (let i = 0; i < N; i++) {
        r[i] -= m;
        s += r[i] * r[i];
      }
      const inv = 1 / Math.sqrt(s);
      for (let i = 0; i < N; i++) r[i] *= Number.isFinite(inv) ? inv : 0;
    }
    // columns (time): zero mean, unit norm over bands
    for (let i = 0; i < N; i++) {
      let m = 0;
      for (const r of seg) m += r[i];
      m /= NUMBAND;
      let s = 0;
      for (const r of seg) {
        r[i] -= m;
        s += r[i] * r[i];
      }
      const inv = 1 / Math.sqrt(s);
      for (const r of seg) r[i] *= Number.isFinite(inv) ? inv : 0;
    }
    return seg;
  };
  let total = 0;
  let count = 0;
  for (let m = N; m <= p.frames; m++) {
    const xs = normalise(p.x.map((r) => r.slice(m - N, m)));
    const ys = normalise(p.y.map((r) => r.slice(m - N, m)));
    let s = 0;
    for (let j = 0; j < NUMBAND; j++) for (let i = 0; i < N; i++) s += xs[j][i] * ys[j][i];
    total += s / N;
    count++;
  }
  return total / count;
}
