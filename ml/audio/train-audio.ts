// Training loop of the audio DAE: `npm run train -- audio [--config ml/configs/audio-dae.json]`.
// Deterministic (seeded data and init), resumable (checkpoints/<run>/latest), logs JSON lines to
// runs/<run>/log.jsonl, keeps the best model by validation SI-SDR in checkpoints/<run>/best.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { buildAudioDae, configOfModel, describeAudioDae, TIME_MULTIPLE, type AudioDaeConfig } from '../../main/engine/models/audio-dae.ts';
import { loadAudioDenoiser, type AudioDaeMetadata } from '../../main/engine/models/audio-denoiser.ts';
import { DEFAULT_BANDS, featureChannels, normaliseFeatures, type BandConfig } from '../../main/engine/models/audio-features.ts';
import { registerTrainingKernels } from '../core/wasm-grad-kernels.ts';
import { plotRunLog } from '../core/plot.ts';
import { readRunLog, type LogRecord } from '../core/run-log.ts';
import { BatchPrefetcher } from './batch-prefetch.ts';
import { ExampleMaker, featureStats, SpeechSampler, type Batch } from './batches.ts';
import { DEFAULT_CORRUPTION, DEFAULT_SPEECH_AUGMENT, Rng, type CorruptionConfig, type SpeechAugmentConfig } from './corrupt.ts';
import { loadSubset } from './dataset.ts';
import { enhanceWithModel } from './enhance.ts';
import { siSdr } from './metrics-basic.ts';
import { saveAudioDae } from './model-io.ts';

export interface AudioTrainConfig {
  readonly run: string;
  readonly seed: number;
  readonly rate: number;
  readonly hopSeconds: number;
  readonly bands: BandConfig;
  readonly model: AudioDaeConfig;
  readonly batch: number;
  readonly frames: number;
  readonly steps: number;
  readonly optimizer: { readonly kind: 'adam' | 'sgd' | 'momentum'; readonly lr: number; readonly momentum?: number; readonly beta1?: number; readonly beta2?: number };
  readonly schedule: { readonly warmup: number; readonly kind: 'cosine' | 'constant' | 'step'; readonly minLr: number; readonly stepEvery?: number; readonly stepGamma?: number };
  /** L2 (and optional L1) penalty on conv kernels. */
  readonly l2: number;
  readonly l1: number;
  readonly clipNorm: number;
  readonly compress: number;
  readonly levelDb: readonly [number, number];
  readonly corruption: CorruptionConfig;
  readonly speechAugment?: SpeechAugmentConfig;
  /** Half window (frames) of the minimum-statistics noise-floor input feature (0 = none). */
  readonly noiseFloorFrames?: number;
  readonly logEvery: number;
  readonly valEvery: number;
  readonly valItems: number;
  readonly valSeconds: number;
  /** Attenuation limit (dB) used when measuring validation SI-SDR. */
  readonly valAttenuationDb: number;
  /** On resume, forget the best validation score (after a change of the validation set). */
  readonly resetBest?: boolean;
}

export const DEFAULT_AUDIO_TRAIN: AudioTrainConfig = {
  run: 'audio-dae',
  seed: 1,
  rate: 16000,
  hopSeconds: 0.01,
  bands: DEFAULT_BANDS,
  model: { nBands: DEFAULT_BANDS.nBands, widths: [48, 64, 96], latentBlocks: 2, latentKernel: 5 },
  batch: 12,
  frames: 256,
  steps: 20000,
  optimizer: { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999 },
  schedule: { warmup: 200, kind: 'cosine', minLr: 3e-5 },
  l2: 1e-6,
  l1: 0,
  clipNorm: 5,
  compress: 0.3,
  levelDb: [-45, -12],
  corruption: DEFAULT_CORRUPTION,
  speechAugment: DEFAULT_SPEECH_AUGMENT,
  logEvery: 20,
  valEvery: 250,
  valItems: 48,
  valSeconds: 4,
  valAttenuationDb: 100,
};

export function learningRate(cfg: AudioTrainConfig, step: number): number {
  const { lr } = cfg.optimizer;
  const s = cfg.schedule;
  if (step < s.warmup) return (lr * (step + 1)) / s.warmup;
  if (s.kind === 'constant') return lr;
  if (s.kind === 'step') return Math.max(s.minLr, lr * (s.stepGamma ?? 0.5) ** Math.floor((step - s.warmup) / (s.stepEvery ?? 5000)));
  const p = Math.min(1, (step - s.warmup) / Math.max(1, cfg.steps - s.warmup));
  return s.minLr + 0.5 * (lr - s.minLr) * (1 + Math.cos(Math.PI * p));
}

function makeOptimizer(cfg: AudioTrainConfig): tf.Optimizer {
  const o = cfg.optimizer;
  if (o.kind === 'adam') return tf.train.adam(o.lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999);
  if (o.kind === 'momentum') return tf.train.momentum(o.lr, o.momentum ?? 0.9);
  return tf.train.sgd(o.lr);
}

function setLr(opt: tf.Optimizer, lr: number): void {
  // tfjs optimisers read this field on every update; it is only TS-protected.
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

/** Compressed band-power reconstruction loss: mean((g^{2c}·|Y|^{2c} − |S|^{2c})²). */
export function reconstructionLoss(g: tf.Tensor, noisyC: tf.Tensor, cleanC: tf.Tensor, compress: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(tf.mul(tf.pow(tf.add(g, 1e-6), 2 * compress), noisyC), cleanC))) as tf.Scalar);
}

function penalty(model: tf.LayersModel, l2: number, l1: number): tf.Scalar {
  return tf.tidy(() => {
    let p = tf.scalar(0);
    for (const w of model.trainableWeights) {
      if (!w.name.includes('kernel')) continue;
      const v = w.read();
      if (l2 > 0) p = tf.add(p, tf.mul(l2, tf.sum(tf.square(v))));
      if (l1 > 0) p = tf.add(p, tf.mul(l1, tf.sum(tf.abs(v))));
    }
    return p as tf.Scalar;
  });
}

interface CheckpointState {
  step: number;
  rngState: number;
  bestValSiSdr: number;
  optimizerWeights: { name: string; shape: number[] }[];
}

async function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(data, null, 1));
  await rename(`${file}.tmp`, file);
}

async function saveCheckpoint(dir: string, model: tf.LayersModel, meta: AudioDaeMetadata, opt: tf.Optimizer, state: Omit<CheckpointState, 'optimizerWeights'>): Promise<void> {
  const tmp = `${dir}.tmp`;
  await mkdir(tmp, { recursive: true });
  await saveAudioDae(model, meta, tmp);
  const ow = await opt.getWeights();
  const arrays = await Promise.all(ow.map((w) => w.tensor.data() as Promise<Float32Array>));
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const a of arrays) {
    buf.set(a, off);
    off += a.length;
  }
  await writeFile(path.join(tmp, 'optimizer.bin'), new Uint8Array(buf.buffer));
  await writeJsonAtomic(path.join(tmp, 'state.json'), { ...state, optimizerWeights: ow.map((w) => ({ name: w.name, shape: w.tensor.shape })) });
  // swap in: dir → dir.old, tmp → dir, drop dir.old (a crash in between leaves one complete copy)
  const old = `${dir}.old`;
  await rm(old, { recursive: true, force: true });
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

async function loadCheckpoint(dir: string, opt: tf.Optimizer): Promise<{ model: tf.LayersModel; meta: AudioDaeMetadata; state: CheckpointState }> {
  const d = await loadAudioDenoiser(dir);
  const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as CheckpointState;
  const raw = await readFile(path.join(dir, 'optimizer.bin'));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  let off = 0;
  const named: { name: string; tensor: tf.Tensor }[] = state.optimizerWeights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(all.subarray(off, off + n), w.shape);
    off += n;
    return { name: w.name, tensor: t };
  });
  await opt.setWeights(named);
  return { model: d.model, meta: d.meta, state };
}

/** PNG of training loss and validation loss / SI-SDR (ml/core's plotter), from the JSONL log. */
export async function plotCurves(logFile: string, png: string): Promise<void> {
  const keep = ['step', 'loss', 'valLoss', 'valSiSdr', 'noisySiSdr'];
  const records = (await readRunLog(logFile)).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => keep.includes(k))) as LogRecord);
  await plotRunLog(records, png, { title: 'audio-dae' });
}

function parseArgs(argv: readonly string[]): { configPath?: string; overrides: Record<string, string> } {
  const overrides: Record<string, string> = {};
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config') configPath = argv[++i];
    else if (a.startsWith('--')) {
      const [k, v] = a.includes('=') ? a.slice(2).split('=', 2) : [a.slice(2), argv[++i]];
      overrides[k] = v;
    }
  }
  return { configPath, overrides };
}

/** Applies `--a.b=value` overrides (numbers parsed; JSON for arrays/objects). */
function applyOverrides(cfg: AudioTrainConfig, overrides: Record<string, string>): AudioTrainConfig {
  const out = structuredClone(cfg) as unknown as Record<string, unknown>;
  for (const [key, raw] of Object.entries(overrides)) {
    const parts = key.split('.');
    let o = out;
    for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
    let v: unknown = raw;
    try {
      v = JSON.parse(raw);
    } catch {
      /* plain string */
    }
    o[parts[parts.length - 1]] = v;
  }
  return out as unknown as AudioTrainConfig;
}

export async function loadAudioTrainConfig(configPath?: string, overrides: Record<string, string> = {}): Promise<AudioTrainConfig> {
  let cfg = DEFAULT_AUDIO_TRAIN;
  if (configPath) cfg = { ...cfg, ...(JSON.parse(await readFile(configPath, 'utf8')) as Partial<AudioTrainConfig>) };
  return applyOverrides(cfg, overrides);
}

export interface TrainAudioResult {
  readonly steps: number;
  readonly bestValSiSdr: number;
  readonly bestDir: string;
}

/**
 * Trains (or resumes) the audio DAE. `config` may be a full config or CLI-style args
 * (`['--config', 'ml/configs/audio-dae.json', '--steps', '100']`).
 */
export async function trainAudio(config: AudioTrainConfig | readonly string[] = [], opts: { root?: string; log?: (line: string) => void } = {}): Promise<TrainAudioResult> {
  const cfg: AudioTrainConfig = Array.isArray(config)
    ? await (async () => {
        const a = parseArgs(config);
        return loadAudioTrainConfig(a.configPath, a.overrides);
      })()
    : { ...DEFAULT_AUDIO_TRAIN, ...(config as Partial<AudioTrainConfig>) };
  const root = opts.root ?? process.cwd();
  const say = opts.log ?? ((l: string) => console.log(l));
  const backend = await initBackend({ prefer: 'wasm' });
  registerTrainingKernels();
  say(`backend ${backend.name}${backend.simd ? ' (SIMD)' : ''}, threads ${backend.threads}`);

  const ckptDir = path.join(root, 'checkpoints', cfg.run);
  const runDir = path.join(root, 'runs', cfg.run);
  await mkdir(ckptDir, { recursive: true });
  await mkdir(runDir, { recursive: true });
  const logFile = path.join(runDir, 'log.jsonl');
  const log = async (o: object) => appendFile(logFile, JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');
  await writeJsonAtomic(path.join(runDir, 'config.json'), cfg);

  say('loading audio …');
  const t0 = performance.now();
  const train = await loadSubset('train', cfg.rate);
  const val = await loadSubset('val', cfg.rate);
  say(`loaded ${train.speech.length} train speech clips, ${train.noise.length} noises; ${val.speech.length}/${val.noise.length} val (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const maker = new ExampleMaker({ rate: cfg.rate, hopSeconds: cfg.hopSeconds, frames: cfg.frames, bands: cfg.bands, levelDb: cfg.levelDb, compress: cfg.compress, corruption: cfg.corruption, speechAugment: cfg.speechAugment, noiseFloorFrames: cfg.noiseFloorFrames ?? 0 });
  // validation mixtures are never augmented, and keep to the evaluated SNR range (no near-clean extras)
  const valMaker = new ExampleMaker({ ...maker.cfg, speechAugment: undefined, corruption: { ...maker.cfg.corruption, highSnrProbability: 0 } });
  const speech = new SpeechSampler(train.speech);
  const valSpeech = new SpeechSampler(val.speech);

  // Fixed validation mixtures (own seed), and feature statistics from fixed training batches.
  const valRng = new Rng(cfg.seed * 7919 + 17);
  const valFrames = Math.round(cfg.valSeconds / cfg.hopSeconds);
  const valBatch = valMaker.batch(cfg.valItems, valSpeech, val.noise, valRng, valFrames);
  const opt = makeOptimizer(cfg);
  const latest = path.join(ckptDir, 'latest');
  let model: tf.LayersModel;
  let meta: AudioDaeMetadata;
  let step = 0;
  let bestValSiSdr = -Infinity;
  const rng = new Rng(cfg.seed);
  if (existsSync(path.join(latest, 'state.json'))) {
    const c = await loadCheckpoint(latest, opt);
    model = c.model;
    meta = c.meta;
    step = c.state.step;
    rng.state = c.state.rngState;
    // --resetBest true: the validation set changed, earlier scores are not comparable
    bestValSiSdr = cfg.resetBest ? -Infinity : c.state.bestValSiSdr;
    say(`resumed from step ${step} (best val SI-SDR ${bestValSiSdr.toFixed(2)} dB)`);
  } else {
    const statRng = new Rng(cfg.seed * 31 + 5);
    const stats = featureStats(Array.from({ length: 8 }, () => maker.batch(cfg.batch, speech, train.noise, statRng)));
    meta = { format: 'hush-audio-dae', version: 1, hopSeconds: cfg.hopSeconds, bands: cfg.bands, featureMean: stats.mean, featureStd: stats.std, noiseFloorFrames: cfg.noiseFloorFrames ?? 0, trainRate: cfg.rate, steps: 0, trainedOn: 'ml/audio/SPLIT.md train subset' };
    model = buildAudioDae({ ...cfg.model, nInputs: featureChannels(cfg.bands.nBands, cfg.noiseFloorFrames ?? 0) }, cfg.seed);
  }
  const info = describeAudioDae(configOfModel(model));
  say(`model: ${model.countParams()} params, ${(info.macsPerFrame / 1e3).toFixed(0)} k MAC/frame, ${((info.macsPerFrame * TIME_MULTIPLE) / cfg.hopSeconds / 1e9).toFixed(3)} GMAC/s of audio (×${TIME_MULTIPLE} cycle spinning)`);

  const nb = cfg.bands.nBands;
  const nIn = featureChannels(nb, meta.noiseFloorFrames ?? 0);
  const toTensors = (b: Pick<Batch, 'size' | 'frames' | 'features' | 'noisyC' | 'cleanC'>) => {
    const feats = normaliseFeatures(b.features.slice(), nIn, meta.featureMean, meta.featureStd);
    const shape: [number, number, number] = [b.size, b.frames, nb];
    return { x: tf.tensor3d(feats, [b.size, b.frames, nIn]), a: tf.tensor3d(b.noisyC, shape), c: tf.tensor3d(b.cleanC, shape) };
  };

  const validate = async () => {
    const v = toTensors(valBatch);
    const vl = tf.tidy(() => reconstructionLoss(model.predict(v.x) as tf.Tensor, v.a, v.c, cfg.compress).dataSync()[0]);
    tf.dispose([v.x, v.a, v.c]);
    let sum = 0, sumNoisy = 0;
    for (let i = 0; i < valBatch.size; i++) {
      const y = await enhanceWithModel(model, meta, valBatch.noisy[i], cfg.rate, cfg.valAttenuationDb);
      sum += siSdr(valBatch.clean[i], y);
      sumNoisy += siSdr(valBatch.clean[i], valBatch.noisy[i]);
    }
    return { valLoss: vl, valSiSdr: sum / valBatch.size, noisySiSdr: sumNoisy / valBatch.size };
  };

  // Training batches come from a worker thread (batch k seeded by (seed, k): resumable).
  const prefetch = new BatchPrefetcher({ example: maker.cfg, batch: cfg.batch, seed: cfg.seed });
  const bestDir = path.join(ckptDir, 'best');
  let tLast = performance.now();
  let lossAcc = 0, lossN = 0;
  let dataMs = 0, stepMs = 0;
  while (step < cfg.steps) {
    const lr = learningRate(cfg, step);
    setLr(opt, lr);
    const td = performance.now();
    const m = await prefetch.get(step, cfg.steps);
    const { x, a, c } = toTensors({ size: cfg.batch, frames: cfg.frames, features: m.features, noisyC: m.noisyC, cleanC: m.cleanC });
    const ts = performance.now();
    dataMs += ts - td;
    const { value, grads } = tf.variableGrads(() => {
      const g = model.apply(x, { training: true }) as tf.Tensor;
      return tf.add(reconstructionLoss(g, a, c, cfg.compress), penalty(model, cfg.l2, cfg.l1)) as tf.Scalar;
    });
    // global-norm gradient clipping
    const names = Object.keys(grads);
    const norm = Math.sqrt(tf.tidy(() => tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))).dataSync()[0]));
    const clipped: Record<string, tf.Tensor> = {};
    const scale = cfg.clipNorm > 0 && norm > cfg.clipNorm ? cfg.clipNorm / norm : 1;
    for (const n of names) clipped[n] = scale === 1 ? grads[n] : tf.mul(grads[n], scale);
    opt.applyGradients(clipped as tf.NamedTensorMap);
    const lossValue = value.dataSync()[0];
    tf.dispose([x, a, c, value, ...Object.values(grads), ...(scale === 1 ? [] : Object.values(clipped))]);
    stepMs += performance.now() - ts;
    if (!Number.isFinite(lossValue)) throw new Error(`loss became ${lossValue} at step ${step}`);
    lossAcc += lossValue;
    lossN++;
    step++;
    if (step % cfg.logEvery === 0) {
      const now = performance.now();
      const sps = cfg.logEvery / ((now - tLast) / 1000);
      tLast = now;
      const rec = { step, loss: lossAcc / lossN, lr, gradNorm: norm, stepsPerSec: sps, dataMsPerStep: dataMs / lossN, computeMsPerStep: stepMs / lossN, tensors: tf.memory().numTensors };
      await log(rec);
      say(`step ${step} loss ${rec.loss.toFixed(5)} lr ${lr.toExponential(2)} |g| ${norm.toFixed(2)} ${sps.toFixed(2)} steps/s (data ${rec.dataMsPerStep.toFixed(0)} ms, compute ${rec.computeMsPerStep.toFixed(0)} ms)`);
      lossAcc = lossN = dataMs = stepMs = 0;
    }
    if (step % cfg.valEvery === 0 || step === cfg.steps) {
      const v = await validate();
      const improved = v.valSiSdr > bestValSiSdr;
      await log({ step, ...v, best: improved });
      say(`val @${step}: loss ${v.valLoss.toFixed(5)} SI-SDR ${v.valSiSdr.toFixed(2)} dB (noisy ${v.noisySiSdr.toFixed(2)})${improved ? ' ★' : ''}`);
      meta = { ...meta, steps: step };
      if (improved) {
        bestValSiSdr = v.valSiSdr;
        await saveCheckpoint(bestDir, model, meta, opt, { step, rngState: rng.state, bestValSiSdr });
      }
      await saveCheckpoint(latest, model, meta, opt, { step, rngState: rng.state, bestValSiSdr });
      await plotCurves(logFile, path.join(runDir, 'curves.png')).catch((e: Error) => say(`(plot failed: ${e.message})`));
      tLast = performance.now();
    }
  }
  await prefetch.close();
  return { steps: step, bestValSiSdr, bestDir };
}

// `npx tsx ml/audio/train-audio.ts [--config …] [--key value …]`
if (import.meta.url === `file://${process.argv[1]}`) {
  trainAudio(process.argv.slice(2)).then(
    (r) => console.log(`done: ${r.steps} steps, best val SI-SDR ${r.bestValSiSdr.toFixed(2)} dB → ${r.bestDir}`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
