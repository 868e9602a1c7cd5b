// One inference worker: its own single-threaded wasm backend and its own copy of one model. Answers
// tile and gains requests one at a time, transferring result buffers back to the pool.
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadAudioDenoiser, type TfAudioDenoiser } from '../models/audio-denoiser.ts';
import { IMAGE_DAE_SIZE_MULTIPLE, imageDaeConfigFromModel, imageDaeReceptiveField } from '../models/image-dae.ts';
import { initBackend } from '../tf/backend.ts';
import { loadLayersModelFromDir } from '../tf/file-io.ts';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol.ts';

export interface WorkerHooks {
  /** Called before each request (tests use it to simulate a crash). */
  readonly beforeRequest?: (req: WorkerRequest) => void;
}

function post(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(reply, transfer);
}

async function load(init: WorkerInit): Promise<{ image?: tf.LayersModel; audio?: TfAudioDenoiser; reply: WorkerReply }> {
  // Always wasm: native backends are multi-threaded already and are used in-process instead.
  const b = await initBackend({ prefer: 'wasm', threads: 1, ...(init.wasmDir !== undefined ? { wasmDir: init.wasmDir } : {}) });
  if (init.kind === 'image') {
    const model = await loadLayersModelFromDir(init.modelDir);
    const receptiveField = imageDaeReceptiveField(imageDaeConfigFromModel(model));
    return { image: model, reply: { type: 'ready', backend: b.name, receptiveField, sizeMultiple: IMAGE_DAE_SIZE_MULTIPLE } };
  }
  return { audio: await loadAudioDenoiser(init.modelDir), reply: { type: 'ready', backend: b.name } };
}

export function serveWorker(hooks: WorkerHooks = {}): void {
  if (!parentPort) throw new Error('pool-worker must run in a worker thread');
  const init = workerData as WorkerInit;
  // Requests are queued here so each runs alone (the pool sends one at a time; a memory query may
  // arrive while a job runs and is answered after it).
  let chain: Promise<unknown> = load(init).then(
    (m) => {
      post(m.reply);
      return m;
    },
    (err: unknown) => {
      post({ type: 'error', message: `cannot load the ${init.kind} model from ${init.modelDir}: ${err instanceof Error ? err.message : String(err)}` });
      // Nothing to serve: end the thread so the pool sees the failure.
      setImmediate(() => process.exit(1));
      throw err;
    },
  );
  const loaded = chain as Promise<{ image?: tf.LayersModel; audio?: TfAudioDenoiser }>;
  parentPort.on('message', (req: WorkerRequest) => {
    chain = chain.then(async () => {
      const m = await loaded;
      try {
        hooks.beforeRequest?.(req);
        if (req.type === 'memory') {
          const mem = tf.memory();
          post({ type: 'memory', id: req.id, numTensors: mem.numTensors, numBytes: mem.numBytes });
        } else if (req.type === 'image') {
          if (!m.image) throw new Error('this worker holds no image model');
          const out = tf.tidy(() => m.image!.predict(tf.tensor4d(req.packed, [1, req.height, req.width, 4])) as tf.Tensor);
          let data: Float32Array;
          try {
            data = (await out.data()) as Float32Array;
          } finally {
            out.dispose();
          }
          post({ type: 'result', id: req.id, data }, [data.buffer as ArrayBuffer]);
        } else {
          if (!m.audio) throw new Error('this worker holds no audio model');
          const g = await m.audio.gains(req.power, req.nFrames, req.nBins, req.sampleRate, req.maxAttenuationDb);
          post({ type: 'result', id: req.id, data: g }, [g.buffer as ArrayBuffer]);
        }
      } catch (err) {
        post({ type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) });
      }
    }, () => undefined);
  });
}
