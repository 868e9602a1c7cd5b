// Copy a trained checkpoint into the app's model folder (resources/models/image-dae): model.json +
// weights.bin through the engine's file IOHandler, with provenance in userDefinedMetadata.
//   npx tsx ml/image/ship-image.ts [checkpoints/image-dae] [resources/models/image-dae]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { imageDaeConfigFromModel, imageDaeCost, imageDaeReceptiveField, IMAGE_DAE_SIZE_MULTIPLE } from '../../main/engine/models/image-dae.ts';
import { loadModelDir, saveModelDir } from './snapshot.ts';

export async function shipImageModel(checkpointDir: string, targetDir: string): Promise<Record<string, unknown>> {
  await initBackend();
  const model = await loadModelDir(path.join(checkpointDir, 'model'));
  const state = JSON.parse(await readFile(path.join(checkpointDir, 'state.json'), 'utf8')) as { step: number; seconds: number };
  const cfg = imageDaeConfigFromModel(model);
  const cost = imageDaeCost(model);
  const meta = {
    name: 'hush-image-dae',
    trainingRun: path.basename(checkpointDir),
    step: state.step,
    trainedSeconds: Math.round(state.seconds),
    architecture: cfg,
    receptiveField: imageDaeReceptiveField(cfg),
    sizeMultiple: IMAGE_DAE_SIZE_MULTIPLE,
    params: cost.params,
    macPerPixel: cost.macPerPixel,
    input: 'noisy RGB in [0,1] + σ/255 map (4 channels, NHWC)',
    output: 'denoised RGB in [0,1] (residual: input + predicted correction)',
  };
  await saveModelDir(model, targetDir, meta);
  model.dispose();
  return meta;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const from = process.argv[2] ?? 'checkpoints/image-dae';
  const to = process.argv[3] ?? 'resources/models/image-dae';
  console.log(JSON.stringify(await shipImageModel(from, to), null, 1));
}
