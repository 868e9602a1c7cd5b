// ImageDenoiser backed by the worker pool: tiles run on every core, so the image pipeline sets its
// tile concurrency to `parallelism`. The RGB + σ plane is packed here (the model's input layout, the
// same packing as the in-process denoiser, so results are bit-identical) and the packed buffer is
// transferred to the worker, its output transferred back: no copies beyond the packing itself.
import type { ImageDenoiser, RgbTile } from '../types.ts';
import type { DisposableImageDenoiser } from '../models/image-denoiser.ts';
import { WorkerPool, type PoolMemory, type PoolOptions, type Priority } from './worker-pool.ts';
import { packRgbAndSigma } from '../models/image-input.ts';

export interface PooledImageDenoiser extends DisposableImageDenoiser {
  /** Tiles worth having in flight at once (= workers). */
  readonly parallelism: number;
  /** The same denoiser with its tiles queued in the given lane ('high' for previews). */
  withPriority(priority: Priority): ImageDenoiser & { readonly parallelism: number };
  /** tf.memory() of every worker. */
  memory(): Promise<PoolMemory[]>;
  readonly pool: WorkerPool;
}

function checkTile(tile: RgbTile, sigma: number, multiple: number): void {
  const { width, height, data } = tile;
  if (data.length !== width * height * 3) throw new Error(`tile data has ${data.length} samples, expected ${width}×${height}×3`);
  if (width % multiple !== 0 || height % multiple !== 0) throw new Error(`tile ${width}×${height}: sides must be multiples of ${multiple}`);
  if (!(sigma >= 0 && sigma <= 255)) throw new Error(`σ must be within 0–255, got ${sigma}`);
}

export async function startPooledImageDenoiser(modelDir: string, options: PoolOptions & { wasmDir?: string } = {}): Promise<PooledImageDenoiser> {
  const pool = await WorkerPool.start({ kind: 'image', modelDir, ...(options.wasmDir !== undefined ? { wasmDir: options.wasmDir } : {}) }, options);
  const receptiveField = pool.readyInfo.receptiveField ?? 0;
  const sizeMultiple = pool.readyInfo.sizeMultiple ?? 1;

  const denoiseAt = (priority: Priority) => async (tile: RgbTile, sigma: number): Promise<RgbTile> => {
    checkTile(tile, sigma, sizeMultiple);
    const { width, height, data } = tile;
    // σ = 0 means "leave untouched", as in-process.
    if (sigma === 0) return { data: new Float32Array(data), width, height };
    const packed = packRgbAndSigma(data, sigma);
    const out = await pool.run({ type: 'image', packed, width, height }, [packed.buffer], priority);
    return { data: out, width, height };
  };
  const view = (priority: Priority): ImageDenoiser & { parallelism: number } => ({ receptiveField, sizeMultiple, parallelism: pool.size, denoise: denoiseAt(priority) });

  return {
    receptiveField,
    sizeMultiple,
    parallelism: pool.size,
    pool,
    denoise: denoiseAt('normal'),
    withPriority: view,
    memory: () => pool.memory(),
    dispose(): void {
      void pool.close();
    },
  };
}
