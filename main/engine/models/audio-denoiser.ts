// The TF.js-backed AudioDenoiser: band features → audio DAE → band gains → per-bin gains.
//
// Chunking: the DAE downsamples time by 4, so a plain forward pass depends on where a block starts
// (frame index mod 4). gains() runs the model on the block shifted by 0…3 frames and averages the
// four results ("cycle spinning"): the output is exactly shift-invariant, so blocks processed with
// `contextFrames` of overlap give the whole-file result, and the average is a small free ensemble.
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AudioDenoiser, FrameSpec } from '../types.ts';
import { HushError } from '../types.ts';
import { frameSpecForRate } from '../audio/stft.ts';
import { configOfModel, describeAudioDae, TIME_MULTIPLE, type AudioDaeConfig } from './audio-dae.ts';
import { bandFeatures, bandLayout, bandPower, binGains, featureChannels, gainFloor, POWER_FLOOR, type BandConfig, type BandLayout } from './audio-features.ts';

/** What model.json's userDefinedMetadata carries besides the layers. */
export interface AudioDaeMetadata {
  readonly format: 'hush-audio-dae';
  readonly version: 1;
  readonly hopSeconds: number;
  readonly bands: BandConfig;
  /** Per input channel (nBands, or 2·nBands with a noise floor). */
  readonly featureMean: number[];
  readonly featureStd: number[];
  /** Half window (frames) of the minimum-statistics noise-floor feature; 0/absent = not used. */
  readonly noiseFloorFrames?: number;
  /** Sample rate of the training data (bands above its Nyquist are extrapolated). */
  readonly trainRate: number;
  /** Training provenance, for `hush info` and the model card. */
  readonly steps?: number;
  readonly trainedOn?: string;
}

export function isAudioDaeMetadata(x: unknown): x is AudioDaeMetadata {
  const m = x as Partial<AudioDaeMetadata> | undefined;
  return (
    !!m && m.format === 'hush-audio-dae' && m.version === 1 && typeof m.hopSeconds === 'number' && !!m.bands &&
    Array.isArray(m.featureMean) && Array.isArray(m.featureStd) &&
    m.featureMean.length === featureChannels(m.bands.nBands, m.noiseFloorFrames ?? 0) && m.featureStd.length === m.featureMean.length
  );
}

/** Frames processed per model call inside gains() (bounds memory for long blocks). */
const MAX_FRAMES_PER_CALL = 4096;

/**
 * Band gains [nFrames][nBands] for normalised features, averaged over the TIME_MULTIPLE cyclic
 * shifts. Frames outside the block are zero (= the feature mean), as at the ends of a file.
 * Each shifted copy is followed by at least `tail` explicit zero frames (≥ the receptive field):
 * a convolution's implicit edge padding is not the same as zero input frames (biases), and
 * rows must share one length, so the end of the block must never see implicit padding.
 */
export function predictBandGains(model: tf.LayersModel, features: Float32Array, nFrames: number, nIn: number, nOut: number, tail: number, shifts = TIME_MULTIPLE): Float32Array {
  const out = new Float32Array(nFrames * nOut);
  if (nFrames === 0) return out;
  const padded = Math.ceil((nFrames + shifts - 1 + tail) / TIME_MULTIPLE) * TIME_MULTIPLE;
  const batch = new Float32Array(shifts * padded * nIn);
  for (let s = 0; s < shifts; s++) batch.set(features.subarray(0, nFrames * nIn), (s * padded + s) * nIn);
  const y = tf.tidy(() => model.predict(tf.tensor3d(batch, [shifts, padded, nIn])) as tf.Tensor);
  const g = y.dataSync() as Float32Array;
  y.dispose();
  for (let s = 0; s < shifts; s++) {
    const base = (s * padded + s) * nOut;
    for (let i = 0; i < nFrames * nOut; i++) out[i] += g[base + i];
  }
  const k = 1 / shifts;
  for (let i = 0; i < out.length; i++) out[i] *= k;
  return out;
}

export class TfAudioDenoiser implements AudioDenoiser {
  readonly contextFrames: { readonly past: number; readonly future: number };
  readonly config: AudioDaeConfig;
  private readonly layouts = new Map<number, { spec: FrameSpec; layout: BandLayout }>();

  constructor(readonly model: tf.LayersModel, readonly meta: AudioDaeMetadata) {
    this.config = configOfModel(model);
    if (this.config.nBands !== meta.bands.nBands) throw new HushError('internal', `audio model has ${this.config.nBands} bands, metadata ${meta.bands.nBands}`);
    if ((this.config.nInputs ?? this.config.nBands) !== meta.featureMean.length) throw new HushError('internal', `audio model takes ${this.config.nInputs} inputs, metadata has ${meta.featureMean.length}`);
    // receptive field + the cycle shifts' padding + the noise-floor window (and its smoothing)
    const nf = meta.noiseFloorFrames ?? 0;
    const reach = describeAudioDae(this.config).reach + TIME_MULTIPLE + (nf > 0 ? nf + 2 : 0);
    this.contextFrames = { past: reach, future: reach };
  }

  /** Multiply-accumulates per second of audio (one channel), cycle spinning included. */
  get macsPerSecond(): number {
    return (describeAudioDae(this.config).macsPerFrame * TIME_MULTIPLE) / this.meta.hopSeconds;
  }

  frameSpec(sampleRate: number): FrameSpec {
    return this.geometry(sampleRate).spec;
  }

  private geometry(sampleRate: number): { spec: FrameSpec; layout: BandLayout } {
    let g = this.layouts.get(sampleRate);
    if (!g) {
      const spec = frameSpecForRate(sampleRate, this.meta.hopSeconds);
      g = { spec, layout: bandLayout(spec, sampleRate, this.meta.bands) };
      this.layouts.set(sampleRate, g);
    }
    return g;
  }

  private checkShape(power: Float32Array, nFrames: number, nBins: number, sampleRate: number): BandLayout {
    const { layout } = this.geometry(sampleRate);
    if (nBins !== layout.nBins) throw new HushError('internal', `expected ${layout.nBins} bins at ${sampleRate} Hz, got ${nBins}`);
    if (power.length !== nFrames * nBins) throw new HushError('internal', `power has ${power.length} values, expected ${nFrames}×${nBins}`);
    return layout;
  }

  /** Band gains in [0,1] for a block of power frames (before the attenuation floor). */
  bandGains(power: Float32Array, nFrames: number, nBins: number, sampleRate: number): Float32Array {
    const layout = this.checkShape(power, nFrames, nBins, sampleRate);
    return this.bandGainsFromPower(bandPower(power, nFrames, layout), nFrames, layout);
  }

  private bandGainsFromPower(bandPow: Float32Array, nFrames: number, layout: BandLayout): Float32Array {
    const nb = layout.nBands;
    const nf = this.meta.noiseFloorFrames ?? 0;
    const nIn = featureChannels(nb, nf);
    const tail = describeAudioDae(this.config).reach;
    // Long blocks are processed in overlapping windows; each window keeps only its inner frames.
    const ctx = this.contextFrames.past;
    if (nFrames <= MAX_FRAMES_PER_CALL) {
      const feats = bandFeatures(bandPow, nFrames, nb, this.meta.featureMean, this.meta.featureStd, nf);
      return predictBandGains(this.model, feats, nFrames, nIn, nb, tail);
    }
    const out = new Float32Array(nFrames * nb);
    const inner = MAX_FRAMES_PER_CALL - 2 * ctx;
    for (let a = 0; a < nFrames; a += inner) {
      const b = Math.min(nFrames, a + inner);
      const w0 = Math.max(0, a - ctx), w1 = Math.min(nFrames, b + ctx);
      const feats = bandFeatures(bandPow.subarray(w0 * nb, w1 * nb), w1 - w0, nb, this.meta.featureMean, this.meta.featureStd, nf);
      const g = predictBandGains(this.model, feats, w1 - w0, nIn, nb, tail);
      out.set(g.subarray((a - w0) * nb, (b - w0) * nb), a * nb);
    }
    return out;
  }

  async gains(power: Float32Array, nFrames: number, nBins: number, sampleRate: number, maxAttenuationDb: number): Promise<Float32Array> {
    const layout = this.checkShape(power, nFrames, nBins, sampleRate);
    if (maxAttenuationDb <= 0) return new Float32Array(nFrames * nBins).fill(1);
    const bp = bandPower(power, nFrames, layout);
    const bg = this.bandGainsFromPower(bp, nFrames, layout);
    return binGains(bg, nFrames, layout, gainFloor(maxAttenuationDb), bp);
  }

  estimate(power: Float32Array, nFrames: number, nBins: number, sampleRate: number): { reductionDb: number; snrDb: number } {
    const layout = this.checkShape(power, nFrames, nBins, sampleRate);
    return estimateSnr(bandPower(power, nFrames, layout), nFrames, layout);
  }
}

/**
 * Input SNR from band power: per band, the noise floor is the 10th percentile of the frames' power
 * (speech is intermittent, noise is not), speech is the excess over that floor; bands are weighted
 * by their share of bins. The suggested attenuation limit grows as the SNR falls: 12 dB for clean
 * recordings (≥ 30 dB SNR), up to 30 dB for very noisy ones (≤ 0 dB), so quiet rooms are not
 * over-processed and loud noise is pushed well down.
 */
export function estimateSnr(bandPow: Float32Array, nFrames: number, layout: BandLayout): { reductionDb: number; snrDb: number } {
  const nb = layout.nBands;
  if (nFrames === 0) return { reductionDb: 12, snrDb: Infinity };
  const binsPerBand = new Float64Array(nb);
  for (let k = 0; k < layout.nBins; k++) {
    const b = layout.lower[k];
    if (b < 0) continue;
    binsPerBand[b] += layout.weight[k];
    binsPerBand[b + 1] += 1 - layout.weight[k];
  }
  let speech = 0, noise = 0;
  const col = new Float32Array(nFrames);
  for (let b = 0; b < nb; b++) {
    if (binsPerBand[b] === 0) continue;
    for (let t = 0; t < nFrames; t++) col[t] = bandPow[t * nb + b];
    col.sort();
    const floor = col[Math.floor(0.1 * (nFrames - 1))];
    let excess = 0;
    for (let t = 0; t < nFrames; t++) excess += Math.max(0, col[t] - floor);
    speech += binsPerBand[b] * excess;
    noise += binsPerBand[b] * floor * nFrames;
  }
  const snrDb = 10 * Math.log10((speech + POWER_FLOOR) / (noise + POWER_FLOOR));
  const reductionDb = Math.round(Math.min(30, Math.max(12, 30 - 0.6 * snrDb)));
  return { reductionDb, snrDb };
}

/** Reads model.json + weights.bin from `dir` (TF.js layers format) with our own file handler. */
export async function loadAudioDenoiser(dir: string): Promise<TfAudioDenoiser> {
  let json: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; userDefinedMetadata?: unknown; format?: string; generatedBy?: string; convertedBy?: string | null };
  try {
    json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as typeof json;
  } catch (e) {
    throw new HushError('internal', `cannot read the audio model in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const meta = json.userDefinedMetadata;
  if (!isAudioDaeMetadata(meta)) throw new HushError('internal', `${dir}/model.json is not a Hush audio DAE (metadata missing or wrong)`);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(await readFile(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData, userDefinedMetadata: meta as unknown as object }));
  return new TfAudioDenoiser(model, meta);
}
