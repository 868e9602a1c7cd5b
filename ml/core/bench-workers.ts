// Steps/s of train() with 1 vs 2 gradient computers (main thread alone vs main + 1 worker thread),
// alternating A/B runs so both see the same machine load.
//
//   npx tsx ml/core/bench-workers.ts [--batch 16] [--size 64] [--width 64] [--steps 8] [--rounds 2] [--threads 1]
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { train, type Batch } from './train.ts';
import type { Rng } from './rng.ts';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '16' },
    size: { type: 'string', default: '64' },
    width: { type: 'string', default: '64' },
    steps: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
  },
});
const batch = Number(values.batch);
const size = Number(values.size);
const width = Number(values.width);
const steps = Number(values.steps);
const rounds = Number(values.rounds);

const info = await initBackend({ threads: Number(values.threads) });

/** Encoder/decoder DAE of the kind the image model uses: s1, s2 convs, transposed-conv decoder, skip. */
function model(): tf.LayersModel {
  const he = (seed: number) => tf.initializers.heNormal({ seed });
  const input = tf.input({ shape: [null, null, 3] as unknown as number[] });
  const conv = (x: tf.SymbolicTensor, f: number, s: number, seed: number, act: 'relu' | 'linear' = 'relu') =>
    tf.layers.conv2d({ filters: f, kernelSize: 3, strides: s, padding: 'same', activation: act, kernelInitializer: he(seed) }).apply(x) as tf.SymbolicTensor;
  const e0 = conv(input, width, 1, 1);
  const e1 = conv(conv(e0, width, 2, 2), width, 1, 3);
  const d0 = tf.layers.conv2dTranspose({ filters: width, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: he(4) }).apply(e1) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate().apply([d0, e0]) as tf.SymbolicTensor;
  const out = conv(conv(cat, width, 1, 5), 3, 1, 6, 'linear');
  return tf.model({ inputs: input, outputs: tf.layers.add().apply([input, out]) as tf.SymbolicTensor });
}

const batches = (rng: Rng): Batch => {
  const n = batch * size * size * 3;
  const clean = new Float32Array(n);
  const noisy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    clean[i] = rng.uniform();
    noisy[i] = clean[i] + 0.1 * rng.normal();
  }
  return { input: { data: noisy, shape: [batch, size, size, 3] }, target: { data: clean, shape: [batch, size, size, 3] } };
};

console.log(`backend ${info.name} simd=${String(info.simd)} wasm threads=${info.threads}; ${os.cpus().length} cpus; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (let r = 0; r < rounds; r++) {
  for (const count of [1, 2]) {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hush-bench-'));
    const res = await train({
      run: 'bench',
      root,
      model: model(),
      batches,
      steps,
      lr: 1e-4,
      logEvery: steps,
      checkpointEvery: 1_000_000,
      resume: false,
      print: (l) => { if (l.includes('workers:')) console.log('  ' + l); },
      ...(count > 1 ? { workers: { count } } : {}),
    });
    rmSync(root, { recursive: true, force: true });
    console.log(`round ${r + 1} computers=${count}: ${res.stepsPerSecond.toFixed(3)} steps/s (batch ${batch} × ${size}² , width ${width}, ${steps} steps incl. warm-up; load ${os.loadavg()[0].toFixed(1)})`);
  }
}
