// Small image and audio DAEs with fixed seeds, saved in the shipped format into a temp resources
// folder, so the pool tests need no trained weights (equality with in-process holds for any weights).
import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildAudioDae } from '../../../main/engine/models/audio-dae.ts';
import { DEFAULT_BANDS } from '../../../main/engine/models/audio-features.ts';
import { buildImageDae } from '../../../main/engine/models/image-dae.ts';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { fileIO } from '../../../main/engine/tf/file-io.ts';

export interface TestResources {
  readonly resourcesDir: string;
  readonly imageDir: string;
  readonly audioDir: string;
}

export async function makeTestModels(): Promise<TestResources> {
  await initBackend({ prefer: 'wasm' });
  const resourcesDir = await mkdtemp(path.join(tmpdir(), 'hush-pool-models-'));
  const imageDir = path.join(resourcesDir, 'models', 'image-dae');
  const audioDir = path.join(resourcesDir, 'models', 'audio-dae');
  await mkdir(imageDir, { recursive: true });
  await mkdir(audioDir, { recursive: true });
  const img = buildImageDae({ c1: 16, c2: 32, n1: 1, nLatent: 1, seed: 7 });
  await img.save(fileIO(imageDir));
  img.dispose();
  const nb = DEFAULT_BANDS.nBands;
  const aud = buildAudioDae({ nBands: nb, widths: [16, 16, 24], latentBlocks: 1, latentKernel: 3 }, 3);
  aud.setUserDefinedMetadata({
    format: 'hush-audio-dae',
    version: 1,
    hopSeconds: 0.01,
    bands: DEFAULT_BANDS,
    featureMean: Array.from({ length: nb }, () => -6),
    featureStd: Array.from({ length: nb }, () => 2),
    trainRate: 16000,
  });
  await aud.save(fileIO(audioDir));
  aud.dispose();
  tf.disposeVariables();
  return { resourcesDir, imageDir, audioDir };
}
