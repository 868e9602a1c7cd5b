// Where the engine's models run. On the single-threaded wasm backend, a pool of worker threads (one
// backend and model copy each, one per core) runs tiles and audio blocks in parallel and keeps the
// engine's own thread free for messages. Native backends (tfjs-node, tfjs-node-gpu) already use every
// core, so there the model runs in-process; so it does when the pool is disabled (HUSH_WORKERS=0) or
// its worker script was not shipped.
import type { AudioDenoiser, ImageDenoiser } from '../types.ts';
import { loadAudioDenoiser } from '../models/audio-denoiser.ts';
import { loadImageDenoiser, type DisposableImageDenoiser } from '../models/image-denoiser.ts';
import type { BackendInfo } from '../tf/backend.ts';
import { PooledAudioDenoiser } from './pooled-audio-denoiser.ts';
import { startPooledImageDenoiser, type PooledImageDenoiser } from './pooled-image-denoiser.ts';
import { poolAvailable, poolSize } from './worker-pool.ts';

export { PooledAudioDenoiser } from './pooled-audio-denoiser.ts';
export { startPooledImageDenoiser, type PooledImageDenoiser } from './pooled-image-denoiser.ts';
export { poolAvailable, poolSize, WorkerPool, type Priority } from './worker-pool.ts';

export type DisposableAudioDenoiser = AudioDenoiser & { dispose(): void };

export interface PoolChoice {
  /** Workers; 0 = in-process. Default: $HUSH_WORKERS, else os.availableParallelism(). */
  readonly workers?: number;
  readonly wasmDir?: string;
}

/** Workers to use with `backend`, 0 meaning in-process. */
export function workersFor(backend: Pick<BackendInfo, 'name'>, choice: PoolChoice = {}): number {
  if (backend.name !== 'wasm' || !poolAvailable()) return 0;
  const env = process.env.HUSH_WORKERS;
  if (choice.workers !== undefined) return Math.max(0, Math.floor(choice.workers));
  if (env !== undefined && env.trim() === '0') return 0;
  return poolSize();
}

/** The image model: pooled on wasm, in-process otherwise. */
export async function loadImageModel(dir: string, backend: Pick<BackendInfo, 'name'>, choice: PoolChoice = {}): Promise<DisposableImageDenoiser> {
  const n = workersFor(backend, choice);
  if (n === 0) return loadImageDenoiser(dir);
  return startPooledImageDenoiser(dir, { size: n, ...(choice.wasmDir !== undefined ? { wasmDir: choice.wasmDir } : {}) });
}

/** The audio model: pooled on wasm (with a local copy for geometry and estimates), in-process otherwise. */
export async function loadAudioModel(dir: string, backend: Pick<BackendInfo, 'name'>, choice: PoolChoice = {}): Promise<DisposableAudioDenoiser> {
  const local = await loadAudioDenoiser(dir);
  const n = workersFor(backend, choice);
  if (n === 0) return Object.assign(local, { dispose: () => local.model.dispose() });
  try {
    return await PooledAudioDenoiser.start(local, dir, { size: n, ...(choice.wasmDir !== undefined ? { wasmDir: choice.wasmDir } : {}) });
  } catch (err) {
    local.model.dispose();
    throw err;
  }
}

/** Tiles worth keeping in flight for this denoiser (the pool's size, 1 in-process). */
export function tileConcurrency(denoiser: ImageDenoiser): number {
  return (denoiser as Partial<PooledImageDenoiser>).parallelism ?? 1;
}

/** The denoiser to use for previews: ahead of batch work in the pool's queue. */
export function previewImageDenoiser(denoiser: ImageDenoiser): ImageDenoiser {
  const p = denoiser as Partial<PooledImageDenoiser>;
  return p.withPriority ? p.withPriority('high') : denoiser;
}

export function previewAudioDenoiser(denoiser: AudioDenoiser): AudioDenoiser {
  return denoiser instanceof PooledAudioDenoiser ? denoiser.withPriority('high') : denoiser;
}
