// The Engine: the one API every front calls (CLI and desktop app through the engine host process,
// web bridge, benchmarks and tests in-process). It picks the TF.js backend, loads the models on
// first use, routes each file to the image or audio pipeline by its content, names outputs safely,
// and runs batches through the job queue with progress, cancel and per-file errors.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import * as audio from './audio/index.ts';
import type {
  AudioOverview, AudioOverviewRequest, AudioPreview, AudioPreviewRequest, CallOptions, DenoiseFile, DenoiseHandle,
  DenoiseRequest, EngineApi, EngineInfo, EngineOptions, Estimate, ImagePreview, ImagePreviewRequest, ImageThumbnail, Region,
} from './engine-api.ts';
import * as image from './image/index.ts';
import type { BatchSummary, JobEvent } from './jobs/events.ts';
import { detectMediaKind } from './jobs/media-kind.ts';
import { OutputPlanner, PARTIAL_MARK } from './jobs/output-naming.ts';
import { planOutput } from './jobs/output-plan.ts';
import { runQueue, type QueueTask, type TaskContext, type TaskResult } from './jobs/queue.ts';
import type { DisposableImageDenoiser } from './models/image-denoiser.ts';
import { loadAudioModel, loadImageModel, previewAudioDenoiser, previewImageDenoiser, tileConcurrency, workersFor, type DisposableAudioDenoiser } from './pool/index.ts';
import { defaultResourcesDir, modelDir, readModelInfo } from './models/registry.ts';
import { backendInfo, initBackend, type BackendInfo } from './tf/backend.ts';
import { HushError, type ImageFormat, type MediaKind, type Stage } from './types.ts';

export type * from './engine-api.ts';

/** Where each stage sits within a file's progress (pipelines report 0–1 per stage). */
const STAGE_SPAN: Readonly<Partial<Record<Stage, readonly [number, number]>>> = {
  decoding: [0, 0.08],
  estimating: [0.08, 0.14],
  denoising: [0.14, 0.94],
  encoding: [0.94, 1],
};

function appVersion(): Promise<string> {
  return readFile(new URL('../../package.json', import.meta.url), 'utf8').then((t) => (JSON.parse(t) as { version: string }).version);
}

/**
 * Errors raised while writing name the hidden temp file (".x.hush-partial-…png"), which the user
 * never sees: say the output's real name instead.
 */
function nameTheOutput(err: unknown, output: string): unknown {
  if (!(err instanceof HushError) || !err.message.includes(PARTIAL_MARK)) return err;
  const ext = path.extname(output).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const temp = new RegExp(`[^\\s/\\\\]*${PARTIAL_MARK.replace(/[.-]/g, '\\$&')}[^\\s/\\\\]*?${ext}`, 'g');
  return new HushError(err.code, err.message.replace(temp, path.basename(output)), { cause: err });
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HushError('cancelled', 'cancelled');
}

export class Engine implements EngineApi {
  private imageModel: Promise<DisposableImageDenoiser> | undefined;
  private audioModel: Promise<DisposableAudioDenoiser> | undefined;
  private disposed = false;

  constructor(
    readonly resourcesDir: string,
    readonly backend: BackendInfo,
  ) {}

  private loadModel<T>(kind: MediaKind, load: (dir: string) => Promise<T>): Promise<T> {
    const dir = modelDir(this.resourcesDir, kind);
    return load(dir).catch((err: unknown) => {
      throw new HushError('internal', `the ${kind} model could not be loaded from ${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
  }

  /** The image model, loaded on first use (and again after a failed load). */
  imageDenoiser(): Promise<DisposableImageDenoiser> {
    if (this.disposed) return Promise.reject(new HushError('internal', 'the engine has been disposed'));
    if (!this.imageModel) {
      // On wasm the model runs on a pool of worker threads (one per core); see pool/index.ts.
      const p = this.loadModel('image', (dir) => loadImageModel(dir, this.backend));
      this.imageModel = p;
      p.catch(() => {
        if (this.imageModel === p) this.imageModel = undefined;
      });
    }
    return this.imageModel;
  }

  /** The audio model, loaded on first use (and again after a failed load). */
  audioDenoiser(): Promise<DisposableAudioDenoiser> {
    if (this.disposed) return Promise.reject(new HushError('internal', 'the engine has been disposed'));
    if (!this.audioModel) {
      const p = this.loadModel('audio', (dir) => loadAudioModel(dir, this.backend));
      this.audioModel = p;
      p.catch(() => {
        if (this.audioModel === p) this.audioModel = undefined;
      });
    }
    return this.audioModel;
  }

  async info(): Promise<EngineInfo> {
    const modelErrors: string[] = [];
    const read = async (kind: MediaKind): Promise<EngineInfo['models']['image']> => {
      try {
        return await readModelInfo(modelDir(this.resourcesDir, kind), `${kind}-dae`);
      } catch (err) {
        modelErrors.push(`${kind} model missing or unreadable in ${modelDir(this.resourcesDir, kind)}: ${err instanceof Error ? err.message : String(err)}`);
        return null;
      }
    };
    const [imageInfo, audioInfo, app] = await Promise.all([read('image'), read('audio'), appVersion()]);
    const b = backendInfo() ?? this.backend;
    return {
      // On wasm the models run on a pool of worker threads (one backend each): that is the parallelism.
      backend: { name: b.name, threads: Math.max(b.threads, workersFor(b)), simd: b.simd ?? false },
      models: { image: imageInfo, audio: audioInfo },
      modelErrors,
      versions: {
        app,
        node: process.versions.node,
        tfjs: tf.version_core,
        sharp: sharp.versions.sharp ?? 'unknown',
        libvips: sharp.versions.vips,
      },
      pid: process.pid,
    };
  }

  denoise(request: DenoiseRequest, onEvent?: (event: JobEvent) => void): DenoiseHandle {
    const controller = new AbortController();
    const result = this.runBatch(request, controller.signal, onEvent);
    return { cancel: () => controller.abort(), result };
  }

  private async runBatch(request: DenoiseRequest, signal: AbortSignal, onEvent?: (event: JobEvent) => void): Promise<BatchSummary> {
    const outDir = path.resolve(request.outDir);
    const planner = new OutputPlanner(
      request.files.map((f) => f.path),
      { overwrite: request.overwrite ?? false, skipExisting: request.skipExisting ?? false, reserved: request.reservedOutputs ?? [] },
    );
    // Bigger files take longer: their share of the overall fraction and ETA follows their size.
    const weights = await Promise.all(request.files.map((f) => stat(f.path).then((s) => s.size, () => 1)));
    const tasks: QueueTask[] = request.files.map((file, index) => ({
      path: file.path,
      weight: weights[index],
      run: (ctx) => this.denoiseOne(file, index, request, outDir, planner, ctx),
    }));
    return runQueue(tasks, { concurrency: request.concurrency ?? 1, signal, ...(onEvent ? { onEvent } : {}) });
  }

  private async denoiseOne(file: DenoiseFile, index: number, request: DenoiseRequest, outDir: string, planner: OutputPlanner, ctx: TaskContext): Promise<TaskResult> {
    const t0 = performance.now();
    const input = path.resolve(file.path);
    const report = (stage: Stage, fraction: number): void => {
      const span = STAGE_SPAN[stage];
      ctx.progress(stage, span ? span[0] + (span[1] - span[0]) * Math.min(1, Math.max(0, fraction)) : fraction);
    };
    report('decoding', 0);
    const { kind, format, base, ext, strength, estimate: planned } = await planOutput(input, file, index, request, (p, signal) => {
      report('estimating', 0);
      return this.estimate(p, { signal });
    }, ctx.signal);
    let estimate = planned;
    try {
      await mkdir(outDir, { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file of that name is in the way'
        : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
        : code === 'EROFS' ? 'read-only file system'
        : code === 'ENOSPC' ? 'no space left on the device'
        : (err as Error).message;
      throw new HushError('output-unwritable', `cannot create the output folder ${outDir}: ${why}`, { cause: err });
    }
    const claim = await planner.claim(outDir, base, ext);
    if (claim.kind === 'skip') return { status: 'skipped', output: claim.path, reason: claim.reason };

    const temp = OutputPlanner.tempFor(claim.path);
    try {
      let applied: number;
      if (kind === 'image') {
        const denoiser = await this.imageDenoiser();
        const r = await image.denoiseImageFile(
          input,
          temp,
          {
            sigma: strength,
            // As many tiles in flight as the pool has workers.
            concurrency: tileConcurrency(denoiser),
            format: format as ImageFormat,
            ...(request.quality !== undefined ? { quality: request.quality } : {}),
            ...(request.bitDepth !== undefined ? { bitDepth: request.bitDepth } : {}),
          },
          { denoiser, signal: ctx.signal, onProgress: report },
        );
        applied = r.sigma;
        estimate ??= r.estimate;
      } else {
        const r = await audio.denoiseAudioFile(
          input,
          temp,
          {
            reductionDb: strength,
            format: format as 'wav' | 'flac',
            ...(request.sampleFormat !== undefined ? { sampleFormat: request.sampleFormat } : {}),
          },
          { denoiser: await this.audioDenoiser(), signal: ctx.signal, onProgress: report },
        );
        applied = r.reductionDb;
        estimate ??= r.estimate;
      }
      checkAborted(ctx.signal);
      report('encoding', 1);
      const output = await planner.commit(temp, claim.path);
      return {
        status: 'done',
        result: {
          input,
          output,
          kind,
          strength: applied,
          ...(estimate !== undefined ? { estimate } : {}),
          seconds: (performance.now() - t0) / 1000,
        },
      };
    } catch (err) {
      await rm(temp, { force: true });
      planner.release(claim.path);
      throw nameTheOutput(err, claim.path);
    }
  }

  async estimate(filePath: string, options: CallOptions = {}): Promise<Estimate> {
    const kind = await detectMediaKind(filePath);
    checkAborted(options.signal);
    if (kind === 'image') return { kind: 'image', sigma: await image.estimateImageNoise(filePath) };
    const denoiser = await this.audioDenoiser();
    const reader = await audio.openAudioReader(filePath);
    try {
      const e = await audio.estimateStrength(reader, denoiser, options.signal);
      return { kind: 'audio', reductionDb: e.reductionDb, snrDb: e.snrDb };
    } finally {
      await reader.close();
    }
  }

  async previewImage(request: ImagePreviewRequest, options: CallOptions = {}): Promise<ImagePreview> {
    // Previews jump ahead of batch tiles in the pool's queue, so the slider stays live during an export.
    const denoiser = previewImageDenoiser(await this.imageDenoiser());
    const p = await image.renderImagePreview(request.path, {
      sigma: request.sigma,
      concurrency: tileConcurrency(denoiser),
      ...(request.region ? { region: request.region } : {}),
      ...(request.maxSide !== undefined ? { maxSide: request.maxSide } : {}),
      denoiser,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // A whole-image view reports the whole image as its region, in source pixels.
    let region: Region;
    if (p.region) region = p.region;
    else {
      const whole = await image.probeImage(request.path);
      region = { left: 0, top: 0, width: whole.width, height: whole.height };
    }
    return {
      before: { data: new Uint8Array(p.before), mime: 'image/png', width: p.width, height: p.height },
      after: { data: new Uint8Array(p.after), mime: 'image/png', width: p.width, height: p.height },
      region,
      sigma: p.sigma,
      ...(p.estimate !== undefined ? { estimate: p.estimate } : {}),
    };
  }

  async thumbnail(filePath: string, maxSide: number, options: CallOptions = {}): Promise<ImageThumbnail> {
    const probe = await image.probeImage(filePath);
    checkAborted(options.signal);
    const jpeg = await image.makeImageThumbnail(filePath, maxSide);
    const meta = await sharp(jpeg).metadata();
    return {
      image: { data: new Uint8Array(jpeg), mime: 'image/jpeg', width: meta.width, height: meta.height },
      sourceWidth: probe.width,
      sourceHeight: probe.height,
      format: probe.format,
      bitDepth: probe.bitDepth,
      hasAlpha: probe.hasAlpha,
    };
  }

  async audioOverview(request: AudioOverviewRequest, options: CallOptions = {}): Promise<AudioOverview> {
    const width = request.points ?? 1024;
    const o = await audio.audioOverview(request.path, {
      width,
      ...(request.spectrogramHeight !== undefined ? { height: request.spectrogramHeight } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // The app draws one waveform: the envelope over all channels.
    const min = new Float32Array(o.width).fill(Infinity);
    const max = new Float32Array(o.width).fill(-Infinity);
    for (const ch of o.peaks) {
      for (let i = 0; i < o.width; i++) {
        if (ch.min[i] < min[i]) min[i] = ch.min[i];
        if (ch.max[i] > max[i]) max[i] = ch.max[i];
      }
    }
    for (let i = 0; i < o.width; i++) {
      if (!Number.isFinite(min[i])) min[i] = 0;
      if (!Number.isFinite(max[i])) max[i] = 0;
    }
    const probe = await audio.probeAudio(request.path);
    const s = o.spectrogram;
    return {
      sampleRate: o.sampleRate,
      channels: o.channels,
      durationSec: o.durationSec,
      format: probe.format,
      min,
      max,
      spectrogram: { png: new Uint8Array(s.png), width: s.width, height: s.height, minHz: s.minHz, maxHz: s.maxHz, maxDb: s.maxDb, rangeDb: 80 },
    };
  }

  async previewAudio(request: AudioPreviewRequest, options: CallOptions = {}): Promise<AudioPreview> {
    const denoiser = previewAudioDenoiser(await this.audioDenoiser());
    const p = await audio.renderAudioPreview(request.path, {
      reductionDb: request.reductionDb,
      startSec: request.startSec,
      durationSec: request.durationSec,
      denoiser,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      sampleRate: p.sampleRate,
      channels: p.channels,
      startSec: p.startSec,
      durationSec: p.durationSec,
      before: new Uint8Array(p.before),
      after: new Uint8Array(p.after),
      reductionDb: p.reductionDb,
      ...(p.estimate !== undefined ? { estimate: p.estimate } : {}),
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const [img, aud] = await Promise.allSettled([this.imageModel, this.audioModel]);
    if (img.status === 'fulfilled') img.value?.dispose();
    if (aud.status === 'fulfilled') aud.value?.dispose();
    this.imageModel = undefined;
    this.audioModel = undefined;
  }
}

/**
 * Start an engine: pick the TF.js backend, then serve calls (models load on first use). Models come
 * from `resourcesDir`, else $HUSH_RESOURCES_DIR, else the repository's resources/.
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const backend = await initBackend({ prefer: options.backend ?? 'auto' });
  return new Engine(options.resourcesDir ?? process.env.HUSH_RESOURCES_DIR ?? defaultResourcesDir(), backend);
}
