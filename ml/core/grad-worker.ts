// One data-parallel gradient worker: its own TF.js wasm backend and a copy of the model. Each step
// it receives the current weights and a shard of the batch, and returns the shard's loss and
// gradients. Protocol types live in grad-workers.ts.
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { lossFn, weightedLoss } from './losses.ts';
import type { WorkerInit, WorkerReply, WorkerStep } from './grad-workers.ts';

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('grad-worker must run in a worker thread');
  const init = workerData as WorkerInit;
  await initBackend({ prefer: 'wasm', ...(init.wasmDir !== undefined ? { wasmDir: init.wasmDir } : {}) });
  for (const m of init.setup) await import(m.startsWith('file:') ? m : pathToFileURL(m).href);
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(init.topology) as tf.io.ModelJSON['modelTopology'] });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = lossFn(init.loss);

  port.on('message', (msg: WorkerStep | { type: 'close' }) => {
    if (msg.type === 'close') {
      port.close();
      return;
    }
    try {
      // assign() shares the new tensor's data; the temporary must be disposed or every step leaks a
      // full copy of the weights into the wasm heap (this aborted long runs at ≈1500 steps).
      variables.forEach((v, i) => {
        const t = tf.tensor(msg.weights[i], v.shape, 'float32');
        v.assign(t);
        t.dispose();
      });
      const inputs = msg.inputs.map((t) => tf.tensor(t.data, [...t.shape], 'float32'));
      const target = tf.tensor(msg.target.data, [...msg.target.shape], 'float32');
      const weight = msg.weight === undefined ? undefined : tf.tensor(msg.weight.data, [...msg.weight.shape], 'float32');
      const { value, grads } = tf.variableGrads(() => {
        const pred = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: true }) as tf.Tensor;
        return weight === undefined ? loss(pred, target) : weightedLoss(init.loss, pred, target, weight);
      }, variables);
      const out = variables.map((v) => {
        const g = grads[v.name];
        return g === undefined ? new Float32Array(v.size) : (g.dataSync() as Float32Array);
      });
      const lossValue = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads), ...inputs, target, ...(weight === undefined ? [] : [weight])]);
      const reply: WorkerReply = { type: 'grads', id: msg.id, loss: lossValue, grads: out, tensors: tf.memory().numTensors };
      port.postMessage(reply, out.map((a) => a.buffer as ArrayBuffer));
    } catch (err) {
      const reply: WorkerReply = { type: 'error', id: msg.id, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      port.postMessage(reply);
    }
  });
  const ready: WorkerReply = { type: 'ready' };
  port.postMessage(ready);
}

await main();
