// The image trainer's checkpoints: the model through the engine's file IOHandler (model.json +
// weights.bin) and the optimiser's slots as a flat float32 file with a JSON index (atomic writes).
import * as tf from '@tensorflow/tfjs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileIO, loadLayersModelFromDir } from '../../main/engine/tf/file-io.ts';

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** Save `model` as dir/model.json + dir/weights.bin (atomic, via the engine's file IOHandler). */
export async function saveModelDir(model: tf.LayersModel, dir: string, extra?: Record<string, unknown>): Promise<void> {
  if (extra !== undefined) model.setUserDefinedMetadata(extra);
  await model.save(fileIO(dir));
}

/** Load a model saved by saveModelDir (custom layers must be registered: import image-dae.ts). */
export function loadModelDir(dir: string): Promise<tf.LayersModel> {
  return loadLayersModelFromDir(dir);
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
