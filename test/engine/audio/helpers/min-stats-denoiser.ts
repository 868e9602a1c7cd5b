// A deterministic classical AudioDenoiser for pipeline tests: per-bin noise = minimum of the power
// over the declared context window (minimum statistics), Wiener gain, floor from the attenuation
// limit. Each frame's gain depends only on frames [t − past, t + future], exactly the contract the
// chunked pipeline relies on, so chunked and whole-file results must agree.
import type { AudioDenoiser, FrameSpec } from '../../../../main/engine/types.ts';
import { frameSpecForRate } from '../../../../main/engine/audio/stft.ts';

export class MinStatsDenoiser implements AudioDenoiser {
  readonly contextFrames: { readonly past: number; readonly future: number };
  gainCalls = 0;
  framesSeen = 0;

  constructor(context = 12) {
    this.contextFrames = { past: context, future: context };
  }

  frameSpec(sampleRate: number): FrameSpec {
    return frameSpecForRate(sampleRate);
  }

  async gains(power: Float32Array, nFrames: number, nBins: number, _rate: number, maxAttenuationDb: number): Promise<Float32Array> {
    this.gainCalls++;
    this.framesSeen += nFrames;
    const floor = 10 ** (-maxAttenuationDb / 20);
    const { past, future } = this.contextFrames;
    const g = new Float32Array(nFrames * nBins);
    for (let t = 0; t < nFrames; t++) {
      const lo = Math.max(0, t - past);
      const hi = Math.min(nFrames - 1, t + future);
      for (let k = 0; k < nBins; k++) {
        let noise = Infinity;
        for (let u = lo; u <= hi; u++) noise = Math.min(noise, power[u * nBins + k]);
        const p = power[t * nBins + k];
        // Minimum statistics under-estimate the mean noise power; 2.5 is a typical bias factor.
        const snr = p > 0 ? Math.max(0, p / (2.5 * noise + 1e-20) - 1) : 0;
        g[t * nBins + k] = Math.max(floor, snr / (1 + snr));
      }
    }
    return g;
  }

  estimate(power: Float32Array, nFrames: number, nBins: number): { reductionDb: number; snrDb: number } {
    let signal = 0;
    let noise = 0;
    for (let k = 0; k < nBins; k++) {
      let min = Infinity;
      let sum = 0;
      for (let t = 0; t < nFrames; t++) {
        const p = power[t * nBins + k];
        sum += p;
        if (p < min) min = p;
      }
      signal += sum / Math.max(1, nFrames);
      noise += 2.5 * (Number.isFinite(min) ? min : 0);
    }
    const snrDb = 10 * Math.log10(Math.max(1e-12, signal - noise) / Math.max(1e-20, noise));
    const reductionDb = Math.round(Math.min(30, Math.max(6, 30 - snrDb)));
    return { reductionDb, snrDb };
  }
}
