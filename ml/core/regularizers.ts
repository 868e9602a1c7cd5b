// Weight penalties added to the objective: λ1·Σ|w| + λ2·Σw² over the chosen weights.
import * as tf from '@tensorflow/tfjs';

export interface WeightPenalty {
  /** λ1 of the L1 penalty (0 = off). */
  readonly l1?: number;
  /** λ2 of the L2 penalty (0 = off). Note: λ2·Σw², not ½λ2·Σw². */
  readonly l2?: number;
}

/** The penalty as a scalar tensor (0 when both λ are 0 or there are no weights). */
export function weightPenalty(weights: readonly tf.Tensor[], p: WeightPenalty): tf.Scalar {
  return tf.tidy(() => {
    const l1 = p.l1 ?? 0;
    const l2 = p.l2 ?? 0;
    let total: tf.Tensor = tf.scalar(0);
    if (weights.length === 0) return total as tf.Scalar;
    if (l1 > 0) total = tf.add(total, tf.mul(l1, tf.addN(weights.map((w) => tf.sum(tf.abs(w))))));
    if (l2 > 0) total = tf.add(total, tf.mul(l2, tf.addN(weights.map((w) => tf.sum(tf.square(w))))));
    return total as tf.Scalar;
  });
}

/**
 * Variables a weight penalty usually applies to: conv/dense kernels (not biases, PReLU slopes or
 * normalisation parameters). Order follows the model's weights.
 */
export function penalisedVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.filter((w) => /kernel/.test(w.originalName ?? w.name)).map((w) => w.read() as tf.Variable);
}
