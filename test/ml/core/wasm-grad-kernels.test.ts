import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import {
  conv2dFilterGrad,
  conv2dFilterGradSwapped,
  conv2dInputGrad,
  depthToSpace,
  registerTrainingKernels,
  spaceToDepth,
} from '../../../ml/core/wasm-grad-kernels.ts';

// Every result computed on wasm (with our kernels) is compared with the cpu backend's own kernels.
type Pad = 'same' | 'valid';

/** max |a-b| / max |b|: relative to the reference's scale, robust to tiny entries. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Runs f on wasm and on cpu (same inputs, same seeds) and returns both outputs as arrays. */
async function onBoth(f: () => tf.Tensor[]): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const run = async (): Promise<Float32Array[]> => {
    const outs = f();
    const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    return data;
  };
  await tf.setBackend('wasm');
  const wasm = await run();
  await tf.setBackend('cpu');
  const cpu = await run();
  await tf.setBackend('wasm');
  return { wasm, cpu };
}

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

beforeAll(async () => {
  registerTrainingKernels();
  const info = await initBackend();
  expect(info.name).toBe('wasm');
});

describe('Conv2D gradient kernels on wasm match cpu', () => {
  // [batch, H, W, Cin, Cout, k, stride, pad]
  const cases: [number, number, number, number, number, number, number, Pad][] = [
    [2, 8, 8, 3, 4, 3, 1, 'same'],
    [2, 8, 8, 3, 4, 3, 2, 'same'],
    [3, 9, 7, 5, 4, 3, 2, 'same'],
    [2, 9, 7, 3, 6, 3, 2, 'valid'],
    [1, 10, 10, 2, 5, 5, 2, 'same'],
    [3, 11, 12, 4, 2, 4, 2, 'same'],
    [2, 11, 12, 4, 2, 4, 2, 'valid'],
    [2, 8, 8, 3, 4, 1, 1, 'valid'],
    [2, 13, 13, 3, 3, 3, 3, 'same'],
    [2, 8, 8, 3, 4, 2, 2, 'valid'],
    [2, 6, 6, 2, 2, 5, 1, 'valid'],
    [4, 16, 16, 16, 24, 3, 1, 'same'],
    [4, 16, 16, 16, 24, 3, 2, 'same'],
  ];
  for (const [b, h, w, ci, co, k, s, pad] of cases) {
    it(`conv2d grads b${b} ${h}×${w} ${ci}→${co} k${k} s${s} ${pad}`, async () => {
      const { wasm, cpu } = await onBoth(() => {
        const x = rand([b, h, w, ci], 1) as tf.Tensor4D;
        const f = rand([k, k, ci, co], 2) as tf.Tensor4D;
        const yShape = tf.conv2d(x, f, s, pad).shape;
        const r = rand(yShape, 3);
        const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, s, pad), r)));
        return g([x, f]);
      });
      expect(relErr(wasm[0], cpu[0])).toBeLessThan(1e-4); // dx
      expect(relErr(wasm[1], cpu[1])).toBeLessThan(1e-4); // dW
    });
  }

  it('both dW strategies agree with cpu, explicit geometry', async () => {
    const x = rand([3, 10, 9, 6], 4) as tf.Tensor4D;
    const dy = rand([3, 5, 5, 7], 5) as tf.Tensor4D;
    // 'same', k3, s2 on 10×9 → 5×5, pad top 0, left 1 (total 1 and 2).
    const geom = { batch: 3, inH: 10, inW: 9, inC: 6, outH: 5, outW: 5, outC: 7, kH: 3, kW: 3, sH: 2, sW: 2, top: 0, left: 1 };
    await tf.setBackend('cpu');
    const dwOnCpu = tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ff as tf.Tensor4D, 2, 'same'), dy)));
    const ref = await dwOnCpu(tf.zeros([3, 3, 6, 7])).data();
    await tf.setBackend('wasm');
    const a = await conv2dFilterGrad(x, dy, geom).data();
    const b = await conv2dFilterGradSwapped(x, dy, geom).data();
    expect(relErr(a, ref)).toBeLessThan(1e-4);
    expect(relErr(b, ref)).toBeLessThan(1e-4);
    const dx = await conv2dInputGrad(dy, rand([3, 3, 6, 7], 6) as tf.Tensor4D, geom).data();
    await tf.setBackend('cpu');
    const dxRef = await tf.conv2dTranspose(dy, rand([3, 3, 6, 7], 6) as tf.Tensor4D, [3, 10, 9, 6], 2, 'same').data();
    await tf.setBackend('wasm');
    expect(relErr(dx, dxRef)).toBeLessThan(1e-4);
  });

  it('conv2dTranspose forward (decoder upsampling) matches cpu, with its gradients', async () => {
    for (const [s, pad] of [[2, 'same'], [2, 'valid'], [1, 'same']] as [number, Pad][]) {
      const { wasm, cpu } = await onBoth(() => {
        const x = rand([2, 6, 5, 8], 7) as tf.Tensor4D;
        const f = rand([3, 3, 4, 8], 8) as tf.Tensor4D; // [k, k, outC, inC]
        const oh = pad === 'same' ? 6 * s : (6 - 1) * s + 3;
        const ow = pad === 'same' ? 5 * s : (5 - 1) * s + 3;
        const fwd = (xx: tf.Tensor, ff: tf.Tensor) => tf.conv2dTranspose(xx as tf.Tensor4D, ff as tf.Tensor4D, [2, oh, ow, 4], s, pad);
        const y = fwd(x, f);
        const r = rand(y.shape, 9);
        const [dx, dw] = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.mul(fwd(xx, ff), r)))([x, f]);
        return [y, dx, dw];
      });
      for (let i = 0; i < 3; i++) expect(relErr(wasm[i], cpu[i])).toBeLessThan(1e-4);
    }
  });

  it('conv1d (used by the audio model) gradients match cpu, strides 1 and 2', async () => {
    for (const s of [1, 2]) {
      const { wasm, cpu } = await onBoth(() => {
        const x = rand([3, 40, 6], 10) as tf.Tensor3D;
        const f = rand([5, 6, 8], 11) as tf.Tensor3D;
        const r = rand(tf.conv1d(x, f, s, 'same').shape, 12);
        return tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.mul(tf.conv1d(xx as tf.Tensor3D, ff as tf.Tensor3D, s, 'same'), r)))([x, f]);
      });
      expect(relErr(wasm[0], cpu[0])).toBeLessThan(1e-4);
      expect(relErr(wasm[1], cpu[1])).toBeLessThan(1e-4);
    }
  });
});

describe('pixel shuffle', () => {
  it('depthToSpace matches the cpu kernel and spaceToDepth inverts it', async () => {
    const x = rand([2, 3, 4, 12], 13) as tf.Tensor4D;
    await tf.setBackend('cpu');
    const ref = await tf.depthToSpace(x, 2).data();
    await tf.setBackend('wasm');
    const viaKernel = tf.depthToSpace(x, 2);
    expect(viaKernel.shape).toEqual([2, 6, 8, 3]);
    expect(relErr(await viaKernel.data(), ref)).toBe(0);
    expect(relErr(await depthToSpace(x, 2).data(), ref)).toBe(0);
    expect(relErr(await spaceToDepth(viaKernel, 2).data(), await x.data())).toBe(0);
  });

  it('depthToSpace has a gradient (tfjs registers none): it is spaceToDepth of dy', async () => {
    const x = rand([2, 3, 4, 8], 14) as tf.Tensor4D;
    const r = rand([2, 6, 8, 2], 15) as tf.Tensor4D;
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.depthToSpace(xx as tf.Tensor4D, 2), r)))(x);
    // Element-wise check against the definition out[b, h·2+i, w·2+j, c] = in[b, h, w, (i·2+j)·C + c].
    const rv = (await r.array()) as number[][][][];
    const dv = (await dx.array()) as number[][][][];
    for (let b = 0; b < 2; b++)
      for (let h = 0; h < 3; h++)
        for (let w = 0; w < 4; w++)
          for (let i = 0; i < 2; i++)
            for (let j = 0; j < 2; j++)
              for (let c = 0; c < 2; c++) expect(dv[b][h][w][(i * 2 + j) * 2 + c]).toBeCloseTo(rv[b][h * 2 + i][w * 2 + j][c], 6);
  });
});

describe('other ops the models train through', () => {
  it('activations, pooling, resizing, normalisation and reductions: wasm grads match cpu', async () => {
    const { wasm, cpu } = await onBoth(() => {
      const x = rand([2, 8, 8, 4], 16) as tf.Tensor4D;
      const alpha = tf.fill([4], 0.2);
      const f = (xx: tf.Tensor, aa: tf.Tensor): tf.Scalar => {
        const x4 = xx as tf.Tensor4D;
        const parts = [
          tf.relu(x4),
          tf.leakyRelu(x4, 0.1),
          tf.prelu(x4, aa),
          tf.add(x4, tf.sigmoid(x4)),
          tf.tanh(x4),
          tf.elu(x4),
          tf.sqrt(tf.add(tf.square(x4), 1e-3)),
          tf.abs(x4),
          tf.image.resizeBilinear(tf.avgPool(x4, 2, 2, 'same'), [8, 8]),
          tf.image.resizeBilinear(tf.maxPool(x4, 2, 2, 'same'), [8, 8]),
          tf.batchNorm(x4, tf.mean(x4, [0, 1, 2]), tf.moments(x4, [0, 1, 2]).variance, tf.fill([4], 0.1), tf.fill([4], 1.5), 1e-3),
        ];
        const cat = tf.concat(parts, 3);
        return tf.add(tf.mean(tf.mul(cat, cat)), tf.mean(tf.abs(cat))) as tf.Scalar;
      };
      return tf.grads(f)([x, alpha]);
    });
    expect(relErr(wasm[0], cpu[0])).toBeLessThan(1e-4);
    expect(relErr(wasm[1], cpu[1])).toBeLessThan(1e-4);
  });

  it('maxPool gradient (wasm kernel replaced: the stock one is wrong) matches cpu', async () => {
    const cases: [number, number, number, number, number, number, Pad][] = [
      [2, 8, 8, 4, 2, 2, 'same'],
      [1, 8, 8, 1, 2, 2, 'valid'],
      [2, 9, 7, 3, 3, 2, 'same'],
      [2, 9, 7, 3, 3, 2, 'valid'],
      [1, 6, 6, 2, 3, 1, 'same'],
    ];
    for (const [b, h, w, c, k, s, pad] of cases) {
      const { wasm, cpu } = await onBoth(() => {
        const x = rand([b, h, w, c], 25);
        const r = rand(tf.maxPool(x as tf.Tensor4D, k, s, pad).shape, 26);
        return [tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, k, s, pad), r)))(x)];
      });
      expect(relErr(wasm[0], cpu[0])).toBeLessThan(1e-6);
    }
  });

  it('resizeNearestNeighbor ×2 gradient on wasm sums each 2×2 block (cpu gets batch > 1 wrong)', async () => {
    const [b, h, c] = [2, 4, 3];
    const x = rand([b, h, h, c], 27) as tf.Tensor4D;
    const r = rand([b, 2 * h, 2 * h, c], 28);
    const g = await tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(xx as tf.Tensor4D, [2 * h, 2 * h]), r)))(x).data();
    const rv = await r.data();
    const want = new Float32Array(b * h * h * c);
    for (let n = 0; n < b; n++)
      for (let y = 0; y < 2 * h; y++)
        for (let xx = 0; xx < 2 * h; xx++)
          for (let ch = 0; ch < c; ch++) want[((n * h + (y >> 1)) * h + (xx >> 1)) * c + ch] += rv[((n * 2 * h + y) * 2 * h + xx) * c + ch];
    expect(relErr(g, want)).toBeLessThan(1e-6);
  });

  it('a small encoder–decoder (conv s1/s2, transposed conv, skip concat) trains with equal grads on both', async () => {
    for (const [b, size] of [[1, 16], [3, 12], [2, 20]]) {
      const { wasm, cpu } = await onBoth(() => {
        const x = rand([b, size, size, 4], 17) as tf.Tensor4D;
        const w1 = tf.mul(rand([3, 3, 4, 8], 18), 0.3) as tf.Tensor4D;
        const w2 = tf.mul(rand([3, 3, 8, 16], 19), 0.3) as tf.Tensor4D;
        const w3 = tf.mul(rand([4, 4, 8, 16], 20), 0.3) as tf.Tensor4D; // transposed: [k, k, out, in]
        const w4 = tf.mul(rand([3, 3, 16, 3], 21), 0.3) as tf.Tensor4D;
        const target = rand([b, size, size, 3], 22);
        const loss = (...ws: tf.Tensor[]): tf.Scalar => {
          const [a, bb, c, d] = ws as tf.Tensor4D[];
          const e1 = tf.leakyRelu(tf.conv2d(x, a, 1, 'same'), 0.1);
          const e2 = tf.relu(tf.conv2d(e1, bb, 2, 'same'));
          const d1 = tf.relu(tf.conv2dTranspose(e2, c, [b, size, size, 8], 2, 'same'));
          const out = tf.conv2d(tf.concat([d1, e1], 3), d, 1, 'same');
          const diff = tf.sub(out, target);
          return tf.mean(tf.sqrt(tf.add(tf.square(diff), 1e-6))) as tf.Scalar;
        };
        return tf.grads(loss)([w1, w2, w3, w4]);
      });
      for (let i = 0; i < 4; i++) expect(relErr(wasm[i], cpu[i])).toBeLessThan(1e-4);
    }
  });

  it('does not leak tensors', async () => {
    const x = rand([2, 8, 8, 3], 23) as tf.Tensor4D;
    const f = rand([3, 3, 3, 5], 24) as tf.Tensor4D;
    const step = () => {
      const gs = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, 'same')))([x, f]);
      tf.dispose(gs);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
