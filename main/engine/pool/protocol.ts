// Messages between the inference pool (main thread) and its workers. Both ends are this package's own
// code in one process, so the types are the contract; buffers travel as transferables (no copies).

export type ModelKind = 'image' | 'audio';

/** workerData of every pool worker. */
export interface WorkerInit {
  readonly kind: ModelKind;
  /** Folder with model.json + weights.bin. */
  readonly modelDir: string;
  /** Folder of the tfjs-backend-wasm binaries (packaged app); default: node_modules. */
  readonly wasmDir?: string;
}

/** Image tile: RGB + σ/255 plane already packed as [H][W][4] (the model's input layout). */
export interface ImageJob {
  readonly type: 'image';
  readonly id: number;
  readonly packed: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** Per-bin gains for one channel's block of STFT power frames. */
export interface GainsJob {
  readonly type: 'gains';
  readonly id: number;
  readonly power: Float32Array;
  readonly nFrames: number;
  readonly nBins: number;
  readonly sampleRate: number;
  readonly maxAttenuationDb: number;
}

export interface MemoryQuery {
  readonly type: 'memory';
  readonly id: number;
}

export type WorkerRequest = ImageJob | GainsJob | MemoryQuery;

export interface ReadyReply {
  readonly type: 'ready';
  readonly backend: string;
  /** Image models: the ImageDenoiser geometry. */
  readonly receptiveField?: number;
  readonly sizeMultiple?: number;
}

export type WorkerReply =
  | ReadyReply
  | { readonly type: 'result'; readonly id: number; readonly data: Float32Array }
  | { readonly type: 'memory'; readonly id: number; readonly numTensors: number; readonly numBytes: number }
  | { readonly type: 'error'; readonly id?: number; readonly message: string };
