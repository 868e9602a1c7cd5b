// Worker thread that prepares training batches while the main thread runs TF.js, so data
// preparation (crops, corruption, STFT, band features) overlaps with the gradient step.
// Batch k uses its own seed (seed, k): runs are deterministic and resume at any step.
import { parentPort, workerData } from 'node:worker_threads';
import { ExampleMaker, SpeechSampler, type ExampleConfig } from './batches.ts';
import { Rng } from './corrupt.ts';
import { loadSubset } from './dataset.ts';

export interface BatchWorkerData {
  readonly example: ExampleConfig;
  readonly batch: number;
  readonly seed: number;
}

export interface BatchMessage {
  readonly step: number;
  readonly features: Float32Array;
  readonly noisyC: Float32Array;
  readonly cleanC: Float32Array;
}

export function batchSeed(seed: number, step: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
}

if (parentPort) {
  const port = parentPort;
  const wd = workerData as BatchWorkerData;
  const train = await loadSubset('train', wd.example.rate);
  const maker = new ExampleMaker(wd.example);
  const speech = new SpeechSampler(train.speech);
  port.on('message', (msg: { step: number }) => {
    const b = maker.batch(wd.batch, speech, train.noise, new Rng(batchSeed(wd.seed, msg.step)));
    const out: BatchMessage = { step: msg.step, features: b.features, noisyC: b.noisyC, cleanC: b.cleanC };
    port.postMessage(out, [b.features.buffer, b.noisyC.buffer, b.cleanC.buffer] as ArrayBuffer[]);
  });
  port.postMessage({ ready: true });
}
