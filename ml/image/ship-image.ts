// Copy a trained checkpoint into the app's model folder (resources/models/image-dae): model.json +
// weights.bin through the engine's file IOHandler, with provenance in userDefinedMetadata.
//   npx tsx ml/image/ship-image.ts [checkpoints/image-dae/best] [resources/models/image-dae]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { fileIO, loadLayersModelFromDir } from '../../main/engine/tf/file-io.ts';
import { imageDaeConfigFromModel, imageDaeCost, imageDaeReceptiveField, IMAGE_DAE_SIZE_MULTIPLE } from '../../main/engine/models/image-dae.ts';
import { readCheckpointMeta } from '../core/checkpoint.ts';

export async function shipImageModel(checkpointDir: string, targetDir: string, note?: string): Promise<Record<string, unknown>> {
  await initBackend();
  const model = await loadLayersModelFromDir(path.join(checkpointDir, 'model'));
  const ckpt = await readCheckpointMeta(checkpointDir);
  const cfg = imageDaeConfigFromModel(model);
  const cost = imageDaeCost(model);
  const meta = {
    name: 'hush-image-dae',
    checkpoint: path.relative(process.cwd(), checkpointDir),
    step: ckpt.step,
    trainedSeconds: typeof ckpt.extra.seconds === 'number' ? Math.round(ckpt.extra.seconds) : undefined,
    bestValPsnrSigma25: ckpt.extra.bestValue,
    architecture: cfg,
    receptiveField: imageDaeReceptiveField(cfg),
    sizeMultiple: IMAGE_DAE_SIZE_MULTIPLE,
    params: cost.params,
    macPerPixel: cost.macPerPixel,
    input: 'noisy RGB in [0,1] + σ/255 map (4 channels, NHWC)',
    output: 'denoised RGB in [0,1] (residual: input + predicted correction)',
    ...(note === undefined ? {} : { note }),
  };
  model.setUserDefinedMetadata(meta);
  await model.save(fileIO(targetDir));
  model.dispose();
  return meta;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const from = process.argv[2] ?? 'checkpoints/image-dae/best';
  const to = process.argv[3] ?? 'resources/models/image-dae';
  console.log(JSON.stringify(await shipImageModel(from, to, process.argv[4]), null, 1));
}
