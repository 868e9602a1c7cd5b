// Training examples for the audio DAE: clean speech crops + corruption → STFT → band features of
// the noisy mixture (model input) and compressed band magnitudes of noisy and clean (loss targets).
import { analyseFrames, frameSpecForRate, powerSpectrum } from '../../main/engine/audio/stft.ts';
import type { FrameSpec } from '../../main/engine/types.ts';
import { bandCentres, bandLayout, bandPower, featureChannels, POWER_FLOOR, rawFeatures, type BandConfig, type BandLayout } from '../../main/engine/models/audio-features.ts';
import { corrupt, drawSpeed, energy, randomEq, Rng, type CorruptionConfig, type NoiseSource, type SpeechAugmentConfig } from './corrupt.ts';
import { resample } from './resample.ts';
import { sourceBandwidthHz, type Clip } from './dataset.ts';

/** Speech crops drawn from groups of clips (a group = one source folder/speaker). */
export class SpeechSampler {
  private readonly groups: { clips: Clip[]; weight: number }[];
  private readonly total: number;

  /** Groups are weighted by √duration so that the two 24-minute voices do not drown the rest. */
  constructor(clips: readonly Clip[], groupOf: (name: string) => string = (n) => n.split('/').slice(-2, -1)[0]) {
    const map = new Map<string, Clip[]>();
    for (const c of clips) {
      const g = groupOf(c.name);
      (map.get(g) ?? map.set(g, []).get(g)!).push(c);
    }
    this.groups = [...map.values()].map((cl) => ({ clips: cl, weight: Math.sqrt(cl.reduce((s, c) => s + c.samples.length, 0)) }));
    this.total = this.groups.reduce((s, g) => s + g.weight, 0);
    if (this.groups.length === 0) throw new Error('no speech clips');
  }

  private group(rng: Rng): Clip[] {
    let r = rng.next() * this.total;
    for (const g of this.groups) {
      r -= g.weight;
      if (r < 0) return g.clips;
    }
    return this.groups[this.groups.length - 1].clips;
  }

  /**
   * `length` samples of speech: a random stretch of one clip, or short clips of the same group
   * joined with 0–300 ms pauses. Retries until the crop holds real speech (RMS ≥ −50 dBFS).
   */
  crop(length: number, rate: number, rng: Rng): Float32Array {
    return this.cropWithBandwidth(length, rate, rng).samples;
  }

  /** Like crop(), also returning the source's bandwidth (see sourceBandwidthHz). */
  cropWithBandwidth(length: number, rate: number, rng: Rng): { samples: Float32Array; bandwidthHz: number } {
    for (let attempt = 0; ; attempt++) {
      const clips = this.group(rng);
      const bandwidthHz = sourceBandwidthHz(clips[0].name, rate); // one group = one source folder
      const out = new Float32Array(length);
      let pos = 0;
      while (pos < length) {
        const c = rng.pick(clips).samples;
        if (c.length >= length - pos && pos === 0) {
          const s = rng.int(c.length - length + 1);
          out.set(c.subarray(s, s + length));
          break;
        }
        const n = Math.min(c.length, length - pos);
        out.set(c.subarray(0, n), pos);
        pos += n + Math.round(rng.uniform(0, 0.3) * rate);
      }
      if (energy(out) / length >= 1e-5 || attempt > 20) return { samples: out, bandwidthHz };
    }
  }
}

export interface ExampleConfig {
  readonly rate: number;
  readonly hopSeconds: number;
  readonly frames: number;
  readonly bands: BandConfig;
  /** Speech level range (dBFS RMS) before the noise is added. */
  readonly levelDb: readonly [number, number];
  /** Exponent applied to band power for the loss (0.3 = magnitude^0.6). */
  readonly compress: number;
  readonly corruption: CorruptionConfig;
  /** Clean-side speed/EQ augmentation (absent = none). */
  readonly speechAugment?: SpeechAugmentConfig;
  /** Half window of the noise-floor feature (0/absent = log band power only). */
  readonly noiseFloorFrames?: number;
}

export interface Batch {
  readonly size: number;
  readonly frames: number;
  readonly nBands: number;
  /** Input channels per frame (see featureChannels). */
  readonly nInputs: number;
  /** Raw (not yet normalised) features of the noisy mixture, [B][T][nInputs]. */
  readonly features: Float32Array;
  /** Band power^compress of noisy and clean, normalised per example by the noisy mean. */
  readonly noisyC: Float32Array;
  readonly cleanC: Float32Array;
  readonly clean: Float32Array[];
  readonly noisy: Float32Array[];
  readonly snrDb: number[];
}

export class ExampleMaker {
  readonly spec: FrameSpec;
  readonly layout: BandLayout;
  constructor(readonly cfg: ExampleConfig) {
    this.spec = frameSpecForRate(cfg.rate, cfg.hopSeconds);
    this.layout = bandLayout(this.spec, cfg.rate, cfg.bands);
  }

  /** Samples needed for `frames` full frames: frames 2 … frames+1 of a signal of (frames+2)·hop. */
  samplesFor(frames: number): number {
    return (frames + 2) * this.spec.hop;
  }

  /** Band power of frames [2 + skip, 2 + skip + frames) of `x` (the first two frames are mostly padding). */
  bands(x: Float32Array, frames: number, skip = 0): Float32Array {
    const S = analyseFrames(x, 0, 2 + skip, frames, this.spec, x.length);
    return bandPower(powerSpectrum(S), frames, this.layout);
  }

  /** Frames of extra signal on each side that the features look at (noise-floor window). */
  get contextFrames(): number {
    const nf = this.cfg.noiseFloorFrames ?? 0;
    return nf > 0 ? nf + 2 : 0;
  }

  /** One batch of `size` random examples (or fixed ones, for a fixed rng seed). */
  batch(size: number, speech: SpeechSampler, noises: readonly NoiseSource[], rng: Rng, frames = this.cfg.frames): Batch {
    const nb = this.layout.nBands;
    const nIn = featureChannels(nb, this.cfg.noiseFloorFrames ?? 0);
    const len = this.samplesFor(frames + 2 * this.contextFrames);
    const features = new Float32Array(size * frames * nIn);
    const noisyC = new Float32Array(size * frames * nb);
    const cleanC = new Float32Array(size * frames * nb);
    const cleans: Float32Array[] = [], noisys: Float32Array[] = [], snrs: number[] = [];
    for (let i = 0; i < size; i++) {
      const { clean, bandwidthHz } = this.augmentedCrop(speech, len, rng);
      const rms = Math.sqrt(energy(clean) / len);
      const target = 10 ** (rng.uniform(this.cfg.levelDb[0], this.cfg.levelDb[1]) / 20);
      const g = rms > 0 ? target / rms : 1;
      for (let j = 0; j < len; j++) clean[j] *= g;
      const mix = corrupt(clean, this.cfg.rate, noises, this.cfg.corruption, rng);
      this.fill(clean, mix.noisy, frames, i, features, noisyC, cleanC, bandwidthHz);
      cleans.push(clean);
      noisys.push(mix.noisy);
      snrs.push(mix.snrDb);
    }
    return { size, frames, nBands: nb, nInputs: nIn, features, noisyC, cleanC, clean: cleans, noisy: noisys, snrDb: snrs };
  }

  /** A speech crop of `len` samples, speed-perturbed and equalised per cfg.speechAugment. */
  augmentedCrop(speech: SpeechSampler, len: number, rng: Rng): { clean: Float32Array; bandwidthHz: number } {
    const aug = this.cfg.speechAugment;
    const rate = this.cfg.rate;
    if (!aug) {
      const c = speech.cropWithBandwidth(len, rate, rng);
      return { clean: c.samples, bandwidthHz: c.bandwidthHz };
    }
    const speed = drawSpeed(aug, rng);
    const c = speech.cropWithBandwidth(Math.ceil(len * speed) + 64, rate, rng);
    let x = c.samples;
    let bandwidthHz = c.bandwidthHz;
    if (speed !== 1) {
      // play `speed` times faster: treat the crop as sampled at rate·speed and resample to rate
      x = resample(x, Math.round(rate * speed), rate);
      bandwidthHz = Math.min(rate / 2, bandwidthHz / speed);
    }
    const clean = new Float32Array(len);
    clean.set(x.subarray(0, len));
    if (rng.next() < aug.eqProbability) randomEq(clean, rate, rng);
    return { clean, bandwidthHz };
  }

  /**
   * Writes example i: features of the central `frames` frames (computed with `contextFrames` of
   * signal on each side, as at inference) and loss targets. Bands whose centre lies at or above the
   * source's bandwidth get zero loss targets (noisyC = cleanC = 0 ⇒ no gradient): band-limited
   * speech says nothing about them.
   */
  fill(clean: Float32Array, noisy: Float32Array, frames: number, i: number, features: Float32Array, noisyC: Float32Array, cleanC: Float32Array, bandwidthHz = Infinity): void {
    const nb = this.layout.nBands;
    const nf = this.cfg.noiseFloorFrames ?? 0;
    const nIn = featureChannels(nb, nf);
    const ctx = this.contextFrames;
    const centres = bandCentres(this.cfg.bands);
    const pnAll = this.bands(noisy, frames + 2 * ctx);
    const raw = rawFeatures(pnAll, frames + 2 * ctx, nb, nf);
    features.set(raw.subarray(ctx * nIn, (ctx + frames) * nIn), i * frames * nIn);
    const pn = pnAll.subarray(ctx * nb, (ctx + frames) * nb);
    const pc = this.bands(clean, frames, ctx); // the clean side only needs the central frames
    let mean = 0;
    for (let j = 0; j < pn.length; j++) mean += pn[j];
    mean = mean / pn.length + POWER_FLOOR;
    const c = this.cfg.compress;
    const off = i * frames * nb;
    for (let j = 0; j < pn.length; j++) {
      const keep = bandwidthHz >= this.cfg.bands.maxHz || centres[j % nb] < bandwidthHz - 1;
      noisyC[off + j] = keep ? (pn[j] / mean) ** c : 0;
      cleanC[off + j] = keep ? (pc[j] / mean) ** c : 0;
    }
  }
}

/** Per-channel mean and std of the raw features over a sample of batches. */
export function featureStats(batches: readonly Batch[]): { mean: number[]; std: number[] } {
  const nc = batches[0].nInputs;
  const s = new Float64Array(nc), s2 = new Float64Array(nc);
  let n = 0;
  for (const b of batches) {
    for (let i = 0; i < b.features.length; i++) {
      const v = b.features[i];
      s[i % nc] += v;
      s2[i % nc] += v * v;
    }
    n += b.features.length / nc;
  }
  const mean = Array.from(s, (v) => v / n);
  const std = Array.from(s2, (v, i) => Math.sqrt(Math.max(1e-6, v / n - mean[i] ** 2)));
  return { mean, std };
}
