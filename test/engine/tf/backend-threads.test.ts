import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../main/engine/tf/backend.ts';

// The threaded SIMD wasm build, which tfjs disables in Node, started through our shim.
describe('initBackend with threads', () => {
  it('runs the threaded wasm build with the requested pool and matches the cpu backend', async () => {
    const info = await initBackend({ threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', simd: true, threads: 2 });
    expect(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(true);
    const run = () => {
      const x = tf.randomUniform([4, 24, 24, 16], -1, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomUniform([3, 3, 16, 32], -1, 1, 'float32', 2) as tf.Tensor4D;
      const r = tf.randomUniform([4, 12, 12, 32], -1, 1, 'float32', 3);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), r)))([x, w]);
      return [tf.conv2d(x, w, 1, 'same'), dx, dw];
    };
    const onWasm = await Promise.all(run().map((t) => t.data()));
    await tf.setBackend('cpu');
    const onCpu = await Promise.all(run().map((t) => t.data()));
    await tf.setBackend('wasm');
    onWasm.forEach((a, k) => {
      let d = 0;
      let s = 0;
      for (let i = 0; i < a.length; i++) {
        d = Math.max(d, Math.abs(a[i] - onCpu[k][i]));
        s = Math.max(s, Math.abs(onCpu[k][i]));
      }
      expect(d / s).toBeLessThan(1e-4);
    });
  });
});
