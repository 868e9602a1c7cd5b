// The TF.js-backed ImageDenoiser: runs the image DAE on one RGB tile at a given σ. Tiling, I/O and
// jobs live elsewhere (main/engine/image/); they only see the ImageDenoiser interface.
import * as tf from '@tensorflow/tfjs';
import type { ImageDenoiser, RgbTile } from '../types.ts';
import { IMAGE_DAE_SIZE_MULTIPLE, imageDaeConfigFromModel, imageDaeReceptiveField } from './image-dae.ts';
import { loadLayersModelFromDir } from '../tf/file-io.ts';
import { packRgbAndSigma } from './image-input.ts';

export interface DisposableImageDenoiser extends ImageDenoiser {
  /** Frees the model's weights. The denoiser must not be used afterwards. */
  dispose(): void;
}

/** Wrap a built or loaded image DAE (tests and workers build their own). */
export function imageDenoiserFromModel(model: tf.LayersModel): DisposableImageDenoiser {
  const receptiveField = imageDaeReceptiveField(imageDaeConfigFromModel(model));
  let disposed = false;
  return {
    receptiveField,
    sizeMultiple: IMAGE_DAE_SIZE_MULTIPLE,
    async denoise(tile: RgbTile, sigma: number): Promise<RgbTile> {
      if (disposed) throw new Error('image denoiser used after dispose()');
      const { width, height, data } = tile;
      if (data.length !== width * height * 3) throw new Error(`tile data has ${data.length} samples, expected ${width}×${height}×3`);
      if (width % IMAGE_DAE_SIZE_MULTIPLE !== 0 || height % IMAGE_DAE_SIZE_MULTIPLE !== 0)
        throw new Error(`tile ${width}×${height}: sides must be multiples of ${IMAGE_DAE_SIZE_MULTIPLE}`);
      if (!(sigma >= 0 && sigma <= 255)) throw new Error(`σ must be within 0–255, got ${sigma}`);
      // σ = 0 means "leave untouched" (the model is close to, but not exactly, the identity there).
      if (sigma === 0) return { data: new Float32Array(data), width, height };
      const packed = packRgbAndSigma(data, sigma);
      const out = tf.tidy(() => model.predict(tf.tensor4d(packed, [1, height, width, 4])) as tf.Tensor);
      try {
        const result = (await out.data()) as Float32Array;
        return { data: result, width, height };
      } finally {
        out.dispose();
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}

/** Load the shipped image DAE (model.json + weights.bin) from `dir`, e.g. resources/models/image-dae. */
export async function loadImageDenoiser(dir: string): Promise<DisposableImageDenoiser> {
  const model = await loadLayersModelFromDir(dir);
  return imageDenoiserFromModel(model);
}
