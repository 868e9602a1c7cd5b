import { describe, expect, it } from 'vitest';
import { NumpyRandomState } from '../../../ml/image/numpy-rng.ts';

describe('NumpyRandomState', () => {
  it('reproduces np.random.seed(0); np.random.normal(0, 1, 5) exactly', () => {
    // Printed by NumPy 2.4: np.random.seed(0); np.random.normal(0, 1, 5).tolist()
    const ref = [1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675];
    expect(Array.from(new NumpyRandomState(0).normal(0, 1, 5))).toEqual(ref);
  });
  it('reproduces random_sample and the tail of a DPIR-sized draw', () => {
    const r = new NumpyRandomState(0);
    expect([r.randomSample(), r.randomSample()]).toEqual([0.5488135039273248, 0.7151893663724195]);
    // np.random.seed(0); a = np.random.normal(0, 25/255., (321, 481, 3)); a[-1, -1]
    const a = new NumpyRandomState(0).normal(0, 25 / 255, 321 * 481 * 3);
    expect(a[a.length - 3]).toBeCloseTo(-0.06282634891107136, 15);
    expect(a[a.length - 2]).toBeCloseTo(0.24111514948233354, 15);
    expect(a[a.length - 1]).toBeCloseTo(0.08406091934139989, 15);
  });
});
