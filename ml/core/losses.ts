// Reconstruction losses: all return the mean over every element as a scalar.
import * as tf from '@tensorflow/tfjs';

export type LossName = 'mse' | 'l1' | 'charbonnier';

export interface LossSpec {
  readonly name: LossName;
  /** Charbonnier ε (same units as the data); default 1e-3. */
  readonly epsilon?: number;
}

export type LossFn = (pred: tf.Tensor, target: tf.Tensor) => tf.Scalar;

export function mse(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(pred, target)) as tf.Scalar);
}

export function l1(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(pred, target))) as tf.Scalar);
}

/** Charbonnier √((p−t)² + ε²) — a smooth L1 that is differentiable at 0. */
export function charbonnier(pred: tf.Tensor, target: tf.Tensor, epsilon = 1e-3): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sqrt(tf.add(tf.squaredDifference(pred, target), epsilon * epsilon))) as tf.Scalar);
}

export function lossFn(spec: LossSpec | LossName): LossFn {
  const s: LossSpec = typeof spec === 'string' ? { name: spec } : spec;
  switch (s.name) {
    case 'mse':
      return mse;
    case 'l1':
      return l1;
    case 'charbonnier': {
      const eps = s.epsilon ?? 1e-3;
      return (p, t) => charbonnier(p, t, eps);
    }
    default:
      throw new Error(`Unknown loss '${String((s as { name: unknown }).name)}' (mse, l1, charbonnier)`);
  }
}
