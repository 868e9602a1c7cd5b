// Measures ms per training step (forward + backward + SGD update) of a plain 6-layer 64-channel
// conv net and of a small strided encoder/transposed-conv decoder, on the wasm backend with and
// without our gradient kernels.
//
//   npx tsx ml/core/bench-train-step.ts [--mode fast|stock-dx|cpu] [--batch 8] [--size 64] [--steps 5] [--threads 1]
//
// fast:     our Conv2DBackpropFilter + Conv2DBackpropInput (registerTrainingKernels)
// stock-dx: our Conv2DBackpropFilter (wasm has none, so training cannot run at all without it)
//           + wasm's own Conv2DBackpropInput
// cpu:      the pure-JS cpu backend with its own kernels
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { registerTrainingKernels } from './wasm-grad-kernels.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'fast' },
    batch: { type: 'string', default: '8' },
    size: { type: 'string', default: '64' },
    steps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
  },
});
const mode = values.mode as 'fast' | 'stock-dx' | 'cpu';
const batch = Number(values.batch);
const size = Number(values.size);
const steps = Number(values.steps);

const stockDx = tf.getKernel('Conv2DBackpropInput', 'wasm');
registerTrainingKernels();
if (mode === 'stock-dx' && stockDx !== undefined) {
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel(stockDx);
}
const info = await initBackend({ prefer: mode === 'cpu' ? 'cpu' : 'wasm', fastKernels: false, threads: Number(values.threads) });

function variable(shape: number[], seed: number): tf.Variable {
  const fanIn = shape[0] * shape[1] * shape[2];
  return tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed));
}

/** Plain net: 3→64, 4× 64→64, 64→3, 3×3 'same', ReLU. */
function plainNet(): { vars: tf.Variable[]; forward: (x: tf.Tensor4D) => tf.Tensor4D } {
  const shapes = [[3, 3, 3, 64], [3, 3, 64, 64], [3, 3, 64, 64], [3, 3, 64, 64], [3, 3, 64, 64], [3, 3, 64, 3]];
  const vars = shapes.map((s, i) => variable(s, i + 1));
  const forward = (x: tf.Tensor4D): tf.Tensor4D => {
    let h = x;
    vars.forEach((w, i) => {
      h = tf.conv2d(h, w as tf.Tensor4D, 1, 'same');
      if (i < vars.length - 1) h = tf.relu(h);
    });
    return h;
  };
  return { vars, forward };
}

/** Encoder/decoder: 3→64 s1, 64→64 s2, 64→64 s2, transposed 64→64 s2 ×2, 64→3. */
function encoderDecoder(): { vars: tf.Variable[]; forward: (x: tf.Tensor4D) => tf.Tensor4D } {
  const vars = [
    variable([3, 3, 3, 64], 11),
    variable([3, 3, 64, 64], 12),
    variable([3, 3, 64, 64], 13),
    variable([4, 4, 64, 64], 14), // transposed: [k, k, out, in]
    variable([4, 4, 64, 64], 15),
    variable([3, 3, 64, 3], 16),
  ] as tf.Variable<tf.Rank.R4>[];
  const forward = (x: tf.Tensor4D): tf.Tensor4D => {
    const [b, h, w] = x.shape;
    const e0 = tf.relu(tf.conv2d(x, vars[0], 1, 'same'));
    const e1 = tf.relu(tf.conv2d(e0, vars[1], 2, 'same'));
    const e2 = tf.relu(tf.conv2d(e1, vars[2], 2, 'same'));
    const d1 = tf.relu(tf.conv2dTranspose(e2, vars[3], [b, h / 2, w / 2, 64], 2, 'same'));
    const d0 = tf.relu(tf.conv2dTranspose(d1, vars[4], [b, h, w, 64], 2, 'same'));
    return tf.conv2d(d0, vars[5], 1, 'same');
  };
  return { vars, forward };
}

async function bench(name: string, net: { vars: tf.Variable[]; forward: (x: tf.Tensor4D) => tf.Tensor4D }): Promise<void> {
  const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 100) as tf.Tensor4D;
  const target = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 101);
  const opt = tf.train.sgd(1e-3);
  const step = async (): Promise<number> => {
    const cost = opt.minimize(() => tf.losses.meanSquaredError(target, net.forward(x)) as tf.Scalar, true, net.vars);
    const v = (await cost!.data())[0];
    cost!.dispose();
    return v;
  };
  await step(); // warm-up (XNNPACK operator creation, kernel setup)
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await step();
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // CPU time is what the step costs when the core is ours; wall time also counts other load.
  console.log(
    `${name.padEnd(16)} backend=${info.name} threads=${info.threads} mode=${mode} batch=${batch} ${size}×${size}: ` +
      `median ${med(cpu).toFixed(0)} ms CPU/step (${(1000 / med(cpu)).toFixed(2)} steps/s on a free core), ` +
      `wall ${med(times).toFixed(0)} ms (load ${os.loadavg()[0].toFixed(1)})`,
  );
  tf.dispose([x, target, ...net.vars]);
}

await bench('plain-6x64', plainNet());
await bench('enc-dec-6x64', encoderDecoder());
