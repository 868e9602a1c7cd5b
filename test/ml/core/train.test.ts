import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { train, type Batch, type BatchProvider } from '../../../ml/core/train.ts';
import { GradientWorkerPool } from '../../../ml/core/grad-workers.ts';
import { Rng } from '../../../ml/core/rng.ts';
import { createOptimizer } from '../../../ml/core/optimizers.ts';
import { listCheckpoints, restoreCheckpoint } from '../../../ml/core/checkpoint.ts';
import { readRunLog } from '../../../ml/core/run-log.ts';
import { crops, denoisingBatches, loadPhotos, type Photo } from './real-patches.ts';

let photos: Photo[];
let valPhotos: Photo[];
beforeAll(async () => {
  const info = await initBackend();
  expect(info.name).toBe('wasm');
  const all = await loadPhotos(10);
  photos = all.slice(0, 8);
  valPhotos = all.slice(8);
});

/** A tiny residual DAE: 3 convs (strided encoder, transposed-conv decoder), output = input + residual. */
function tinyDae(width = 16): tf.LayersModel {
  const he = (seed: number) => tf.initializers.heNormal({ seed });
  const input = tf.input({ shape: [null, null, 3] as unknown as number[] });
  const e = tf.layers.conv2d({ filters: width, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he(1) }).apply(input) as tf.SymbolicTensor;
  const d = tf.layers.conv2d({ filters: width, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: he(2) }).apply(e) as tf.SymbolicTensor;
  const u = tf.layers.conv2dTranspose({ filters: width, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: he(3) }).apply(d) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate().apply([u, e]) as tf.SymbolicTensor;
  const r = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.zeros() }).apply(cat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.add().apply([input, r]) as tf.SymbolicTensor });
}

function psnr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const mse = tf.mean(tf.squaredDifference(tf.clipByValue(a, 0, 1), b)).dataSync()[0];
    return 10 * Math.log10(1 / mse);
  });
}

async function weightsOf(m: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(m.getWeights().map((w) => w.data() as Promise<Float32Array>));
}

const root = () => mkdtempSync(path.join(os.tmpdir(), 'hush-train-'));

describe('train()', () => {
  it('denoises real photos better after a short run: loss falls, validation PSNR beats the noisy input', async () => {
    const dir = root();
    const model = tinyDae();
    const valClean = tf.tensor4d(crops(valPhotos, new Rng(1), 8, 32), [8, 32, 32, 3]);
    const noiseRng = new Rng(2);
    const valNoisy = tf.tidy(() => tf.add(valClean, tf.mul(tf.tensor4d(noiseRng.fillNormal(new Float32Array(valClean.size)), valClean.shape as [number, number, number, number]), 25 / 255)));
    const noisyPsnr = psnr(valNoisy, valClean);
    const result = await train({
      run: 'tiny',
      root: dir,
      model,
      batches: denoisingBatches(photos, 4, 24, 25),
      steps: 60,
      lr: 3e-3,
      optimizer: { type: 'adam' },
      schedule: { kind: 'cosine', warmupSteps: 5, totalSteps: 60, minLr: 3e-4 },
      loss: 'mse',
      penalty: { l2: 1e-6 },
      clipNorm: 1,
      seed: 7,
      logEvery: 10,
      validateEvery: 30,
      validate: (m) => ({ val_psnr: tf.tidy(() => psnr(m.predict(valNoisy) as tf.Tensor, valClean)) }),
      best: { metric: 'val_psnr', mode: 'max' },
      checkpointEvery: 20,
      print: () => {},
    });
    expect(result.step).toBe(60);
    const log = await readRunLog(path.join(dir, 'checkpoints', 'tiny', 'log.jsonl'));
    const losses = log.filter((r) => typeof r.loss === 'number').map((r) => r.loss as number);
    expect(losses.length).toBe(6);
    expect(losses[5]).toBeLessThan(0.6 * losses[0]);
    const vals = log.filter((r) => typeof r.val_psnr === 'number').map((r) => r.val_psnr as number);
    expect(vals.length).toBe(3); // steps 0, 30, 60
    expect(vals[2]).toBeGreaterThan(noisyPsnr + 1.5);
    expect(vals[2]).toBeGreaterThan(vals[0]);
    const runDir = path.join(dir, 'checkpoints', 'tiny');
    expect((await listCheckpoints(runDir)).map((c) => c.step)).toEqual([20, 40, 60]);
    expect(existsSync(path.join(runDir, 'best', 'model', 'model.json'))).toBe(true);
    const png = await sharp(path.join(runDir, 'curves.png')).metadata();
    expect(png.format).toBe('png');
  });

  it('resumes from a checkpoint exactly: 6 + 6 steps equal 12 uninterrupted steps', async () => {
    const common = {
      batches: denoisingBatches(photos, 2, 16, 25),
      lr: 2e-3,
      optimizer: { type: 'momentum', momentum: 0.9 } as const,
      schedule: { kind: 'step', every: 4, gamma: 0.7 } as const,
      loss: 'charbonnier' as const,
      penalty: { l1: 1e-6 },
      seed: 3,
      logEvery: 2,
      checkpointEvery: 3,
      print: () => {},
    };
    const a = root();
    const straight = tinyDae(8);
    await train({ ...common, run: 'r', root: a, model: straight, steps: 12 });

    const b = root();
    const first = tinyDae(8);
    await train({ ...common, run: 'r', root: b, model: first, steps: 6 });
    const resumed = tinyDae(8); // a fresh process would build a fresh model
    const res = await train({ ...common, run: 'r', root: b, model: resumed, steps: 12 });
    expect(res.startStep).toBe(6);

    const wa = await weightsOf(straight);
    const wb = await weightsOf(resumed);
    wa.forEach((w, i) => expect(Array.from(wb[i])).toEqual(Array.from(w)));
    const la = await readRunLog(path.join(a, 'checkpoints', 'r', 'log.jsonl'));
    const lb = await readRunLog(path.join(b, 'checkpoints', 'r', 'log.jsonl'));
    expect(lb.map((r) => r.step)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(lb.map((r) => r.loss)).toEqual(la.map((r) => r.loss));
  });

  it('data-parallel gradient workers give the same training as one thread', async () => {
    const common = {
      batches: denoisingBatches(photos, 4, 16, 25),
      steps: 3,
      lr: 1e-3,
      seed: 5,
      logEvery: 1,
      penalty: { l2: 1e-4 },
      print: () => {},
    };
    const one = tinyDae(8);
    const dirOne = root();
    await train({ ...common, run: 'w1', root: dirOne, model: one });
    const two = tinyDae(8);
    const dirTwo = root();
    await train({ ...common, run: 'w2', root: dirTwo, model: two, workers: { count: 2 } });
    const w1 = await weightsOf(one);
    const w2 = await weightsOf(two);
    w1.forEach((w, i) => {
      let d = 0;
      let s = 0;
      for (let j = 0; j < w.length; j++) {
        d = Math.max(d, Math.abs(w[j] - w2[i][j]));
        s = Math.max(s, Math.abs(w[j]));
      }
      expect(d / s).toBeLessThan(1e-4);
    });
    const l1 = (await readRunLog(path.join(dirOne, 'checkpoints', 'w1', 'log.jsonl'))).map((r) => r.loss as number);
    const l2 = (await readRunLog(path.join(dirTwo, 'checkpoints', 'w2', 'log.jsonl'))).map((r) => r.loss as number);
    l1.forEach((l, i) => expect(l2[i]).toBeCloseTo(l, 5));
  });

  it('per-sample loss weights: workers match one thread, and the weights change the training', async () => {
    // Weights 4, 1, 0.25, 1 over the 4 patches of each batch (like σ-balancing in the image trainer).
    const base = denoisingBatches(photos, 4, 16, 25);
    const weighted: BatchProvider = async (rng) => ({ ...(await Promise.resolve(base(rng))), weight: { data: Float32Array.from([4, 1, 0.25, 1]), shape: [4] } });
    const common = { steps: 3, lr: 1e-3, seed: 5, logEvery: 1, print: () => {} };
    const one = tinyDae(8);
    await train({ ...common, batches: weighted, run: 'ww1', root: root(), model: one });
    const two = tinyDae(8);
    await train({ ...common, batches: weighted, run: 'ww2', root: root(), model: two, workers: { count: 2 } });
    const plain = tinyDae(8);
    await train({ ...common, batches: base, run: 'wp', root: root(), model: plain });
    const [w1, w2, wp] = [await weightsOf(one), await weightsOf(two), await weightsOf(plain)];
    let dWorkers = 0;
    let dPlain = 0;
    w1.forEach((w, i) => {
      for (let j = 0; j < w.length; j++) {
        dWorkers = Math.max(dWorkers, Math.abs(w[j] - w2[i][j]));
        dPlain = Math.max(dPlain, Math.abs(w[j] - wp[i][j]));
      }
    });
    expect(dWorkers).toBeLessThan(1e-5);
    expect(dPlain).toBeGreaterThan(1e-5);
  });

  it('gradient workers do not leak tensors (a leak of one weight copy per step once aborted long runs)', async () => {
    const model = tinyDae(8);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const pool = await GradientWorkerPool.create(model, { name: 'mse' }, { count: 2 });
    try {
      const batches = denoisingBatches(photos, 4, 16, 25);
      const rng = new Rng(1);
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const b: Batch = await Promise.resolve(batches(rng));
        const g = await pool.gradients(b, variables, { l1: 0, l2: 0, variables: [] });
        tf.dispose(Object.values(g.grads));
        counts.push(pool.workerTensors[0]);
      }
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[4]).toBe(counts[1]);
    } finally {
      await pool.close();
    }
  });

  it('does not leak tensors from step to step', async () => {
    const model = tinyDae(8);
    const counts: number[] = [];
    await train({
      run: 'leak',
      root: root(),
      model,
      batches: (rng, step) => {
        counts[step] = tf.memory().numTensors;
        return denoisingBatches(photos, 2, 16, 25)(rng);
      },
      steps: 6,
      lr: 1e-3,
      optimizer: { type: 'adam' },
      clipNorm: 0.1,
      penalty: { l1: 1e-5, l2: 1e-5 },
      checkpointEvery: 3,
      print: () => {},
    });
    // Adam's slots appear after the first update; from then on the count is flat.
    expect(counts[5]).toBe(counts[2]);
  });

  it('refuses to restore a checkpoint into a different architecture', async () => {
    const dir = root();
    await train({ run: 'x', root: dir, model: tinyDae(8), batches: denoisingBatches(photos, 2, 16, 25), steps: 1, lr: 1e-3, print: () => {} });
    const runDir = path.join(dir, 'checkpoints', 'x');
    const [ckpt] = await listCheckpoints(runDir);
    await expect(restoreCheckpoint(ckpt.dir, { model: tinyDae(12), optimizer: createOptimizer({ type: 'adam' }), rng: new Rng(0) })).rejects.toThrow(/different architecture/);
    expect(readdirSync(runDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
