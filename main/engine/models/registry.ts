// Where the shipped models live and what they are (name, version, parameter count), read from their
// model.json without loading weights into TF.js, so `hush info` and the About box are instant.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelInfo } from '../engine-api.ts';
import type { MediaKind } from '../types.ts';

export const MODEL_FOLDERS: Readonly<Record<MediaKind, string>> = { image: 'image-dae', audio: 'audio-dae' };

/** The repository's resources/ folder (the packaged app passes its own resourcesDir). */
export function defaultResourcesDir(): string {
  return fileURLToPath(new URL('../../../resources', import.meta.url));
}

export function modelDir(resourcesDir: string, kind: MediaKind): string {
  return path.join(resourcesDir, 'models', MODEL_FOLDERS[kind]);
}

interface ModelJson {
  readonly weightsManifest?: readonly { readonly paths: readonly string[]; readonly weights: readonly { readonly shape: readonly number[] }[] }[];
  readonly userDefinedMetadata?: Record<string, unknown>;
}

/**
 * Name, version and size of the model in `dir`. The version is the metadata's `modelVersion` when
 * the training run wrote one, followed by a short hash of the weights, so two different weight
 * files never report the same version.
 */
export async function readModelInfo(dir: string, fallbackName: string): Promise<ModelInfo> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
  const groups = json.weightsManifest ?? [];
  let params = 0;
  const hash = createHash('sha256');
  for (const g of groups) {
    for (const w of g.weights) params += w.shape.reduce((a, b) => a * b, 1);
    for (const p of g.paths) hash.update(await readFile(path.join(dir, p)));
  }
  const meta = json.userDefinedMetadata ?? {};
  const name = typeof meta.name === 'string' ? meta.name : fallbackName;
  // `version` in the metadata is the file format's; a release name, when a training run sets one, is `modelVersion`.
  const declared = typeof meta.modelVersion === 'string' ? meta.modelVersion : undefined;
  const short = hash.digest('hex').slice(0, 8);
  return { name, version: declared ? `${declared}+${short}` : short, params, dir };
}
