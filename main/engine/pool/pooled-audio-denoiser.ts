// AudioDenoiser whose gains() run on the worker pool, so the channels of a block (issued together by
// the stream) and the blocks of concurrent files use every core. Geometry and the strength estimate
// are cheap and stay on this thread with a local copy of the model (small), which also serves as the
// reference the pool's results are checked against in tests.
import type { AudioDenoiser, FrameSpec } from '../types.ts';
import type { TfAudioDenoiser } from '../models/audio-denoiser.ts';
import { WorkerPool, type PoolMemory, type PoolOptions, type Priority } from './worker-pool.ts';

export class PooledAudioDenoiser implements AudioDenoiser {
  readonly contextFrames: { readonly past: number; readonly future: number };

  private constructor(
    readonly local: TfAudioDenoiser,
    readonly pool: WorkerPool,
    private readonly priority: Priority = 'normal',
  ) {
    this.contextFrames = local.contextFrames;
  }

  static async start(local: TfAudioDenoiser, modelDir: string, options: PoolOptions & { wasmDir?: string } = {}): Promise<PooledAudioDenoiser> {
    const pool = await WorkerPool.start({ kind: 'audio', modelDir, ...(options.wasmDir !== undefined ? { wasmDir: options.wasmDir } : {}) }, options);
    return new PooledAudioDenoiser(local, pool);
  }

  get parallelism(): number {
    return this.pool.size;
  }

  /** Multiply-accumulates per second of audio (one channel). */
  get macsPerSecond(): number {
    return this.local.macsPerSecond;
  }

  /** The same denoiser queued in another lane ('high' for previews). */
  withPriority(priority: Priority): PooledAudioDenoiser {
    return new PooledAudioDenoiser(this.local, this.pool, priority);
  }

  frameSpec(sampleRate: number): FrameSpec {
    return this.local.frameSpec(sampleRate);
  }

  async gains(power: Float32Array, nFrames: number, nBins: number, sampleRate: number, maxAttenuationDb: number): Promise<Float32Array> {
    if (power.length !== nFrames * nBins) return this.local.gains(power, nFrames, nBins, sampleRate, maxAttenuationDb); // throws the usual error
    if (maxAttenuationDb <= 0) return new Float32Array(nFrames * nBins).fill(1);
    // The caller keeps its array: send a copy (one memcpy, small next to the model) and transfer it.
    const copy = power.slice();
    return this.pool.run({ type: 'gains', power: copy, nFrames, nBins, sampleRate, maxAttenuationDb }, [copy.buffer], this.priority);
  }

  estimate(power: Float32Array, nFrames: number, nBins: number, sampleRate: number): { reductionDb: number; snrDb: number } {
    return this.local.estimate(power, nFrames, nBins, sampleRate);
  }

  memory(): Promise<PoolMemory[]> {
    return this.pool.memory();
  }

  dispose(): void {
    void this.pool.close();
    this.local.model.dispose();
  }
}
