// `reductionDb: 'auto'`: ask the model for a sensible attenuation limit from a sample of the audio.
// Seekable files (WAV) are sampled at several places across the whole recording; compressed streams
// use their first seconds (a second full decode pass would double the time for a small gain).
import type { AudioDenoiser } from '../types.ts';
import type { OpenedAudio } from './audio-reader.ts';
import { analyseFrames, frameCount, powerSpectrum } from './stft.ts';
import { checkAborted } from './stream-denoise.ts';

export interface StrengthEstimate {
  readonly reductionDb: number;
  /** Input SNR in dB, as the model estimated it. */
  readonly snrDb: number;
  /** Seconds of audio the estimate looked at. */
  readonly secondsUsed: number;
}

const STRETCHES = 6;
const STRETCH_SECONDS = 5;
const HEAD_SECONDS = 30;

/** Channel-averaged power frames of one stretch of audio. */
function stretchPower(channels: Float32Array[], denoiser: AudioDenoiser, sampleRate: number): { power: Float32Array; nFrames: number; nBins: number } {
  const spec = denoiser.frameSpec(sampleRate);
  const n = channels[0].length;
  const nFrames = frameCount(n, spec);
  const nBins = spec.fftSize / 2 + 1;
  const power = new Float32Array(nFrames * nBins);
  for (const ch of channels) {
    const p = powerSpectrum(analyseFrames(ch, 0, 0, nFrames, spec, n));
    for (let i = 0; i < p.length; i++) power[i] += p[i] / channels.length;
  }
  return { power, nFrames, nBins };
}

/**
 * Reads a sample of `reader` (which must be positioned at the start; it is left at an undefined
 * position, so use a dedicated reader) and returns the model's estimate.
 */
export async function estimateStrength(reader: OpenedAudio, denoiser: AudioDenoiser, signal?: AbortSignal): Promise<StrengthEstimate> {
  const { sampleRate, frames } = reader.info;
  const stretches: Float32Array[][] = [];
  const seek = reader.seek;
  if (seek && frames > STRETCHES * STRETCH_SECONDS * sampleRate * 2) {
    const len = Math.round(STRETCH_SECONDS * sampleRate);
    for (let i = 0; i < STRETCHES; i++) {
      checkAborted(signal);
      seek(Math.floor(((frames - len) * (i + 0.5)) / STRETCHES));
      const block = await reader.read(len);
      if (block[0].length > 0) stretches.push(block);
    }
  } else {
    const block = await reader.read(Math.round(HEAD_SECONDS * sampleRate));
    if (block[0].length > 0) stretches.push(block);
  }
  // Concatenate the stretches' power frames (each analysed on its own: no fake transients at joins).
  const parts = stretches.map((s) => stretchPower(s.map((c) => sanitised(c)), denoiser, sampleRate));
  const nBins = parts[0]?.nBins ?? denoiser.frameSpec(sampleRate).fftSize / 2 + 1;
  const nFrames = parts.reduce((s, p) => s + p.nFrames, 0);
  const power = new Float32Array(nFrames * nBins);
  let off = 0;
  for (const p of parts) {
    power.set(p.power, off);
    off += p.power.length;
  }
  const est = denoiser.estimate(power, nFrames, nBins, sampleRate);
  const secondsUsed = stretches.reduce((s, b) => s + b[0].length, 0) / sampleRate;
  return { reductionDb: est.reductionDb, snrDb: est.snrDb, secondsUsed };
}

/** Non-finite samples would poison the estimate; the pipeline refuses them separately. */
function sanitised(c: Float32Array): Float32Array {
  for (let i = 0; i < c.length; i++) if (!Number.isFinite(c[i])) c[i] = 0;
  return c;
}
