// Data-parallel gradient worker for the image trainer (worker_threads). Each worker owns its own
// single-threaded wasm backend and a copy of the training images; per step it receives the current
// weights and a shard seed, draws and corrupts its shard of the batch, and returns loss + gradients.
// The main thread averages the shards' gradients and applies the optimiser, so results do not depend
// on which thread computed which shard.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { buildImageDae, type ImageDaeConfig } from '../../main/engine/models/image-dae.ts';
import type { CorruptionConfig } from './corruption.ts';
import { ImageDataset } from './dataset.ts';
import { shardGradients, type ShardRequest, type ShardResult } from './shard.ts';

interface Init {
  readonly model: ImageDaeConfig;
  readonly corruption: CorruptionConfig;
  readonly patchSize: number;
  readonly l1: number;
  readonly l2: number;
}

const port = parentPort;
if (port === null) throw new Error('grad-worker must run in a worker thread');
const init = workerData as Init;
await initBackend({ prefer: 'wasm' });
const ds = await ImageDataset.load();
const model = buildImageDae(init.model);
port.postMessage({ ready: true });

port.on('message', (req: ShardRequest & { exit?: boolean }) => {
  if (req.exit === true) {
    model.dispose();
    port.close();
    return;
  }
  void (async () => {
    const weights = model.trainableWeights;
    tf.tidy(() => weights.forEach((w, i) => w.write(tf.tensor(req.weights[i], w.shape as number[]))));
    const res: ShardResult = await shardGradients(model, ds, init, req);
    port.postMessage(res, res.grads.map((g) => g.buffer as ArrayBuffer));
  })();
});
