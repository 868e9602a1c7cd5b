// Writing a model (TF.js layers format: model.json + weights.bin) and the optimiser's state to a
// folder, atomically (temp files + rename), and reading them back — the image trainer's checkpoints.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out;
}

/** Save `model` as dir/model.json + dir/weights.bin. `extra` is stored under model.json's userDefinedMetadata. */
export async function saveModelDir(model: tf.LayersModel, dir: string, extra?: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weights = a.weightData === undefined ? new Uint8Array(0) : concatBuffers(a.weightData);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
        ...(extra === undefined ? {} : { userDefinedMetadata: extra }),
      };
      await writeAtomic(path.join(dir, 'weights.bin'), weights);
      await writeAtomic(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/** Load a model saved by saveModelDir (custom layers must be registered: import image-dae.ts). */
export async function loadModelDir(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bin = await readFile(path.join(dir, json.weightsManifest[0].paths[0]));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
}

/** Save named tensors (optimiser slots) as dir/<name>.json + .bin. */
export async function saveTensors(tensors: { name: string; tensor: tf.Tensor }[], file: string): Promise<void> {
  const specs: { name: string; shape: number[] }[] = [];
  const parts: Float32Array[] = [];
  for (const { name, tensor } of tensors) {
    specs.push({ name, shape: tensor.shape });
    parts.push((await tensor.data()) as Float32Array);
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  await writeAtomic(`${file}.bin`, new Uint8Array(all.buffer));
  await writeAtomic(`${file}.json`, JSON.stringify(specs));
}

export async function loadTensors(file: string): Promise<{ name: string; tensor: tf.Tensor }[]> {
  const specs = JSON.parse(await readFile(`${file}.json`, 'utf8')) as { name: string; shape: number[] }[];
  const bin = await readFile(`${file}.bin`);
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let o = 0;
  return specs.map(({ name, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(all.subarray(o, o + n), shape);
    o += n;
    return { name, tensor };
  });
}
