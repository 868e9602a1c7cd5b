import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { charbonnier, l1, lossFn, mse, weightedLoss } from '../../../ml/core/losses.ts';
import { penalisedVariables, weightPenalty } from '../../../ml/core/regularizers.ts';

beforeAll(async () => {
  await initBackend();
});

const p = () => tf.tensor2d([[0.5, 0.2], [0.9, 0.1]]);
const t = () => tf.tensor2d([[0.4, 0.4], [0.9, 0.4]]);

describe('losses', () => {
  it('MSE, L1 and Charbonnier give the textbook values', async () => {
    // differences 0.1, -0.2, 0, -0.3
    expect((await mse(p(), t()).data())[0]).toBeCloseTo((0.01 + 0.04 + 0 + 0.09) / 4, 6);
    expect((await l1(p(), t()).data())[0]).toBeCloseTo((0.1 + 0.2 + 0 + 0.3) / 4, 6);
    const eps = 0.01;
    const want = [0.1, 0.2, 0, 0.3].reduce((a, d) => a + Math.sqrt(d * d + eps * eps), 0) / 4;
    expect((await charbonnier(p(), t(), eps).data())[0]).toBeCloseTo(want, 6);
    expect((await lossFn({ name: 'charbonnier', epsilon: eps })(p(), t()).data())[0]).toBeCloseTo(want, 6);
    expect(() => lossFn('huber' as never)).toThrow(/Unknown loss/);
  });

  it('weighted loss: per-sample weights over the per-sample means; all-ones weights give the plain loss', async () => {
    // Rows are samples: row 0 differences 0.1, -0.2; row 1 differences 0, -0.3.
    const ones = tf.ones([2]);
    for (const name of ['mse', 'l1', 'charbonnier'] as const) {
      expect((await weightedLoss(name, p(), t(), ones).data())[0]).toBeCloseTo((await lossFn(name)(p(), t()).data())[0], 6);
    }
    const w = tf.tensor1d([3, 0.5]);
    const row0 = (0.01 + 0.04) / 2;
    const row1 = (0 + 0.09) / 2;
    expect((await weightedLoss('mse', p(), t(), w).data())[0]).toBeCloseTo((3 * row0 + 0.5 * row1) / 2, 6);
    expect((await weightedLoss('l1', p(), t(), w).data())[0]).toBeCloseTo((3 * 0.15 + 0.5 * 0.15) / 2, 6);
  });

  it('Charbonnier is smooth at zero error (L1 is not) and approaches L1 away from it', async () => {
    const x = tf.tensor1d([0, 0.5]);
    const g = await tf.grad((v: tf.Tensor) => charbonnier(v, tf.zeros([2]), 1e-3))(x).data();
    expect(g[0]).toBe(0); // d/dx √(x²+ε²) = x/√(x²+ε²) = 0 at 0
    expect(g[1]).toBeCloseTo(0.5, 3); // ≈ sign(x)/N
    const big = tf.fill([100], 3);
    expect((await charbonnier(big, tf.zeros([100])).data())[0]).toBeCloseTo((await l1(big, tf.zeros([100])).data())[0], 5);
  });

  it('weight penalty: λ1·Σ|w| + λ2·Σw² with gradients λ1·sign(w) + 2λ2·w', async () => {
    const w = tf.variable(tf.tensor1d([1, -2, 0.5]));
    const v = (await weightPenalty([w], { l1: 0.1, l2: 0.01 }).data())[0];
    expect(v).toBeCloseTo(0.1 * 3.5 + 0.01 * 5.25, 6);
    expect((await weightPenalty([w], {}).data())[0]).toBe(0);
    const { grads } = tf.variableGrads(() => weightPenalty([w], { l1: 0.1, l2: 0.01 }), [w]);
    const g = Array.from(await grads[w.name].data());
    [0.12, -0.14, 0.11].forEach((want, i) => expect(g[i]).toBeCloseTo(want, 6));
  });

  it('penalises conv/dense kernels but not biases', () => {
    const m = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    const vars = penalisedVariables(m);
    expect(vars.length).toBe(2);
    expect(vars.map((v) => v.shape.length)).toEqual([4, 2]);
  });
});
