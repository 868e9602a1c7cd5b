import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { clipByGlobalNorm, createOptimizer, disposeState, type OptimizerSpec } from '../../../ml/core/optimizers.ts';
import { learningRateAt } from '../../../ml/core/schedules.ts';

beforeAll(async () => {
  await initBackend();
});

/** Runs `steps` updates of f(w) = Σ (w − c)² ∘ scale from w0; returns the trajectory of w. */
async function run(spec: OptimizerSpec, steps: number, lr: number): Promise<number[][]> {
  const w = tf.variable(tf.tensor1d([1, -2, 3]));
  const c = tf.tensor1d([0.5, 0.5, 0.5]);
  const scale = tf.tensor1d([1, 10, 0.1]); // ill-conditioned on purpose
  const opt = createOptimizer(spec);
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(scale, tf.square(tf.sub(w, c)))) as tf.Scalar, [w]);
    opt.apply([w], grads, lr);
    tf.dispose(Object.values(grads));
    out.push(Array.from(await w.data()));
  }
  opt.dispose();
  return out;
}

/** The same updates in plain JS (float64), from the textbook formulas. */
function reference(spec: OptimizerSpec, steps: number, lr: number): number[][] {
  const w = [1, -2, 3];
  const scale = [1, 10, 0.1];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < 3; i++) {
      const g = 2 * scale[i] * (w[i] - 0.5);
      if (spec.type === 'sgd') w[i] -= lr * g;
      else if (spec.type === 'momentum') {
        const beta = spec.momentum ?? 0.9;
        m[i] = beta * m[i] + g;
        w[i] -= lr * (spec.nesterov ? g + beta * m[i] : m[i]);
      } else {
        const b1 = spec.beta1 ?? 0.9;
        const b2 = spec.beta2 ?? 0.999;
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        w[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + (spec.epsilon ?? 1e-8));
      }
    }
    out.push([...w]);
  }
  return out;
}

describe('optimisers', () => {
  const specs: [OptimizerSpec, number][] = [
    [{ type: 'sgd' }, 0.04],
    [{ type: 'momentum', momentum: 0.8 }, 0.01],
    [{ type: 'momentum', momentum: 0.9, nesterov: true }, 0.01],
    [{ type: 'adam', beta1: 0.9, beta2: 0.99 }, 0.05],
  ];
  for (const [spec, lr] of specs) {
    it(`${JSON.stringify(spec)} follows the textbook update and converges`, async () => {
      const got = await run(spec, 60, lr);
      const want = reference(spec, 60, lr);
      for (let s = 0; s < 60; s++) for (let i = 0; i < 3; i++) expect(got[s][i]).toBeCloseTo(want[s][i], 4);
      const f = (w: number[]) => [1, 10, 0.1].reduce((a, sc, i) => a + sc * (w[i] - 0.5) ** 2, 0);
      expect(f(got[59])).toBeLessThan(0.05 * f([1, -2, 3]));
    });
  }

  it('state save/restore continues exactly like an uninterrupted run', async () => {
    const spec: OptimizerSpec = { type: 'adam' };
    const setup = () => ({ w: tf.variable(tf.tensor1d([1, -2, 3])), opt: createOptimizer(spec) });
    const step = (w: tf.Variable, opt: ReturnType<typeof createOptimizer>) => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(w, 0.3))) as tf.Scalar, [w]);
      opt.apply([w], grads, 0.1);
      tf.dispose(Object.values(grads));
    };
    const a = setup();
    for (let i = 0; i < 10; i++) step(a.w, a.opt);
    const b = setup();
    for (let i = 0; i < 5; i++) step(b.w, b.opt);
    const saved = b.opt.getState();
    const c = { w: tf.variable(b.w.clone()), opt: createOptimizer(spec) };
    c.opt.setState(saved);
    disposeState(saved);
    for (let i = 0; i < 5; i++) step(c.w, c.opt);
    expect(Array.from(await c.w.data())).toEqual(Array.from(await a.w.data()));
    expect(() => createOptimizer({ type: 'sgd' }).setState(c.opt.getState())).toThrow(/for 'adam'/);
  });
});

describe('gradient clipping', () => {
  it('scales all gradients by maxNorm/‖g‖ when the global norm is larger, else leaves them', async () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // global norm 5
    const { grads: g, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(Array.from(await g.a.data())[0]).toBeCloseTo(0.6, 6);
    expect(Array.from(await g.b.data())[1]).toBeCloseTo(0.8, 6);
    const small = { a: tf.tensor1d([0.3, 0.4]) };
    const r = clipByGlobalNorm(small, 1);
    expect(r.grads.a).toBe(small.a);
    expect(r.norm).toBeCloseTo(0.5, 6);
  });
});

describe('learning-rate schedules', () => {
  it('warm-up is linear, cosine decays to minLr, step decay multiplies by γ', () => {
    expect(learningRateAt(0, 1, { kind: 'constant', warmupSteps: 4 })).toBeCloseTo(0.25);
    expect(learningRateAt(3, 1, { kind: 'constant', warmupSteps: 4 })).toBeCloseTo(1);
    expect(learningRateAt(100, 1, { kind: 'constant', warmupSteps: 4 })).toBe(1);
    const cos = { kind: 'cosine', warmupSteps: 10, totalSteps: 110, minLr: 0.1 } as const;
    expect(learningRateAt(10, 1, cos)).toBeCloseTo(1);
    expect(learningRateAt(60, 1, cos)).toBeCloseTo(0.55);
    expect(learningRateAt(110, 1, cos)).toBeCloseTo(0.1);
    expect(learningRateAt(500, 1, cos)).toBeCloseTo(0.1);
    const st = { kind: 'step', every: 100, gamma: 0.5 } as const;
    expect([0, 99, 100, 250].map((s) => learningRateAt(s, 0.8, st))).toEqual([0.8, 0.8, 0.4, 0.2]);
  });
});
