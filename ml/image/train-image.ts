// Training loop of the image DAE: random patches from the fixed training split, corrupted on the fly
// (ml/image/corruption.ts), MSE + L1/L2 weight penalty, Adam/SGD/momentum with warm-up + cosine or
// step decay and gradient clipping; resumable checkpoints in checkpoints/<name>/, a JSON-lines log
// and validation PSNR in runs/<name>.jsonl.
import * as tf from '@tensorflow/tfjs';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { registerTrainingKernels } from '../core/wasm-grad-kernels.ts';
import { buildImageDae, imageDaeCost, type ImageDaeConfig } from '../../main/engine/models/image-dae.ts';
import { DEFAULT_CORRUPTION, type CorruptionConfig } from './corruption.ts';
import { ImageDataset, type Batch } from './dataset.ts';
import { Worker } from 'node:worker_threads';
import { shardGradients, type ShardRequest, type ShardResult } from './shard.ts';
import { loadModelDir, loadTensors, saveModelDir, saveTensors } from './snapshot.ts';

export interface ImageTrainConfig {
  readonly name: string;
  readonly model: ImageDaeConfig;
  readonly corruption: CorruptionConfig;
  readonly patchSize: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly optimizer: { readonly type: 'sgd' | 'momentum' | 'adam'; readonly lr: number; readonly momentum?: number; readonly beta1?: number; readonly beta2?: number };
  readonly schedule: { readonly kind: 'constant' | 'cosine' | 'step'; readonly warmupSteps: number; readonly minLr?: number; readonly stepEvery?: number; readonly stepGamma?: number };
  /** Weight penalties λ1·Σ|w| + λ2·Σw² over conv kernels. */
  readonly l1: number;
  readonly l2: number;
  /** Global-norm gradient clipping (0 = off). */
  readonly clipNorm: number;
  readonly seed: number;
  readonly logEvery: number;
  readonly validateEvery: number;
  readonly checkpointEvery: number;
  /** Optional weights folder (model.json + weights.bin) to start from instead of random init. */
  readonly init?: string;
  /** Stop after this many seconds (checkpointing first); the run resumes where it stopped. */
  readonly maxSeconds?: number;
  /**
   * Extra data-parallel gradient workers (worker_threads, each with its own wasm backend). The batch
   * is split into workers + 1 shards, one computed on the main thread. 0 = single-threaded.
   */
  readonly workers?: number;
}

export const DEFAULT_IMAGE_TRAIN: ImageTrainConfig = {
  name: 'image-dae',
  model: { c1: 32, c2: 64, n1: 2, nLatent: 2, seed: 1 },
  corruption: DEFAULT_CORRUPTION,
  patchSize: 64,
  batchSize: 16,
  steps: 6000,
  optimizer: { type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999 },
  schedule: { kind: 'cosine', warmupSteps: 100, minLr: 2e-5 },
  l1: 0,
  l2: 1e-6,
  clipNorm: 1,
  seed: 0,
  logEvery: 10,
  validateEvery: 200,
  checkpointEvery: 50,
  workers: 0,
};

export function learningRate(cfg: ImageTrainConfig, step: number): number {
  const { lr } = cfg.optimizer;
  const s = cfg.schedule;
  if (step < s.warmupSteps) return (lr * (step + 1)) / s.warmupSteps;
  const min = s.minLr ?? 0;
  if (s.kind === 'cosine') {
    const t = Math.min(1, (step - s.warmupSteps) / Math.max(1, cfg.steps - s.warmupSteps));
    return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * t));
  }
  if (s.kind === 'step') return Math.max(min, lr * (s.stepGamma ?? 0.5) ** Math.floor(step / (s.stepEvery ?? 1000)));
  return lr;
}

function makeOptimizer(cfg: ImageTrainConfig): tf.Optimizer {
  const o = cfg.optimizer;
  if (o.type === 'adam') return tf.train.adam(o.lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, 1e-8);
  if (o.type === 'momentum') return tf.train.momentum(o.lr, o.momentum ?? 0.9);
  return tf.train.sgd(o.lr);
}

function setLr(opt: tf.Optimizer, lr: number): void {
  // SGD/momentum cache −lr in a scalar (setLearningRate refreshes it); Adam reads the field per step.
  const o = opt as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** PSNR (dB, peak 1) of model outputs on a validation batch, averaged over its images. */
export function validationPsnr(model: tf.LayersModel, b: Batch): number {
  return tf.tidy(() => {
    const x = tf.tensor4d(b.input, [b.n, b.size, b.size, 4]);
    const t = tf.tensor4d(b.target, [b.n, b.size, b.size, 3]);
    const y = (model.predict(x) as tf.Tensor).clipByValue(0, 1).mul(255).round().div(255);
    const mse = tf.squaredDifference(y, t).mean([1, 2, 3]);
    const psnr = tf.scalar(10).mul(tf.log(tf.div(1, mse)).div(Math.LN10));
    return psnr.mean().dataSync()[0];
  });
}

/** Split a batch of n into k near-equal shards (first shards take the remainder). */
export function shardSizes(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

interface GradWorker {
  run(req: ShardRequest): Promise<ShardResult>;
  stop(): Promise<void>;
}

/** Start cfg.workers gradient workers and wait until each has loaded its data. */
async function startWorkers(cfg: ImageTrainConfig): Promise<GradWorker[]> {
  const n = cfg.workers ?? 0;
  const url = new URL('./grad-worker.ts', import.meta.url);
  const data = { model: cfg.model, corruption: cfg.corruption, patchSize: cfg.patchSize, l1: cfg.l1, l2: cfg.l2 };
  return Promise.all(
    Array.from({ length: n }, async () => {
      // Workers do not inherit tsx's loader hooks: a tiny bootstrap registers them, then imports.
      const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
      const w = new Worker(boot, { eval: true, workerData: data });
      let waiting: { resolve: (r: ShardResult) => void; reject: (e: unknown) => void } | undefined;
      let failure: unknown;
      w.on('error', (e) => {
        failure = e;
        waiting?.reject(e);
      });
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      w.on('message', (r: ShardResult) => {
        const p = waiting;
        waiting = undefined;
        p?.resolve(r);
      });
      return {
        run(req: ShardRequest): Promise<ShardResult> {
          if (failure !== undefined) return Promise.reject(failure);
          return new Promise<ShardResult>((resolve, reject) => {
            waiting = { resolve, reject };
            w.postMessage(req, req.weights.map((a) => a.buffer as ArrayBuffer));
          });
        },
        async stop(): Promise<void> {
          w.postMessage({ exit: true });
          await w.terminate();
        },
      };
    }),
  );
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

interface TrainState {
  step: number;
  /** Training seconds summed over sessions. */
  seconds: number;
}

export interface TrainResult {
  readonly steps: number;
  readonly lastLoss: number;
  readonly validation: Record<string, number>;
  readonly checkpointDir: string;
}

/** Train (or resume) the image DAE described by `config`. */
export async function trainImage(config: Partial<ImageTrainConfig> & { name: string }, opts: { root?: string; log?: (s: string) => void } = {}): Promise<TrainResult> {
  const cfg: ImageTrainConfig = { ...DEFAULT_IMAGE_TRAIN, ...config };
  const root = opts.root ?? process.cwd();
  const log = opts.log ?? ((s: string) => console.log(s));
  const backend = await initBackend();
  registerTrainingKernels();
  const ckptDir = path.join(root, 'checkpoints', cfg.name);
  const runsDir = path.join(root, 'runs');
  await mkdir(ckptDir, { recursive: true });
  await mkdir(runsDir, { recursive: true });
  const logFile = path.join(runsDir, `${cfg.name}.jsonl`);

  const ds = await ImageDataset.load();
  const valSets = [15, 25, 50].map((s) => ({ sigma: s, batch: ds.validationBatch(96, s) }));

  let model: tf.LayersModel;
  const opt = makeOptimizer(cfg);
  let state: TrainState = { step: 0, seconds: 0 };
  const resumeModel = path.join(ckptDir, 'model');
  if (await exists(path.join(resumeModel, 'model.json'))) {
    model = await loadModelDir(resumeModel);
    state = JSON.parse(await readFile(path.join(ckptDir, 'state.json'), 'utf8')) as TrainState;
    if (await exists(path.join(ckptDir, 'optimizer.json'))) {
      // Slots are matched to variables by order, which is the model's (stable) weight order.
      const saved = await loadTensors(path.join(ckptDir, 'optimizer'));
      await opt.setWeights(saved);
    }
    log(`resumed ${cfg.name} at step ${state.step}`);
  } else {
    model = cfg.init === undefined ? buildImageDae(cfg.model) : await loadModelDir(cfg.init);
    await appendFile(logFile, JSON.stringify({ event: 'start', config: cfg, backend, cost: imageDaeCost(model), time: new Date().toISOString() }) + '\n');
  }
  const cost = imageDaeCost(model);
  log(`backend ${backend.name} (simd ${String(backend.simd)}), params ${cost.params}, ${Math.round(cost.macPerPixel)} MAC/pixel`);

  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let lastLoss = NaN;
  let lossAcc = 0;
  let lossN = 0;
  const t0 = performance.now();
  const startStep = state.step;
  let tLast = t0;
  let tLog = t0;
  let validation: Record<string, number> = {};

  const checkpoint = async (): Promise<void> => {
    state.seconds += (performance.now() - tLast) / 1000;
    tLast = performance.now();
    await saveModelDir(model, resumeModel, { step: state.step });
    await saveTensors(await opt.getWeights(), path.join(ckptDir, 'optimizer'));
    await writeFile(path.join(ckptDir, 'state.json'), JSON.stringify(state));
  };
  const validate = async (): Promise<void> => {
    validation = {};
    for (const v of valSets) validation[`val_psnr_s${v.sigma}`] = validationPsnr(model, v.batch);
    await appendFile(logFile, JSON.stringify({ step: state.step, ...validation, time: new Date().toISOString() }) + '\n');
    log(`step ${state.step} validation ${Object.entries(validation).map(([k, v]) => `${k}=${v.toFixed(2)}`).join(' ')}`);
  };

  if (state.step === 0) await validate();
  const pool = await startWorkers(cfg);
  const shards = shardSizes(cfg.batchSize, pool.length + 1);
  try {
    while (state.step < cfg.steps) {
      const lr = learningRate(cfg, state.step);
      setLr(opt, lr);
      // Each shard draws from an Rng seeded by (seed, step, shard): resuming reproduces the batches.
      const seedOf = (k: number): number => (cfg.seed * 1_000_003 + state.step * 7919 + k * 104_729) >>> 0;
      const weights = pool.length === 0 ? [] : await Promise.all(trainable.map(async (v) => (await v.data()) as Float32Array));
      const pending = pool.map((w, k) => w.run({ weights: weights.map((x) => new Float32Array(x)), seed: seedOf(k + 1), n: shards[k + 1] }));
      const local = await shardGradients(model, ds, cfg, { seed: seedOf(0), n: shards[0] });
      const results = [local, ...(await Promise.all(pending))];
      lastLoss = results.reduce((acc, r) => acc + r.loss * r.n, 0) / cfg.batchSize;
      tf.tidy(() => {
        let named: tf.NamedTensorMap = {};
        trainable.forEach((v, i) => {
          const sum = new Float32Array(v.size);
          for (const r of results) {
            const g = r.grads[i];
            for (let j = 0; j < sum.length; j++) sum[j] += g[j] * r.n;
          }
          for (let j = 0; j < sum.length; j++) sum[j] /= cfg.batchSize;
          named[v.name] = tf.tensor(sum, v.shape);
        });
        if (cfg.clipNorm > 0) {
          const norm = tf.sqrt(tf.addN(Object.values(named).map((g) => tf.sum(tf.square(g)))));
          const scale = tf.minimum(1, tf.div(cfg.clipNorm, tf.maximum(norm, 1e-12)));
          named = Object.fromEntries(Object.entries(named).map(([k, g]) => [k, tf.mul(g, scale)]));
        }
        opt.applyGradients(named);
      });
      lossAcc += lastLoss;
      lossN++;
      state.step++;
      if (state.step % cfg.logEvery === 0) {
        const elapsed = (performance.now() - t0) / 1000;
        const rec = { step: state.step, loss: lossAcc / lossN, lr, stepsPerSec: lossN / ((performance.now() - tLog) / 1000 + 1e-9), elapsed, time: new Date().toISOString() };
        await appendFile(logFile, JSON.stringify(rec) + '\n');
        log(`step ${state.step} loss ${(lossAcc / lossN).toExponential(3)} lr ${lr.toExponential(2)} ${((state.step - startStep) / Math.max(elapsed, 1e-9)).toFixed(3)} steps/s`);
        lossAcc = 0;
        lossN = 0;
        tLog = performance.now();
      }
      if (state.step % cfg.validateEvery === 0) await validate();
      if (state.step % cfg.checkpointEvery === 0) await checkpoint();
      if (cfg.maxSeconds !== undefined && (performance.now() - t0) / 1000 > cfg.maxSeconds) break;
    }
  } finally {
    for (const w of pool) await w.stop();
  }
  await checkpoint();
  return { steps: state.step, lastLoss, validation, checkpointDir: ckptDir };
}

/** `npx tsx ml/image/train-image.ts <config.json>` — the same as `npm run train -- image`. */
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const file = process.argv[2] ?? 'ml/configs/image-dae.json';
  const config = JSON.parse(await readFile(file, 'utf8')) as Partial<ImageTrainConfig> & { name: string };
  const r = await trainImage(config);
  console.log(JSON.stringify(r));
}
