// Corruptions for training the audio DAE: each one produces an additive noise signal for a clean
// speech crop, scaled to a requested SNR. Selected and weighted from the config.
//   noise  — a crop of a real recorded noise file (looped if short), random gain/polarity
//   hiss   — Gaussian noise with a random spectral tilt (−6 … +3 dB/octave: brown-ish … bright)
//   hum    — mains hum at 50 or 60 Hz (±0.5 %) with a random set of decaying harmonics, slow
//            amplitude wobble (ground-loop/buzz sounds)
//   clicks — sparse impulsive clicks/crackle: short exponentially decaying bursts at random times
// SNR = 10·log10(Σ speech² / Σ noise²) over the crop, exact (tested).

export type CorruptionKind = 'noise' | 'hiss' | 'hum' | 'clicks';

export interface CorruptionConfig {
  /** SNR range (dB) of the main corruption, drawn uniformly. */
  readonly snrDb: readonly [number, number];
  /** Relative weights of the main corruption's kind (0 disables a kind). */
  readonly weights: Readonly<Record<CorruptionKind, number>>;
  /** Probability of adding a second, weaker corruption (drawn by the same weights). */
  readonly secondProbability: number;
  /** How much weaker (dB) the second corruption is than the first, drawn uniformly. */
  readonly secondOffsetDb: readonly [number, number];
  /**
   * Probability of drawing the SNR from `highSnrDb` instead (nearly clean input), so the model
   * also learns to leave clean speech alone. Absent = 0.
   */
  readonly highSnrProbability?: number;
  readonly highSnrDb?: readonly [number, number];
}

export const DEFAULT_CORRUPTION: CorruptionConfig = {
  snrDb: [-5, 25],
  weights: { noise: 0.7, hiss: 0.12, hum: 0.1, clicks: 0.08 },
  secondProbability: 0.3,
  secondOffsetDb: [5, 20],
};

/** Small deterministic PRNG (mulberry32) so runs and eval sets are reproducible. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** State for checkpoints. */
  get state(): number {
    return this.s;
  }
  set state(v: number) {
    this.s = v >>> 0;
  }
}

export function energy(x: Float32Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += x[i] * x[i];
  return e;
}

export function snrDb(clean: Float32Array, noise: Float32Array): number {
  return 10 * Math.log10(energy(clean) / Math.max(energy(noise), 1e-30));
}

/** Scales `noise` in place so that 10·log10(Σclean²/Σnoise²) = targetDb. */
export function scaleToSnr(clean: Float32Array, noise: Float32Array, targetDb: number): void {
  const es = energy(clean), en = energy(noise);
  if (en <= 0 || es <= 0) return;
  const g = Math.sqrt(es / (en * 10 ** (targetDb / 10)));
  for (let i = 0; i < noise.length; i++) noise[i] *= g;
}

/** A crop of `length` samples from a noise clip, looped with a short crossfade when too short. */
export function noiseCrop(src: Float32Array, length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  if (src.length >= length) {
    const start = rng.int(src.length - length + 1);
    out.set(src.subarray(start, start + length));
  } else {
    const fade = Math.min(256, src.length >> 2);
    let pos = 0;
    let offset = rng.int(src.length);
    while (pos < length) {
      const n = Math.min(src.length - offset, length - pos);
      for (let i = 0; i < n; i++) {
        // fade in at every loop start except the first, so loop seams do not click
        const w = pos > 0 && i < fade ? i / fade : 1;
        out[pos + i] = out[pos + i] * (1 - w) + src[offset + i] * w;
      }
      pos += Math.max(1, n - fade);
      offset = 0;
    }
  }
  const sign = rng.next() < 0.5 ? -1 : 1;
  for (let i = 0; i < length; i++) out[i] *= sign;
  return out;
}

/** Gaussian noise with a spectral tilt of `dbPerOctave` (first-order shaping, rate-aware). */
export function hiss(length: number, rate: number, rng: Rng, dbPerOctave = rng.uniform(-6, 3)): Float32Array {
  const w = new Float32Array(length);
  for (let i = 0; i < length; i++) w[i] = rng.normal();
  if (Math.abs(dbPerOctave) < 0.5) return w;
  // Tilt by mixing white noise with its leaky integral (−6 dB/oct) or its difference (+6 dB/oct).
  const out = new Float32Array(length);
  const a = Math.exp((-2 * Math.PI * 40) / rate); // integrator corner ≈ 40 Hz
  let y = 0, prev = 0;
  const mix = Math.min(1, Math.abs(dbPerOctave) / 6);
  // Balance the two parts' power so the tilt is audible but neither dominates by scale alone.
  for (let i = 0; i < length; i++) {
    let shaped: number;
    if (dbPerOctave < 0) {
      y = a * y + (1 - a) * w[i] * 20;
      shaped = y;
    } else {
      shaped = (w[i] - prev) * 0.7;
      prev = w[i];
    }
    out[i] = (1 - mix) * w[i] + mix * shaped;
  }
  return out;
}

/** Mains hum: 50/60 Hz fundamental plus harmonics with random decaying amplitudes and phases. */
export function hum(length: number, rate: number, rng: Rng): Float32Array {
  const f0 = (rng.next() < 0.5 ? 50 : 60) * rng.uniform(0.995, 1.005);
  const out = new Float32Array(length);
  const nyq = rate / 2;
  const buzz = rng.next() < 0.4; // rectified-buzz spectrum: strong odd harmonics far up
  const decay = buzz ? rng.uniform(0.75, 0.95) : rng.uniform(0.3, 0.7);
  const wobbleHz = rng.uniform(0.1, 1.5);
  const wobbleDepth = rng.uniform(0, 0.3);
  for (let h = 1; h * f0 < nyq * 0.95 && h <= 60; h++) {
    const amp = decay ** (h - 1) * (buzz && h % 2 === 0 ? 0.3 : 1) * rng.uniform(0.5, 1.5);
    if (amp < 1e-4) continue;
    const ph = rng.uniform(0, 2 * Math.PI);
    const w = (2 * Math.PI * h * f0) / rate;
    // sin(w·i + ph) by the two-term recurrence s[i] = 2cos(w)·s[i−1] − s[i−2] (no sin per sample)
    const k = 2 * Math.cos(w);
    let s1 = amp * Math.sin(ph - w), s0 = amp * Math.sin(ph - 2 * w);
    for (let i = 0; i < length; i++) {
      const v = k * s1 - s0;
      out[i] += v;
      s0 = s1;
      s1 = v;
    }
  }
  const wob = rng.uniform(0, 2 * Math.PI);
  for (let i = 0; i < length; i++) out[i] *= 1 + wobbleDepth * Math.sin((2 * Math.PI * wobbleHz * i) / rate + wob);
  return out;
}

/** Clicks and crackle: 1–30 clicks per second, each a decaying burst of 0.1–3 ms. */
export function clicks(length: number, rate: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  const perSecond = rng.uniform(1, 30);
  const n = Math.max(1, Math.round((perSecond * length) / rate));
  for (let c = 0; c < n; c++) {
    const at = rng.int(length);
    const amp = rng.uniform(0.1, 1) * (rng.next() < 0.5 ? -1 : 1);
    const dur = Math.max(2, Math.round(rng.uniform(0.0001, 0.003) * rate));
    const tau = dur / 3;
    for (let i = 0; i < dur && at + i < length; i++) out[at + i] += amp * Math.exp(-i / tau) * (i === 0 ? 1 : rng.normal() * 0.7);
  }
  return out;
}

export interface NoiseSource {
  readonly samples: Float32Array;
}

/** Draws a kind by weight. */
export function drawKind(weights: Readonly<Record<CorruptionKind, number>>, rng: Rng): CorruptionKind {
  const kinds = (Object.keys(weights) as CorruptionKind[]).filter((k) => weights[k] > 0);
  if (kinds.length === 0) throw new Error('all corruption weights are zero');
  const total = kinds.reduce((s, k) => s + weights[k], 0);
  let r = rng.next() * total;
  for (const k of kinds) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return kinds[kinds.length - 1];
}

export function makeNoise(kind: CorruptionKind, length: number, rate: number, noises: readonly NoiseSource[], rng: Rng): Float32Array {
  switch (kind) {
    case 'noise':
      if (noises.length === 0) throw new Error('no noise files for the "noise" corruption');
      return noiseCrop(rng.pick(noises).samples, length, rng);
    case 'hiss':
      return hiss(length, rate, rng);
    case 'hum':
      return hum(length, rate, rng);
    case 'clicks':
      return clicks(length, rate, rng);
  }
}

export interface Mixture {
  readonly noisy: Float32Array;
  readonly noise: Float32Array;
  readonly snrDb: number;
  readonly kinds: CorruptionKind[];
}

/** Corrupts `clean` according to the config: returns noisy = clean + noise at the drawn SNR. */
export function corrupt(clean: Float32Array, rate: number, noises: readonly NoiseSource[], cfg: CorruptionConfig, rng: Rng): Mixture {
  const high = cfg.highSnrProbability !== undefined && cfg.highSnrDb !== undefined && rng.next() < cfg.highSnrProbability;
  const snr = high ? rng.uniform(cfg.highSnrDb![0], cfg.highSnrDb![1]) : rng.uniform(cfg.snrDb[0], cfg.snrDb[1]);
  const k1 = drawKind(cfg.weights, rng);
  const n1 = makeNoise(k1, clean.length, rate, noises, rng);
  scaleToSnr(clean, n1, snr);
  const kinds = [k1];
  if (rng.next() < cfg.secondProbability) {
    const k2 = drawKind(cfg.weights, rng);
    const n2 = makeNoise(k2, clean.length, rate, noises, rng);
    scaleToSnr(clean, n2, snr + rng.uniform(cfg.secondOffsetDb[0], cfg.secondOffsetDb[1]));
    for (let i = 0; i < n1.length; i++) n1[i] += n2[i];
    kinds.push(k2);
  }
  // the combined noise sets the reported SNR exactly
  scaleToSnr(clean, n1, snr);
  const noisy = new Float32Array(clean.length);
  for (let i = 0; i < clean.length; i++) noisy[i] = clean[i] + n1[i];
  return { noisy, noise: n1, snrDb: snr, kinds };
}

// ---------------------------------------------------------------------------------------------
// Clean-side augmentation (applied to the speech before mixing, so it is also the target):
// speed/pitch perturbation and random peaking EQ make "new voices" from the few training speakers.

export interface SpeechAugmentConfig {
  /** Speed factors are drawn from this range on a 2.5 % grid (pitch and tempo change together). */
  readonly speed: readonly [number, number];
  /** Probability of 1–2 random peaking filters (±8 dB, 150 Hz–6 kHz). */
  readonly eqProbability: number;
}

export const DEFAULT_SPEECH_AUGMENT: SpeechAugmentConfig = { speed: [0.9, 1.1], eqProbability: 0.5 };

/** Draws a speed factor on the 2.5 % grid (few distinct resampling ratios, cached filters). */
export function drawSpeed(cfg: SpeechAugmentConfig, rng: Rng): number {
  const lo = Math.round(cfg.speed[0] * 40), hi = Math.round(cfg.speed[1] * 40);
  return (lo + rng.int(hi - lo + 1)) / 40;
}

/** RBJ peaking biquad applied in place. */
export function peakingEq(x: Float32Array, rate: number, f0: number, gainDb: number, q: number): void {
  const A = 10 ** (gainDb / 40);
  const w = (2 * Math.PI * f0) / rate;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha / A;
  const b0 = (1 + alpha * A) / a0, b1 = (-2 * cos) / a0, b2 = (1 - alpha * A) / a0;
  const a1 = (-2 * cos) / a0, a2 = (1 - alpha / A) / a0;
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = v;
    y2 = y1;
    y1 = y;
    x[i] = y;
  }
}

export function randomEq(x: Float32Array, rate: number, rng: Rng): void {
  const n = 1 + rng.int(2);
  for (let i = 0; i < n; i++) {
    const f0 = Math.exp(rng.uniform(Math.log(150), Math.log(Math.min(6000, rate * 0.4))));
    peakingEq(x, rate, f0, rng.uniform(-8, 8), rng.uniform(0.5, 2));
  }
}
