// Training of the image DAE on ml-core's generic loop (ml/core/train.ts): random patches from the
// fixed training split, corrupted on the fly (ml/image/corruption.ts), MSE + L1/L2 weight penalty,
// SGD / momentum / Adam with warm-up + cosine or step decay, gradient clipping, data-parallel gradient
// workers, resumable checkpoints, JSON-lines log and PNG curves in checkpoints/<name>/.
//   npm run train -- image [--config ml/configs/image-dae.json] [--steps 4000 …]
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { buildImageDae, imageDaeCost, type ImageDaeConfig } from '../../main/engine/models/image-dae.ts';
import { loadLayersModelFromDir } from '../../main/engine/tf/file-io.ts';
import { train, type TrainResult } from '../core/train.ts';
import type { Rng as CoreRng } from '../core/rng.ts';
import { DEFAULT_CORRUPTION, type CorruptionConfig } from './corruption.ts';
import { ImageDataset, type Batch } from './dataset.ts';
import { Rng } from './rng.ts';

export interface ImageTrainConfig {
  readonly name: string;
  readonly model: ImageDaeConfig;
  readonly corruption: CorruptionConfig;
  readonly patchSize: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly optimizer: { readonly type: 'sgd' | 'momentum' | 'adam'; readonly lr: number; readonly momentum?: number; readonly beta1?: number; readonly beta2?: number };
  readonly schedule: { readonly kind: 'constant' | 'cosine' | 'step'; readonly warmupSteps: number; readonly minLr?: number; readonly stepEvery?: number; readonly stepGamma?: number };
  readonly loss?: 'mse' | 'l1' | 'charbonnier';
  /** Weight penalties λ1·Σ|w| + λ2·Σw² over conv kernels. */
  readonly l1: number;
  readonly l2: number;
  /** Global-norm gradient clipping (0 = off). */
  readonly clipNorm: number;
  readonly seed: number;
  readonly logEvery: number;
  readonly validateEvery: number;
  readonly checkpointEvery: number;
  /** Optional weights folder (model.json + weights.bin) to start from instead of a random init. */
  readonly init?: string;
  /** Stop after this many seconds (checkpointing first); the next call resumes. */
  readonly maxSeconds?: number;
  /** Extra data-parallel gradient workers besides the main thread (0 = single-threaded). */
  readonly workers?: number;
  /**
   * Balance noise levels in the loss: each patch's loss is weighted by (ref² + floor²)/(σ² + floor²),
   * σ being the level fed to the σ map (so a σ = ref patch weighs 1). Absent = plain mean.
   */
  readonly sigmaWeighting?: { readonly reference: number; readonly floor: number };
}

/** Per-patch loss weight for noise level σ (0–255 scale), see ImageTrainConfig.sigmaWeighting. */
export function sigmaLossWeight(sigma: number, w: { readonly reference: number; readonly floor: number }): number {
  return (w.reference ** 2 + w.floor ** 2) / (sigma ** 2 + w.floor ** 2);
}

export const DEFAULT_IMAGE_TRAIN: ImageTrainConfig = {
  name: 'image-dae',
  model: { c1: 32, c2: 64, n1: 2, nLatent: 2, seed: 1 },
  corruption: DEFAULT_CORRUPTION,
  patchSize: 64,
  batchSize: 16,
  steps: 4000,
  optimizer: { type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999 },
  schedule: { kind: 'cosine', warmupSteps: 100, minLr: 2e-5 },
  loss: 'mse',
  l1: 0,
  l2: 1e-9,
  clipNorm: 1,
  seed: 0,
  logEvery: 10,
  validateEvery: 200,
  checkpointEvery: 50,
  workers: 2,
};

/** PSNR (dB) of uint8-rounded model outputs on a validation batch, averaged over its images. */
export function validationPsnr(model: tf.LayersModel, b: Batch): number {
  return tf.tidy(() => {
    const x = tf.tensor4d(b.input, [b.n, b.size, b.size, 4]);
    const t = tf.tensor4d(b.target, [b.n, b.size, b.size, 3]);
    const y = (model.predict(x) as tf.Tensor).clipByValue(0, 1).mul(255).round().div(255);
    const mse = tf.squaredDifference(y, t).mean([1, 2, 3]);
    const psnr = tf.mul(10, tf.div(tf.log(tf.div(1, mse)), Math.LN10));
    return psnr.mean().dataSync()[0];
  });
}

const IMAGE_DAE_MODULE = fileURLToPath(new URL('../../main/engine/models/image-dae.ts', import.meta.url));

/** Train (or resume) the image DAE described by `config`. */
export async function trainImage(
  config: Partial<ImageTrainConfig> & { name: string },
  opts: { root?: string; print?: (s: string) => void } = {},
): Promise<TrainResult> {
  const cfg: ImageTrainConfig = { ...DEFAULT_IMAGE_TRAIN, ...config };
  const print = opts.print ?? ((s: string) => console.log(s));
  const backend = await initBackend();
  const ds = await ImageDataset.load();
  const valSets = [15, 25, 50].map((s) => ({ sigma: s, batch: ds.validationBatch(96, s) }));
  const model = cfg.init === undefined ? buildImageDae(cfg.model) : await loadLayersModelFromDir(cfg.init);
  const cost = imageDaeCost(model);
  print(`[${cfg.name}] backend ${backend.name} (simd ${String(backend.simd)}), ${cost.params} params, ${Math.round(cost.macPerPixel)} MAC/pixel`);

  const o = cfg.optimizer;
  const optimizer =
    o.type === 'adam'
      ? { type: 'adam' as const, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999 }
      : o.type === 'momentum'
        ? { type: 'momentum' as const, momentum: o.momentum ?? 0.9 }
        : { type: 'sgd' as const };
  const s = cfg.schedule;
  const schedule =
    s.kind === 'cosine'
      ? { kind: 'cosine' as const, warmupSteps: s.warmupSteps, totalSteps: cfg.steps, minLr: s.minLr ?? 0 }
      : s.kind === 'step'
        ? { kind: 'step' as const, warmupSteps: s.warmupSteps, every: s.stepEvery ?? 1000, gamma: s.stepGamma ?? 0.5, minLr: s.minLr ?? 0 }
        : { kind: 'constant' as const, warmupSteps: s.warmupSteps };

  const workers = (cfg.workers ?? 0) + 1;
  const result = await train({
    run: cfg.name,
    ...(opts.root === undefined ? {} : { root: opts.root }),
    model,
    // All randomness comes from the checkpointed core RNG: one seed per batch for our own Rng.
    batches: async (rng: CoreRng) => {
      const b = await ds.batch(cfg.batchSize, cfg.patchSize, cfg.corruption, new Rng(rng.seed()));
      const sw = cfg.sigmaWeighting;
      return {
        input: { data: b.input, shape: [b.n, b.size, b.size, 4] },
        target: { data: b.target, shape: [b.n, b.size, b.size, 3] },
        ...(sw === undefined ? {} : { weight: { data: Float32Array.from(b.corruptions, (c) => sigmaLossWeight(c.sigma, sw)), shape: [b.n] } }),
      };
    },
    steps: cfg.steps,
    loss: cfg.loss ?? 'mse',
    penalty: { l1: cfg.l1, l2: cfg.l2 },
    optimizer,
    lr: o.lr,
    schedule,
    clipNorm: cfg.clipNorm,
    seed: cfg.seed,
    validate: (m: tf.LayersModel) => Object.fromEntries(valSets.map((v) => [`val_psnr_s${v.sigma}`, validationPsnr(m, v.batch)])),
    validateEvery: cfg.validateEvery,
    best: { metric: 'val_psnr_s25', mode: 'max' },
    logEvery: cfg.logEvery,
    checkpointEvery: cfg.checkpointEvery,
    keepCheckpoints: 2,
    ...(cfg.maxSeconds === undefined ? {} : { maxSeconds: cfg.maxSeconds }),
    ...(workers > 1 ? { workers: { count: workers, setup: [IMAGE_DAE_MODULE] } } : {}),
    extra: { config: cfg, params: cost.params, macPerPixel: cost.macPerPixel },
    print,
  });
  return result;
}

/** `npx tsx ml/image/train-image.ts [config.json]` — the same as `npm run train -- image`. */
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { readFile } = await import('node:fs/promises');
  const file = process.argv[2] ?? 'ml/configs/image-dae.json';
  const config = JSON.parse(await readFile(file, 'utf8')) as Partial<ImageTrainConfig> & { name: string };
  console.log(JSON.stringify(await trainImage(config)));
}
