// A tf.io.IOHandler for a model directory (model.json + weights.bin), so models load and save in
// plain Node and Electron without tfjs-node:
//   const model = await tf.loadLayersModel(fileIO('resources/models/image-dae'));
//   await model.save(fileIO('checkpoints/run1/model'));
// Saves are atomic: both files are written to temporary names in the directory and renamed into
// place (weights first, model.json last), so a crash never leaves a half-written file. Two files
// cannot be swapped in one step, so model.json also records the weights' SHA-256: a crash between
// the renames (new weights, old model.json) is detected on load instead of silently loading the
// wrong weights. TF.js ignores the extra field.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, rm, open } from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { HushError } from '../types.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
/** Extra model.json field: hex SHA-256 of the concatenated weight files. */
export const WEIGHTS_HASH_FIELD = 'hushWeightsSha256';

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes a weight occupies in the binary, or undefined where it cannot be known (strings). */
function specBytes(spec: tf.io.WeightsManifestEntry): number | undefined {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[dtype];
  if (per === undefined) return undefined;
  return spec.shape.reduce((a, b) => a * b, 1) * per;
}

async function writeFileDurably(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function joinWeights(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the parts of model.json we rely on; a broken file gets a clear, typed error. */
function validateModelJson(json: unknown, file: string): tf.io.ModelJSON {
  const bad = (why: string): never => {
    throw new HushError('corrupt-file', `${file} is not a TF.js model: ${why}`);
  };
  if (!isRecord(json)) return bad('not a JSON object');
  if (!isRecord(json.modelTopology)) return bad('no modelTopology');
  const manifest = json.weightsManifest;
  if (manifest !== undefined) {
    if (!Array.isArray(manifest)) return bad('weightsManifest is not a list');
    for (const group of manifest) {
      if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) return bad('malformed weightsManifest group');
      for (const p of group.paths) if (typeof p !== 'string') return bad('weight path is not a string');
      for (const w of group.weights) {
        if (!isRecord(w) || typeof w.name !== 'string' || typeof w.dtype !== 'string' || !Array.isArray(w.shape)) return bad('malformed weight entry');
      }
    }
  }
  return json as unknown as tf.io.ModelJSON;
}

export interface FileIOOptions {
  /** Name of the weights file written by save (default weights.bin). */
  weightsFile?: string;
}

/** An IOHandler reading and writing `<dir>/model.json` and its weights file(s). */
export function fileIO(dir: string, options: FileIOOptions = {}): tf.io.IOHandler {
  const weightsFile = options.weightsFile ?? WEIGHTS_BIN;
  const root = path.resolve(dir);

  const load = async (): Promise<tf.io.ModelArtifacts> => {
    const jsonPath = path.join(root, MODEL_JSON);
    let text: string;
    try {
      text = await readFile(jsonPath, 'utf8');
    } catch (cause) {
      throw new HushError('unreadable', `Cannot read model file ${jsonPath}`, { cause });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new HushError('corrupt-file', `${jsonPath} is not valid JSON`, { cause });
    }
    const modelJson = validateModelJson(parsed, jsonPath);
    const expectedHash = (parsed as Record<string, unknown>)[WEIGHTS_HASH_FIELD];
    return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of manifest) {
        for (const rel of group.paths) {
          const file = path.resolve(root, rel);
          // Weight paths come from a file; never let them reach outside the model directory.
          if (path.relative(root, file).startsWith('..') || path.isAbsolute(rel)) {
            throw new HushError('corrupt-file', `${jsonPath} names a weights file outside its folder: ${rel}`);
          }
          try {
            buffers.push(await readFile(file));
          } catch (cause) {
            throw new HushError('unreadable', `Cannot read weights file ${file}`, { cause });
          }
        }
        specs.push(...group.weights);
      }
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const sizes = specs.map(specBytes);
      if (sizes.every((s) => s !== undefined)) {
        const expected = (sizes as number[]).reduce((a, b) => a + b, 0);
        if (expected !== total) {
          throw new HushError('corrupt-file', `Weights in ${root} hold ${total} bytes but model.json describes ${expected}`);
        }
      }
      const joined = new Uint8Array(total);
      let offset = 0;
      for (const b of buffers) {
        joined.set(b, offset);
        offset += b.byteLength;
      }
      if (typeof expectedHash === 'string' && sha256(joined) !== expectedHash) {
        throw new HushError('corrupt-file', `Weights in ${root} do not match model.json (interrupted save or edited file)`);
      }
      return [specs, joined.buffer];
    });
  };

  const save = async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new Error('fileIO saves JSON model topologies only (layers or graph models from tfjs)');
    }
    await mkdir(root, { recursive: true });
    const weights = joinWeights(artifacts.weightData);
    const manifest: tf.io.WeightsManifestConfig = [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }];
    const modelJson: tf.io.ModelJSON & { [WEIGHTS_HASH_FIELD]: string } = {
      modelTopology: artifacts.modelTopology as object,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: manifest,
      [WEIGHTS_HASH_FIELD]: sha256(weights),
    };
    if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
    if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
    if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
    if (artifacts.modelInitializer !== undefined) modelJson.modelInitializer = artifacts.modelInitializer;
    if (artifacts.initializerSignature !== undefined) modelJson.initializerSignature = artifacts.initializerSignature;

    const tag = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const weightsTmp = path.join(root, weightsFile + tag);
    const jsonTmp = path.join(root, MODEL_JSON + tag);
    try {
      await writeFileDurably(weightsTmp, weights);
      await writeFileDurably(jsonTmp, JSON.stringify(modelJson));
      await rename(weightsTmp, path.join(root, weightsFile));
      await rename(jsonTmp, path.join(root, MODEL_JSON));
    } catch (cause) {
      await rm(weightsTmp, { force: true });
      await rm(jsonTmp, { force: true });
      throw new HushError('output-unwritable', `Cannot save the model to ${root}`, { cause });
    }
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  };

  return { load, save };
}

/** Convenience: tf.loadLayersModel from a model directory. */
export function loadLayersModelFromDir(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileIO(dir));
}
