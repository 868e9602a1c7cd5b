import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { backendInfo, defaultWasmDir, initBackend } from '../../../main/engine/tf/backend.ts';

// tfjs-node(-gpu) cannot install here, so 'auto' must land on the SIMD wasm backend.
describe('initBackend (auto)', () => {
  it('picks wasm with SIMD when no native backend is installed', async () => {
    expect(backendInfo()).toBeUndefined();
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.version).toBe(tf.version_core);
    expect(tf.getBackend()).toBe('wasm');
    expect(backendInfo()).toEqual(info);
  });

  it('is idempotent: a second call returns the same choice, whatever its options', async () => {
    const a = await initBackend();
    const b = await initBackend({ prefer: 'cpu' });
    expect(b).toBe(a);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('finds the wasm binaries in node_modules', () => {
    expect(defaultWasmDir()).toMatch(/tfjs-backend-wasm[\\/]dist$/);
  });

  it('computes a conv2d that matches the cpu backend', async () => {
    await initBackend();
    const x = tf.randomUniform([2, 9, 9, 3], -1, 1, 'float32', 1);
    const w = tf.randomUniform([3, 3, 3, 4], -1, 1, 'float32', 2);
    const onWasm = await tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').data();
    await tf.setBackend('cpu');
    const onCpu = await tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').data();
    await tf.setBackend('wasm');
    expect(onWasm.length).toBe(2 * 9 * 9 * 4);
    let maxDiff = 0;
    for (let i = 0; i < onWasm.length; i++) maxDiff = Math.max(maxDiff, Math.abs(onWasm[i] - onCpu[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
