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

/** Element-wise loss map (same shape as pred) for a loss spec. */
function elementLoss(s: LossSpec, pred: tf.Tensor, target: tf.Tensor): tf.Tensor {
  const d = tf.sub(pred, target);
  switch (s.name) {
    case 'mse':
      return tf.square(d);
    case 'l1':
      return tf.abs(d);
    case 'charbonnier': {
      const eps = s.epsilon ?? 1e-3;
      return tf.sqrt(tf.add(tf.square(d), eps * eps));
    }
    default:
      throw new Error(`Unknown loss '${String((s as { name: unknown }).name)}' (mse, l1, charbonnier)`);
  }
}

/**
 * Per-sample weighted loss: mean over samples of w_b · (mean of the loss over sample b). With every
 * w_b = 1 it equals the unweighted loss. Used to balance noise levels: unweighted MSE over σ ∈ [0, 75]
 * is dominated by the high-σ patches, whose errors are largest, and the low-σ ones then train slowly.
 */
export function weightedLoss(spec: LossSpec | LossName, pred: tf.Tensor, target: tf.Tensor, weight: tf.Tensor): tf.Scalar {
  const s: LossSpec = typeof spec === 'string' ? { name: spec } : spec;
  return tf.tidy(() => {
    const e = elementLoss(s, pred, target);
    const axes = Array.from({ length: e.rank - 1 }, (_, i) => i + 1);
    const perSample = axes.length === 0 ? e : tf.mean(e, axes);
    return tf.mean(tf.mul(perSample, tf.reshape(weight, [-1]))) as tf.Scalar;
  });
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
