// The Engine API every front calls (CLI, desktop app via IPC, web bridge, benchmarks, tests).
// Implemented in-process by createEngine() (engine.ts) and across a process boundary by
// EngineClient (main/host/engine-client.ts); the host protocol's zod schemas mirror these types
// and are checked against them at compile time.
import type { BackendName } from './tf/backend.ts';
import type { AudioFormat, AudioSampleFormat, ImageFormat, ReductionDb, Sigma } from './types.ts';
import type { BatchSummary, JobEvent } from './jobs/events.ts';

export interface EngineOptions {
  /** Folder holding models/ (and the wasm binaries' parent in a packaged app). Default: <repo>/resources. */
  readonly resourcesDir?: string;
  /** Backend preference; 'auto' picks tfjs-node-gpu → tfjs-node → wasm → cpu. */
  readonly backend?: 'auto' | 'wasm' | 'cpu';
}

/** One file of a batch; per-file strength overrides the batch's. */
export interface DenoiseFile {
  readonly path: string;
  readonly sigma?: Sigma;
  readonly reductionDb?: ReductionDb;
  /** Number used for the name pattern's {index} (0-based); default: the file's position in `files`. */
  readonly nameIndex?: number;
}

export interface DenoiseRequest {
  readonly files: readonly DenoiseFile[];
  /** Folder the outputs go to (created if missing). */
  readonly outDir: string;
  /** Image strength for files without their own; default 'auto'. */
  readonly sigma?: Sigma;
  /** Audio strength for files without their own; default 'auto'. */
  readonly reductionDb?: ReductionDb;
  /** Output format for images; default: the input's format. */
  readonly imageFormat?: ImageFormat;
  /** Output format for audio; default: WAV (FLAC input stays FLAC where FLAC output is available). */
  readonly audioFormat?: AudioFormat;
  /** Encoder quality 1–100 for lossy image formats. */
  readonly quality?: number;
  /** Image bits per channel; default: the input's (8 or 16). */
  readonly bitDepth?: 8 | 16;
  /** WAV sample encoding; default: the closest to the input's. */
  readonly sampleFormat?: AudioSampleFormat;
  /** Output base name; `{name}` is the input's base name without extension. Default '{name}'. */
  readonly namePattern?: string;
  /** Files processed at once; default 1. */
  readonly concurrency?: number;
  /** Skip a file whose output (plain name) already exists. */
  readonly skipExisting?: boolean;
  /** Replace an existing output instead of picking a unique name (never an input of the batch). */
  readonly overwrite?: boolean;
  /** Output paths taken by an earlier part of this batch (used when a batch resumes after a crash). */
  readonly reservedOutputs?: readonly string[];
}

export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  readonly params: number;
  readonly dir: string;
}

export interface EngineInfo {
  readonly backend: { readonly name: BackendName; readonly threads: number; readonly simd: boolean };
  readonly models: { readonly image: ModelInfo | null; readonly audio: ModelInfo | null };
  /** Why a model is missing, when one is. */
  readonly modelErrors: readonly string[];
  readonly versions: {
    readonly app: string;
    readonly node: string;
    readonly tfjs: string;
    readonly sharp: string;
    readonly libvips: string;
  };
  readonly pid: number;
}

export type Estimate =
  | { readonly kind: 'image'; readonly sigma: number }
  | { readonly kind: 'audio'; readonly reductionDb: number; readonly snrDb: number };

/** An encoded picture ready for an <img> (PNG, JPEG or WebP bytes). */
export interface EncodedImage {
  readonly data: Uint8Array;
  readonly mime: 'image/png' | 'image/jpeg' | 'image/webp';
  readonly width: number;
  readonly height: number;
}

/** A rectangle in the source image's displayed (orientation-corrected) pixels. */
export interface Region {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface ImagePreviewRequest {
  readonly path: string;
  readonly sigma: Sigma;
  /** Crop to denoise at full resolution (the visible region); default: the whole image, scaled. */
  readonly region?: Region;
  /** Longest side of the returned pictures; the whole image is scaled down to fit. */
  readonly maxSide?: number;
}

export interface ImagePreview {
  readonly before: EncodedImage;
  readonly after: EncodedImage;
  /** The region of the source that the pictures show. */
  readonly region: Region;
  /** σ applied (0–255). */
  readonly sigma: number;
  /** σ estimated when 'auto' was asked. */
  readonly estimate?: number;
}

export interface AudioOverviewRequest {
  readonly path: string;
  /** Waveform and spectrogram columns wanted (default 1024). */
  readonly points?: number;
  /** Spectrogram rows (mel bands), default 128. */
  readonly spectrogramHeight?: number;
}

export interface AudioOverview {
  readonly sampleRate: number;
  readonly channels: number;
  readonly durationSec: number;
  /** Container detected from the content: wav, flac, mp3 or ogg. */
  readonly format: string;
  /** Min and max over all channels per column, in [-1, 1] (float sources may exceed it). */
  readonly min: Float32Array;
  readonly max: Float32Array;
  /** Mel spectrogram picture (PNG): x = time, y = frequency, low at the bottom. */
  readonly spectrogram: {
    readonly png: Uint8Array;
    readonly width: number;
    readonly height: number;
    readonly minHz: number;
    readonly maxHz: number;
    /** Level of the brightest cell (dBFS); the picture shows `rangeDb` below it. */
    readonly maxDb: number;
    readonly rangeDb: number;
  };
}

export interface AudioPreviewRequest {
  readonly path: string;
  readonly reductionDb: ReductionDb;
  readonly startSec: number;
  readonly durationSec: number;
}

export interface AudioPreview {
  readonly sampleRate: number;
  readonly channels: number;
  /** The excerpt actually rendered (clamped to the recording). */
  readonly startSec: number;
  readonly durationSec: number;
  /** WAV files (float32, the input's rate and channels) of the excerpt, before and after. */
  readonly before: Uint8Array;
  readonly after: Uint8Array;
  /** Attenuation limit applied (dB). */
  readonly reductionDb: number;
  /** With 'auto': the input SNR (dB) the model estimated. */
  readonly estimate?: number;
}

/** A small picture of a photo, plus what the UI shows about the source. */
export interface ImageThumbnail {
  readonly image: EncodedImage;
  /** Size of the full image as displayed (EXIF orientation applied): preview regions use these. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Format detected from the content (jpeg, png, webp, tiff, avif, heif, gif). */
  readonly format: string;
  readonly bitDepth: number;
  readonly hasAlpha: boolean;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface DenoiseHandle {
  /** Stop the batch: running files are aborted (no partial outputs), queued ones marked cancelled. */
  cancel(): void;
  /** Resolves with the summary (also after cancel); rejects only if the batch could not run at all. */
  readonly result: Promise<BatchSummary>;
}

export interface EngineApi {
  info(): Promise<EngineInfo>;
  denoise(request: DenoiseRequest, onEvent?: (event: JobEvent) => void): DenoiseHandle;
  estimate(path: string, options?: CallOptions): Promise<Estimate>;
  previewImage(request: ImagePreviewRequest, options?: CallOptions): Promise<ImagePreview>;
  thumbnail(path: string, maxSide: number, options?: CallOptions): Promise<ImageThumbnail>;
  audioOverview(request: AudioOverviewRequest, options?: CallOptions): Promise<AudioOverview>;
  previewAudio(request: AudioPreviewRequest, options?: CallOptions): Promise<AudioPreview>;
  dispose(): Promise<void>;
}
