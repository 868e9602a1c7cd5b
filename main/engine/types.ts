// Shared engine types: the seams between file formats, models, jobs and the fronts (CLI, app, tests).
// Keep this file dependency-free so every layer (and the IPC contract) can import it.

/** Image strength: noise σ on the 0–255 scale (0 = leave untouched) or estimate it from the image. */
export type Sigma = number | 'auto';
/** Audio strength: the most the noise may be attenuated, in dB (0 = untouched), or estimate it. */
export type ReductionDb = number | 'auto';

export type MediaKind = 'image' | 'audio';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'avif' | 'heif';
export type AudioFormat = 'wav' | 'flac';
export type OutputFormat = ImageFormat | AudioFormat;

/** Sample encoding for WAV output. */
export type AudioSampleFormat = 'pcm16' | 'pcm24' | 'float32';

/** Interleaved RGB, float32 in [0,1] (a noisy tile may stray slightly outside), row-major HWC. */
export interface RgbTile {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * What the image pipeline needs from a model. Implemented by the in-process TF.js model and by the
 * worker pool, so tiling, I/O and jobs never care where inference runs.
 */
export interface ImageDenoiser {
  /** Denoise one RGB tile at noise level `sigma` (0–255 scale). Output has the input's shape. */
  denoise(tile: RgbTile, sigma: number): Promise<RgbTile>;
  /** Pixels of context each output pixel depends on; tiles overlap by at least this much. */
  readonly receptiveField: number;
  /** Tile sides must be a multiple of this (the encoder's total downsampling). */
  readonly sizeMultiple: number;
}

/** Short-time Fourier transform geometry that a model expects at a given sample rate. */
export interface FrameSpec {
  readonly fftSize: number;
  readonly hop: number;
  /** Analysis window (length fftSize); synthesis uses the same window with WOLA normalisation. */
  readonly window: Float32Array;
}

/**
 * What the audio pipeline needs from a model: per-bin gains for a block of STFT power frames of one
 * channel. The pipeline owns decoding, STFT/ISTFT, chunking with overlap and encoding.
 */
export interface AudioDenoiser {
  frameSpec(sampleRate: number): FrameSpec;
  /** Frames of context on each side a block needs so its inner frames equal whole-file results. */
  readonly contextFrames: { readonly past: number; readonly future: number };
  /**
   * `power` is row-major [nFrames][nBins] (nBins = fftSize/2 + 1). Returns gains in [floor, 1] of
   * the same shape, where floor = 10^(-maxAttenuationDb/20).
   */
  gains(power: Float32Array, nFrames: number, nBins: number, sampleRate: number, maxAttenuationDb: number): Promise<Float32Array>;
  /** Estimate a sensible attenuation limit (dB) and input SNR from a stretch of power frames. */
  estimate(power: Float32Array, nFrames: number, nBins: number, sampleRate: number): { reductionDb: number; snrDb: number };
}

/** Stages a file goes through; progress events carry one of these. */
export type Stage = 'queued' | 'decoding' | 'estimating' | 'denoising' | 'encoding' | 'done' | 'failed' | 'cancelled' | 'skipped';

/** A typed, user-readable failure. `code` is stable for tests and UI; `message` is for people. */
export type ErrorCode =
  | 'unsupported-format'
  | 'corrupt-file'
  | 'empty-file'
  | 'too-large'
  | 'unreadable'
  | 'output-exists'
  | 'output-unwritable'
  | 'would-overwrite-input'
  | 'cancelled'
  | 'engine-crashed'
  | 'internal';

export class HushError extends Error {
  constructor(readonly code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HushError';
  }
}

/** Result of denoising one file, as reported to every front. */
export interface FileResult {
  readonly input: string;
  readonly output: string;
  readonly kind: MediaKind;
  /** σ (images, 0–255) or attenuation limit in dB (audio) that was applied. */
  readonly strength: number;
  /** What `auto` estimated (σ for images, input SNR in dB for audio), when it was asked for. */
  readonly estimate?: number;
  readonly seconds: number;
}
