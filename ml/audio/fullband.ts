// Does full-band audio come out muffled? Runs a denoiser at 48 kHz on clean full-band speech
// (held-out KLettres voice, 44.1 kHz → 48 kHz) and on the same speech with white noise at 10 dB
// SNR, and compares the energy above 8 kHz (the training data's bandwidth) before and after.
import { frameSpecForRate, powerSpectrum, stft } from '../../main/engine/audio/stft.ts';
import type { AudioDenoiser } from '../../main/engine/types.ts';
import { hiss, Rng, scaleToSnr } from './corrupt.ts';
import { enhanceWithDenoiser } from './enhance.ts';
import { readFlacMono } from './flac.ts';
import { resample } from './resample.ts';
import { speechFiles } from './split.ts';

export interface FullbandReport {
  readonly rate: number;
  readonly seconds: number;
  /** Clean input: output/input energy above 8 kHz, dB (0 = untouched, very negative = muffled). */
  readonly cleanHfChangeDb: number;
  /** The same over frames where speech is active (the recordings' own background removed in pauses is not muffling). */
  readonly cleanHfSpeechChangeDb: number;
  /** The same over the 10 % of frames with the most energy above 8 kHz (fricatives, breath): the real test of muffling. */
  readonly cleanHfPeakChangeDb: number;
  /** Clean input: output/input energy 0–8 kHz, dB. */
  readonly cleanLfChangeDb: number;
  /** Noisy input (white noise, 10 dB SNR): residual noise above 8 kHz in speech pauses, dB re input. */
  readonly noisyHfPauseChangeDb: number;
  /** Noisy input: energy above 8 kHz while speech is active, output vs the clean speech's, dB. */
  readonly noisyHfSpeechVsCleanDb: number;
}

function bandEnergy(x: Float32Array, rate: number, lo: number, hi: number, frames?: (t: number) => boolean): number {
  const spec = frameSpecForRate(rate, 0.01);
  const S = stft(x, spec);
  const P = powerSpectrum(S);
  const k0 = Math.ceil((lo * spec.fftSize) / rate), k1 = Math.min(S.nBins, Math.floor((hi * spec.fftSize) / rate));
  let e = 0;
  for (let t = 0; t < S.nFrames; t++) {
    if (frames && !frames(t)) continue;
    for (let k = k0; k < k1; k++) e += P[t * S.nBins + k];
  }
  return e;
}

/** Frame-level speech activity of the clean reference (within 30 dB of its loudest frame). */
function activity(clean: Float32Array, rate: number): boolean[] {
  const spec = frameSpecForRate(rate, 0.01);
  const S = stft(clean, spec);
  const P = powerSpectrum(S);
  const e = Array.from({ length: S.nFrames }, (_, t) => {
    let s = 0;
    for (let k = 0; k < S.nBins; k++) s += P[t * S.nBins + k];
    return s;
  });
  const max = Math.max(...e);
  return e.map((v) => v > max * 1e-3);
}

/** Frames whose energy in [lo, hi) Hz is in the top `fraction`. */
function topFrames(x: Float32Array, rate: number, lo: number, hi: number, fraction: number): (t: number) => boolean {
  const spec = frameSpecForRate(rate, 0.01);
  const S = stft(x, spec);
  const P = powerSpectrum(S);
  const k0 = Math.ceil((lo * spec.fftSize) / rate), k1 = Math.min(S.nBins, Math.floor((hi * spec.fftSize) / rate));
  const e = Array.from({ length: S.nFrames }, (_, t) => {
    let s = 0;
    for (let k = k0; k < k1; k++) s += P[t * S.nBins + k];
    return s;
  });
  const threshold = [...e].sort((a, b) => b - a)[Math.floor(fraction * e.length)];
  return (t) => e[t] > threshold;
}

export async function fullbandCheck(d: AudioDenoiser, maxAttenuationDb = 100): Promise<FullbandReport> {
  const rate = 48000;
  const files = speechFiles('test').filter((f) => f.includes('klettres-fullband')).slice(0, 24);
  const parts: Float32Array[] = [];
  for (const f of files) {
    const a = await readFlacMono(f);
    parts.push(resample(a.samples, a.sampleRate, rate), new Float32Array(rate / 5));
  }
  const clean = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    clean.set(p, off);
    off += p.length;
  }
  const db = (a: number, b: number) => 10 * Math.log10(a / b);

  const out = await enhanceWithDenoiser(d, clean, rate, maxAttenuationDb);
  const act = activity(clean, rate);
  const hfPeak = topFrames(clean, rate, 8000, 24000, 0.1);
  const noise = hiss(clean.length, rate, new Rng(7), 0);
  scaleToSnr(clean, noise, 10);
  const noisy = clean.map((v, i) => v + noise[i]);
  const den = await enhanceWithDenoiser(d, noisy, rate, maxAttenuationDb);
  const pause = (t: number) => !act[t];
  const speech = (t: number) => act[t];
  return {
    rate,
    seconds: clean.length / rate,
    cleanHfChangeDb: db(bandEnergy(out, rate, 8000, 24000), bandEnergy(clean, rate, 8000, 24000)),
    cleanHfPeakChangeDb: db(bandEnergy(out, rate, 8000, 24000, hfPeak), bandEnergy(clean, rate, 8000, 24000, hfPeak)),
    cleanHfSpeechChangeDb: db(bandEnergy(out, rate, 8000, 24000, speech), bandEnergy(clean, rate, 8000, 24000, speech)),
    cleanLfChangeDb: db(bandEnergy(out, rate, 0, 8000), bandEnergy(clean, rate, 0, 8000)),
    noisyHfPauseChangeDb: db(bandEnergy(den, rate, 8000, 24000, pause), bandEnergy(noisy, rate, 8000, 24000, pause)),
    noisyHfSpeechVsCleanDb: db(bandEnergy(den, rate, 8000, 24000, speech), bandEnergy(clean, rate, 8000, 24000, speech)),
  };
}
