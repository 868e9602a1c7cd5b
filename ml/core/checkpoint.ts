// Resumable checkpoints: model weights + optimiser state + step + RNG state (+ anything the
// trainer adds), one folder per checkpoint under checkpoints/<run>/ (git-ignored):
//   ckpt-00001200/ model/model.json, model/weights.bin, optimizer.bin, checkpoint.json
// Each checkpoint is written to a temporary folder and renamed into place, so an interrupted save
// never leaves a half checkpoint; the newest complete one is what resume picks.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileIO } from '../../main/engine/tf/file-io.ts';
import type { Optimizer, OptimizerSpec } from './optimizers.ts';
import type { Rng, RngState } from './rng.ts';

export interface CheckpointMeta {
  readonly step: number;
  readonly rng: RngState;
  readonly optimizer: { readonly spec: OptimizerSpec; readonly t: number; readonly slots: tf.io.WeightsManifestEntry[] };
  /** Trainer-specific state (e.g. best validation score, seconds trained, config). */
  readonly extra: Record<string, unknown>;
  readonly time: string;
}

export interface CheckpointParts {
  readonly model: tf.LayersModel;
  readonly optimizer: Optimizer;
  readonly step: number;
  readonly rng: Rng;
  readonly extra?: Record<string, unknown>;
}

const PREFIX = 'ckpt-';

export function checkpointName(step: number): string {
  return PREFIX + String(step).padStart(8, '0');
}

/** Writes a checkpoint folder `<runDir>/<name>` atomically; returns its path. */
export async function saveCheckpoint(runDir: string, parts: CheckpointParts, name = checkpointName(parts.step)): Promise<string> {
  await mkdir(runDir, { recursive: true });
  const final = path.join(runDir, name);
  const tmp = path.join(runDir, `.${name}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    await mkdir(tmp, { recursive: true });
    await parts.model.save(fileIO(path.join(tmp, 'model')));
    const state = parts.optimizer.getState();
    const { data, specs } = await tf.io.encodeWeights(state.slots);
    tf.dispose(Object.values(state.slots));
    await writeFile(path.join(tmp, 'optimizer.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(data)));
    const meta: CheckpointMeta = {
      step: parts.step,
      rng: parts.rng.state(),
      optimizer: { spec: state.spec, t: state.t, slots: specs },
      extra: parts.extra ?? {},
      time: new Date().toISOString(),
    };
    await writeFile(path.join(tmp, 'checkpoint.json'), JSON.stringify(meta, null, 1));
    // Replace an existing checkpoint of the same name (e.g. 'best') with as short a gap as possible.
    const old = path.join(runDir, `.${name}.old-${process.pid}`);
    const hadOld = await exists(final);
    if (hadOld) await rename(final, old);
    await rename(tmp, final);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return final;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Complete step checkpoints in a run folder, oldest first. */
export async function listCheckpoints(runDir: string): Promise<{ step: number; dir: string }[]> {
  let names: string[];
  try {
    names = await readdir(runDir);
  } catch {
    return [];
  }
  const out: { step: number; dir: string }[] = [];
  for (const n of names) {
    const m = /^ckpt-(\d+)$/.exec(n);
    if (m && (await exists(path.join(runDir, n, 'checkpoint.json')))) out.push({ step: Number(m[1]), dir: path.join(runDir, n) });
  }
  return out.sort((a, b) => a.step - b.step);
}

export async function latestCheckpoint(runDir: string): Promise<string | undefined> {
  const all = await listCheckpoints(runDir);
  return all.at(-1)?.dir;
}

/** Deletes all but the newest `keep` step checkpoints (named ones like 'best' are kept). */
export async function pruneCheckpoints(runDir: string, keep: number): Promise<void> {
  const all = await listCheckpoints(runDir);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) await rm(c.dir, { recursive: true, force: true });
}

export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  return JSON.parse(await readFile(path.join(dir, 'checkpoint.json'), 'utf8')) as CheckpointMeta;
}

/**
 * Restores weights into `model` (same architecture), the optimiser's state and the RNG; returns
 * the metadata (step, extra). The model keeps its identity, so callers' references stay valid.
 */
export async function restoreCheckpoint(dir: string, into: { model: tf.LayersModel; optimizer: Optimizer; rng: Rng }): Promise<CheckpointMeta> {
  const meta = await readCheckpointMeta(dir);
  const saved = await tf.loadLayersModel(fileIO(path.join(dir, 'model')));
  const weights = saved.getWeights();
  const target = into.model.getWeights();
  if (weights.length !== target.length || weights.some((w, i) => !tf.util.arraysEqual(w.shape, target[i].shape))) {
    saved.dispose();
    throw new Error(`Checkpoint ${dir} does not fit this model (different architecture)`);
  }
  into.model.setWeights(weights);
  saved.dispose();
  const bin = await readFile(path.join(dir, 'optimizer.bin'));
  const slots = tf.io.decodeWeights(new Uint8Array(bin).buffer, meta.optimizer.slots);
  into.optimizer.setState({ spec: meta.optimizer.spec, t: meta.optimizer.t, slots });
  tf.dispose(Object.values(slots));
  into.rng.setState(meta.rng);
  return meta;
}
