// One shard of a training step: draw `n` corrupted patches with the shard's seed, compute the loss
// (MSE + weight penalties) and its gradients for every trainable weight. Used by the main thread and
// by grad-worker.ts alike, so a step's result depends only on the seeds, not on the thread layout.
import * as tf from '@tensorflow/tfjs';
import type { CorruptionConfig } from './corruption.ts';
import type { ImageDataset } from './dataset.ts';
import { Rng } from './rng.ts';

export interface ShardRequest {
  readonly weights: Float32Array[];
  readonly seed: number;
  readonly n: number;
}

export interface ShardResult {
  readonly loss: number;
  readonly grads: Float32Array[];
  readonly n: number;
}

export async function shardGradients(
  model: tf.LayersModel,
  ds: ImageDataset,
  cfg: { corruption: CorruptionConfig; patchSize: number; l1: number; l2: number },
  req: { seed: number; n: number },
): Promise<ShardResult> {
  const b = await ds.batch(req.n, cfg.patchSize, cfg.corruption, new Rng(req.seed));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = model.trainableWeights.filter((w) => w.name.includes('kernel')).map((w) => w.read());
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(b.input, [b.n, b.size, b.size, 4]);
    const t = tf.tensor4d(b.target, [b.n, b.size, b.size, 3]);
    return tf.variableGrads(() => {
      const y = model.apply(x, { training: true }) as tf.Tensor;
      let l = tf.losses.meanSquaredError(t, y) as tf.Scalar;
      if (cfg.l2 > 0) l = l.add(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))).mul(cfg.l2));
      if (cfg.l1 > 0) l = l.add(tf.addN(kernels.map((k) => tf.sum(tf.abs(k)))).mul(cfg.l1));
      return l;
    }, vars);
  });
  const loss = (await value.data())[0];
  value.dispose();
  const out: Float32Array[] = [];
  for (const v of vars) {
    const g = grads[v.name];
    out.push(g === undefined ? new Float32Array(v.size) : new Float32Array(await g.data()));
  }
  tf.dispose(Object.values(grads));
  return { loss, grads: out, n: req.n };
}
