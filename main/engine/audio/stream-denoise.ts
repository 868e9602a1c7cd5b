// Block-wise STFT denoising of a stream. Each block synthesises output samples [a, b) from the frames
// covering them; gains for those frames come from the model run on the frames plus its declared
// context on each side (stft.ts documents the geometry). Because every frame is analysed from the same
// samples and every output sample is overlap-added from the same frames in the same order, the result
// equals whole-file processing while memory holds only one block plus context.
import type { AudioDenoiser, FrameSpec } from '../types.ts';
import { HushError } from '../types.ts';
import {
  analyseFrames,
  applyGains,
  frameCount,
  frameStart,
  framesCovering,
  powerSpectrum,
  samplesForFrames,
  sliceFrames,
  synthesiseRange,
} from './stft.ts';

/** Pulls the next `frames` sample frames; fewer (possibly none) only at the end. */
export type PullSamples = (frames: number) => Promise<Float32Array[]>;
/** Receives consecutive output blocks. */
export type PushSamples = (channels: Float32Array[]) => Promise<void>;

export interface StreamDenoiseOptions {
  readonly denoiser: AudioDenoiser;
  readonly sampleRate: number;
  readonly channels: number;
  /** Attenuation limit in dB (> 0). */
  readonly maxAttenuationDb: number;
  /** Output STFT frames per block (default: enough to keep the context overhead ≤ ~10 %). */
  readonly blockFrames?: number;
  readonly signal?: AbortSignal;
  /** Called after each block with the number of output samples written so far. */
  readonly onProgress?: (samplesDone: number) => void;
}

/** A growable per-channel window onto absolute samples [start, start + length). */
class SampleWindow {
  start = 0;
  length = 0;
  data: Float32Array[];
  constructor(channels: number) {
    this.data = Array.from({ length: channels }, () => new Float32Array(1 << 16));
  }
  get end(): number {
    return this.start + this.length;
  }
  append(block: readonly Float32Array[]): void {
    const n = block[0]?.length ?? 0;
    if (this.length + n > this.data[0].length) {
      let cap = this.data[0].length;
      while (cap < this.length + n) cap *= 2;
      this.data = this.data.map((d) => {
        const g = new Float32Array(cap);
        g.set(d.subarray(0, this.length));
        return g;
      });
    }
    for (let c = 0; c < this.data.length; c++) this.data[c].set(block[c], this.length);
    this.length += n;
  }
  /** Forgets samples before absolute index `abs`. */
  dropBefore(abs: number): void {
    const k = Math.min(this.length, Math.max(0, abs - this.start));
    if (k === 0) return;
    for (const d of this.data) d.copyWithin(0, k, this.length);
    this.start += k;
    this.length -= k;
  }
  view(c: number): Float32Array {
    return this.data[c].subarray(0, this.length);
  }
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HushError('cancelled', 'Cancelled.');
}

/** Samples (all channels together) a block may hold, so memory stays flat for any rate/channels. */
const BLOCK_SAMPLE_BUDGET = 4 * 1024 * 1024;

/**
 * Default block size: 1024 frames (≈ 10 s at a 10 ms hop) or ≥ 8× the model's total context, but
 * no more than the sample budget allows (many channels at a high rate) and never below 2× context.
 */
export function defaultBlockFrames(denoiser: AudioDenoiser, hop = 0, channels = 1): number {
  const ctx = denoiser.contextFrames.past + denoiser.contextFrames.future;
  const wanted = Math.max(1024, 8 * ctx);
  const budget = hop > 0 ? Math.floor(BLOCK_SAMPLE_BUDGET / (hop * Math.max(1, channels))) : wanted;
  return Math.max(2 * ctx, 16, Math.min(wanted, budget));
}

/**
 * Streams `pull` → denoise → `push` until the input ends. Returns the number of samples per channel.
 */
export async function denoiseStream(pull: PullSamples, push: PushSamples, o: StreamDenoiseOptions): Promise<number> {
  const spec: FrameSpec = o.denoiser.frameSpec(o.sampleRate);
  const { hop } = spec;
  const nBins = spec.fftSize / 2 + 1;
  const { past, future } = o.denoiser.contextFrames;
  const blockFrames = o.blockFrames ?? defaultBlockFrames(o.denoiser, hop, o.channels);
  const win = new SampleWindow(o.channels);
  let total: number | null = null; // signal length, known once the input has ended
  let a = 0;
  for (;;) {
    checkAborted(o.signal);
    let b = a + blockFrames * hop;
    const { f0 } = framesCovering(a, b, spec);
    let { f1 } = framesCovering(a, b, spec);
    const g0 = Math.max(0, f0 - past);
    let g1 = f1 + future;
    // Read until the context frames are covered or the input ends.
    const need = samplesForFrames(g0, g1, spec).s1;
    while (total === null && win.end < need) {
      const want = Math.max(need - win.end, 1 << 15);
      const got = await pull(want);
      const n = got[0]?.length ?? 0;
      if (n > 0) win.append(got);
      if (n < want) total = win.end;
    }
    if (total !== null) {
      if (a >= total) break;
      const nf = frameCount(total, spec);
      b = Math.min(b, total);
      f1 = Math.min(framesCovering(a, b, spec).f1, nf);
      g1 = Math.min(g1, nf);
    }
    // All channels' model calls are issued together, so a denoiser backed by a worker pool runs
    // them in parallel (an in-process one simply serialises them).
    const spectra = Array.from({ length: o.channels }, (_, c) => analyseFrames(win.view(c), win.start, g0, g1 - g0, spec, total ?? Infinity));
    const gains = await Promise.all(spectra.map((sg) => o.denoiser.gains(powerSpectrum(sg), g1 - g0, nBins, o.sampleRate, o.maxAttenuationDb)));
    const out = spectra.map((sg, c) => {
      applyGains(sg, gains[c]);
      return synthesiseRange(sliceFrames(sg, f0 - g0, f1 - g0), f0, a, b - a, spec);
    });
    checkAborted(o.signal);
    await push(out);
    a = b;
    o.onProgress?.(a);
    // Keep only what the next block's first context frame reads.
    const nextG0 = Math.max(0, framesCovering(a, a + 1, spec).f0 - past);
    win.dropBefore(Math.max(0, frameStart(nextG0, spec)));
  }
  return a;
}
