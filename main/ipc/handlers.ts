// HushApi implemented once, on top of the engine: the Electron main process and the web bridge both
// serve exactly these handlers (the transports differ only in how files get granted and how a folder
// is chosen). Requests arrive already validated by dispatch.ts; paths come only from the FileRegistry.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { EngineApi, EngineInfo } from '../engine/engine-api.ts';
import type { FileOutcome, JobEvent } from '../engine/jobs/events.ts';
import type { MediaKind } from '../engine/types.ts';
import {
  ACCEPTED_EXTENSIONS,
  MAX_PREVIEW_SECONDS,
  type AppInfo,
  type AudioOverview,
  type Channel,
  type EngineStatus,
  type EventName,
  type EventPayload,
  type ExportFileResult,
  type ExportRequest,
  type ExportSummary,
  type FullPreview,
  type Region,
  type Settings,
} from './contract.ts';
import type { HandlerMap } from './dispatch.ts';
import type { FileRegistry, GrantedFile } from './file-registry.ts';
import { IpcFailure, toApiError } from './ipc-failure.ts';
import { toDataUrl } from './media.ts';
import type { SettingsStore } from './settings-store.ts';

/** The engine as the handlers see it: the current client (it changes after a restart) and its state. */
export interface EngineHost {
  api(): EngineApi;
  status(): EngineStatus;
  onStatus(listener: (status: EngineStatus) => void): () => void;
}

export type EmitEvent = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface HandlerDeps {
  readonly engine: EngineHost;
  readonly registry: FileRegistry;
  readonly settings: SettingsStore;
  readonly emit: EmitEvent;
  /** Ask the user for an output folder (Electron: dialog; web: the folder set at start). */
  pickOutputFolder(): Promise<string | null>;
  /** Show a file in the system file manager; false where that is not possible. */
  reveal(file: string): Promise<boolean>;
  readonly app: Pick<AppInfo, 'name' | 'version' | 'transport' | 'platform' | 'versions' | 'capabilities'>;
}

/** A full preview without its per-call fields. */
type FullPreviewBody = FullPreview extends infer P ? (P extends FullPreview ? Omit<P, 'cached' | 'ms'> : never) : never;

/** Longest an engine:status request waits for a starting engine before answering 'starting'. */
const STARTING_ANSWER_WAIT_MS = 60_000;

/** Most full previews kept in memory (they hold whole images/recordings as data URLs). */
const FULL_PREVIEW_CACHE = 4;
/** Longest stretch a full audio preview renders (the engine caps one preview call at 10 minutes). */
const MAX_FULL_AUDIO_SECONDS = 600;

export interface Handlers {
  readonly map: HandlerMap<Channel>;
  /** Stop listening to the engine (for tests and shutdown). */
  dispose(): void;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const { registry, settings, emit } = deps;
  const engine = (): EngineApi => deps.engine.api();
  const fullCache = new Map<string, Promise<FullPreviewBody>>();
  const metaCache = new Map<string, Promise<ImageMeta>>();
  const durationCache = new Map<string, Promise<number>>();
  let running: { batchId: string; cancel: () => void } | null = null;
  let engineInfo: Promise<EngineInfo | null> | null = null;

  const unsubscribe = deps.engine.onStatus((status) => {
    if (status.state === 'restarted' || status.state === 'crashed') engineInfo = null;
    emit('engine:status', status);
  });

  const input = async (id: string, kind?: MediaKind): Promise<GrantedFile> => {
    const f = await registry.resolveInput(id);
    if (kind && f.kind !== kind) throw new IpcFailure('invalid-request', `${f.name} is not ${kind === 'image' ? 'an image' : 'a recording'}.`);
    return f;
  };

  const imageMeta = (f: GrantedFile): Promise<ImageMeta> => {
    let p = metaCache.get(f.id);
    if (!p) {
      p = readImageMeta(f.realPath);
      p.catch(() => metaCache.delete(f.id));
      metaCache.set(f.id, p);
    }
    return p;
  };

  const audioDuration = (f: GrantedFile): Promise<number> => {
    let p = durationCache.get(f.id);
    if (!p) {
      p = engine().audioOverview({ path: f.realPath, points: 1 }).then((o) => o.durationSec);
      p.catch(() => durationCache.delete(f.id));
      durationCache.set(f.id, p);
    }
    return p;
  };

  const settingsView = async (): Promise<Settings> => {
    const s = settings.get();
    let outputFolder: Settings['outputFolder'] = null;
    if (s.outputFolder) outputFolder = await registry.grantOutputFolder(s.outputFolder).catch(() => null);
    return { ...s.preferences, outputFolder };
  };

  const map: HandlerMap<Channel> = {
    'files:list': async () => registry.list(),

    'files:remove': async ({ ids }) => {
      registry.remove(ids);
      for (const key of [...fullCache.keys()]) if (ids.some((id) => key.startsWith(`${id}|`))) fullCache.delete(key);
      for (const id of ids) {
        metaCache.delete(id);
        durationCache.delete(id);
      }
      return null;
    },

    'files:thumbnail': async ({ fileId, maxSide }) => {
      const f = await input(fileId, 'image');
      const thumb = await engine().thumbnail(f.realPath, maxSide ?? 256);
      // The engine just read the header: previews reuse it instead of reading it again.
      if (!metaCache.has(f.id)) {
        metaCache.set(f.id, Promise.resolve({ width: thumb.sourceWidth, height: thumb.sourceHeight, format: thumb.format, bitDepth: thumb.bitDepth, hasAlpha: thumb.hasAlpha }));
      }
      return {
        fileId,
        dataUrl: toDataUrl(thumb.image.data, thumb.image.mime),
        width: thumb.image.width,
        height: thumb.image.height,
        sourceWidth: thumb.sourceWidth,
        sourceHeight: thumb.sourceHeight,
        format: thumb.format,
        bitDepth: thumb.bitDepth,
        hasAlpha: thumb.hasAlpha,
      };
    },

    'files:audio-overview': async ({ fileId, columns = 1024, spectrogramHeight = 256 }) => {
      const f = await input(fileId, 'audio');
      const overview = await overviewOf(f.realPath, columns, spectrogramHeight);
      if (!durationCache.has(f.id)) durationCache.set(f.id, Promise.resolve(overview.durationSec));
      return { fileId, ...overview };
    },

    'files:estimate': async ({ fileId }) => {
      const f = await input(fileId);
      const e = await engine().estimate(f.realPath);
      return e.kind === 'image' ? { kind: 'image', fileId, sigma: e.sigma } : { kind: 'audio', fileId, snrDb: e.snrDb, reductionDb: e.reductionDb };
    },

    'preview:image': async ({ fileId, region, sigma }) => {
      const f = await input(fileId, 'image');
      const meta = await imageMeta(f);
      const clamped = clampRegion(region, meta.width, meta.height);
      const t0 = performance.now();
      const p = await engine().previewImage({ path: f.realPath, sigma, region: clamped });
      return {
        fileId,
        region: { left: p.region.left, top: p.region.top, width: p.region.width, height: p.region.height },
        before: toDataUrl(p.before.data, p.before.mime),
        after: toDataUrl(p.after.data, p.after.mime),
        sigma: p.sigma,
        ms: performance.now() - t0,
      };
    },

    'preview:audio': async ({ fileId, startSec, durationSec, reductionDb }) => {
      const f = await input(fileId, 'audio');
      const total = await audioDuration(f);
      const start = Math.min(startSec, Math.max(0, total - 0.05));
      const length = Math.max(0.05, Math.min(durationSec, MAX_PREVIEW_SECONDS, total - start));
      const t0 = performance.now();
      const p = await engine().previewAudio({ path: f.realPath, reductionDb, startSec: start, durationSec: length });
      return {
        fileId,
        startSec: p.startSec,
        durationSec: p.durationSec,
        sampleRate: p.sampleRate,
        before: toDataUrl(p.before, 'audio/wav'),
        after: toDataUrl(p.after, 'audio/wav'),
        reductionDb: p.reductionDb,
        ms: performance.now() - t0,
      };
    },

    'preview:full': async ({ fileId, strength }) => {
      const f = await input(fileId);
      const key = `${fileId}|${strength}`;
      const t0 = performance.now();
      let entry = fullCache.get(key);
      const cached = entry !== undefined;
      if (!entry) {
        entry = f.kind === 'image' ? renderFullImage(f, strength) : renderFullAudio(f, strength);
        fullCache.set(key, entry);
        entry.catch(() => fullCache.delete(key));
        while (fullCache.size > FULL_PREVIEW_CACHE) fullCache.delete(fullCache.keys().next().value as string);
      } else {
        // Refresh its place in the LRU order.
        fullCache.delete(key);
        fullCache.set(key, entry);
      }
      const value = await entry;
      return { ...value, cached, ms: performance.now() - t0 } as FullPreview;
    },

    'output:choose-folder': async () => {
      const picked = await deps.pickOutputFolder();
      if (!picked) return null;
      const folder = await registry.grantOutputFolder(picked);
      await settings.setOutputFolder(folder.displayPath);
      return folder;
    },

    'export:start': async (request) => {
      if (running) throw new IpcFailure('busy', 'An export is already running; wait for it or cancel it.');
      const batchId = `b_${randomBytes(6).toString('base64url')}`;
      let cancelled = false;
      running = { batchId, cancel: () => { cancelled = true; } };
      try {
        return await runExport(batchId, request, (cancel) => {
          running = { batchId, cancel: () => { cancelled = true; cancel(); } };
          if (cancelled) cancel();
        }, () => cancelled);
      } finally {
        running = null;
      }
    },

    'export:cancel': async () => {
      running?.cancel();
      return null;
    },

    'shell:reveal': async ({ id }) => ({ revealed: await deps.reveal(await registry.resolveRevealable(id)) }),

    'settings:get': settingsView,

    'settings:set': async (patch) => {
      const { rejected } = await settings.update(patch);
      return { settings: await settingsView(), rejected };
    },

    'app:info': async () => {
      if (!engineInfo) {
        engineInfo = engine().info().catch(() => null);
      }
      const info = await engineInfo;
      if (!info) engineInfo = null; // try again next time
      return {
        ...deps.app,
        engine: info && {
          backend: info.backend.name + (info.backend.simd && info.backend.name === 'wasm' ? ' (SIMD)' : ''),
          threads: info.backend.threads,
          models: (['image', 'audio'] as const).flatMap((kind) => {
            const m = info.models[kind];
            return m ? [{ name: m.name, kind, parameters: m.params, description: `version ${m.version}` }] : [];
          }),
        },
        accepts: { image: [...ACCEPTED_EXTENSIONS.image], audio: [...ACCEPTED_EXTENSIONS.audio] },
      };
    },

    'engine:status': async () => {
      // While the engine starts, answer once it is up (app:info waits for it too): a UI that asks
      // for the status and the app info together then never applies a stale 'starting' after the
      // 'ready' event. Bounded, so a slow start still gets an answer.
      if (deps.engine.status().state !== 'starting') return deps.engine.status();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, STARTING_ANSWER_WAIT_MS);
        const off = deps.engine.onStatus(done);
        function done(): void {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
      return deps.engine.status();
    },
  };

  /** Waveform + spectrogram of a file on disk, as the contract shapes them (engine does the work). */
  async function overviewOf(file: string, columns: number, _height: number): Promise<Omit<AudioOverview, 'fileId'>> {
    const o = await engine().audioOverview({ path: file, points: columns });
    const clamp = (v: number): number => (Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0);
    const s = o.spectrogram;
    return {
      durationSec: o.durationSec,
      sampleRate: o.sampleRate,
      channels: o.channels,
      format: o.format,
      waveform: { min: Array.from(o.min, clamp), max: Array.from(o.max, clamp), columns: o.min.length },
      spectrogram: {
        dataUrl: toDataUrl(s.png, 'image/png'),
        width: s.width,
        height: s.height,
        maxFrequencyHz: s.maxHz,
        minFrequencyHz: s.minHz,
        scale: 'mel',
        minDb: s.maxDb - s.rangeDb,
        maxDb: s.maxDb,
      },
    };
  }

  async function renderFullImage(f: GrantedFile, strength: number | 'auto'): Promise<FullPreviewBody> {
    const meta = await imageMeta(f);
    const p = await engine().previewImage({ path: f.realPath, sigma: strength, maxSide: Math.min(8192, Math.max(meta.width, meta.height)) });
    return {
      kind: 'image',
      fileId: f.id,
      width: p.after.width,
      height: p.after.height,
      before: toDataUrl(p.before.data, p.before.mime),
      after: toDataUrl(p.after.data, p.after.mime),
      sigma: p.sigma,
    };
  }

  async function renderFullAudio(f: GrantedFile, strength: number | 'auto'): Promise<FullPreviewBody> {
    const total = await audioDuration(f);
    const seconds = Math.max(0.05, Math.min(total, MAX_FULL_AUDIO_SECONDS));
    const p = await engine().previewAudio({ path: f.realPath, reductionDb: strength, startSec: 0, durationSec: seconds });
    // The engine draws overviews from files: hand it the denoised WAV through a private temp file.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hush-preview-'));
    let afterOverview: Omit<AudioOverview, 'fileId' | 'format'>;
    try {
      const tmp = path.join(dir, 'after.wav');
      await writeFile(tmp, p.after, { mode: 0o600 });
      const { format: _format, ...rest } = await overviewOf(tmp, 1024, 256);
      afterOverview = rest;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return {
      kind: 'audio',
      fileId: f.id,
      sampleRate: p.sampleRate,
      durationSec: p.durationSec,
      before: toDataUrl(p.before, 'audio/wav'),
      after: toDataUrl(p.after, 'audio/wav'),
      afterOverview,
      reductionDb: p.reductionDb,
    };
  }

  async function runExport(
    batchId: string,
    request: ExportRequest,
    setCancel: (cancel: () => void) => void,
    isCancelled: () => boolean,
  ): Promise<ExportSummary> {
    const t0 = performance.now();
    const folderPath = await registry.resolveOutputFolder(request.outputFolderId);
    const outputFolder = { id: request.outputFolderId, displayPath: folderPath };
    const files = await Promise.all(request.items.map((item) => input(item.fileId)));
    const seen = new Set<string>();
    for (const f of files) {
      if (seen.has(f.id)) throw new IpcFailure('invalid-request', `${f.name} is listed twice in the export.`);
      seen.add(f.id);
    }
    checkPatternTokens(request.namePattern);
    // Granted inputs in the output folder are reserved, so no output ever lands on one of them
    // (the engine already protects the inputs of the batch itself).
    const reservedOutputs = registry.inputRealPaths().filter((p) => path.dirname(p) === folderPath);
    const total = files.length;
    const outcomes: (FileOutcome | null)[] = new Array(total).fill(null);
    let completed = 0;

    // One engine batch: it expands the name pattern per file and overlaps decode and inference.
    const handle = engine().denoise(
      {
        outDir: folderPath,
        namePattern: request.namePattern,
        files: files.map((f, i) => {
          const strength = request.items[i].strength;
          return f.kind === 'image' ? { path: f.realPath, sigma: strength } : { path: f.realPath, reductionDb: strength };
        }),
        imageFormat: request.image.format === 'same' ? undefined : request.image.format,
        audioFormat: request.audio.format === 'same' ? undefined : request.audio.format,
        quality: request.image.quality,
        sampleFormat: request.audio.sampleFormat === 'same' ? undefined : request.audio.sampleFormat,
        overwrite: request.collision === 'overwrite-previous',
        skipExisting: request.collision === 'skip-existing',
        ...(reservedOutputs.length ? { reservedOutputs } : {}),
      },
      (event: JobEvent) => {
        if (event.type === 'file') completed++;
        const index = event.type === 'progress' ? event.index : event.outcome.index;
        const f = files[index];
        if (!f) return;
        emit('export:progress', {
          batchId,
          fileId: f.id,
          index,
          total,
          stage: event.type === 'progress' ? event.stage : event.outcome.status,
          fileFraction: event.type === 'progress' ? clamp01(event.fraction) : 1,
          overallFraction: clamp01(event.overall),
          etaSec: event.etaSeconds === null ? null : Math.max(0, event.etaSeconds),
          completed,
        });
      },
    );
    setCancel(() => handle.cancel());
    const summary = await handle.result;
    for (const o of summary.outcomes) if (o.index >= 0 && o.index < total) outcomes[o.index] = o;

    const results: ExportFileResult[] = files.map((f, i) => toFileResult(f, outcomes[i]));
    return {
      batchId,
      outputFolder,
      results,
      succeeded: results.filter((r) => r.status === 'done').length,
      failed: results.filter((r) => r.status === 'failed').length,
      cancelled: summary.wasCancelled || isCancelled(),
      seconds: (performance.now() - t0) / 1000,
    };
  }

  function toFileResult(f: GrantedFile, o: FileOutcome | null): ExportFileResult {
    const base = { fileId: f.id, name: f.name };
    if (!o || o.status === 'cancelled') return { ...base, status: 'cancelled' };
    if (o.status === 'failed') return { ...base, status: 'failed', error: { code: o.error.code, message: o.error.message } };
    if (o.status === 'skipped') return { ...base, status: 'skipped', outputName: path.basename(o.output), outputDisplayPath: o.output };
    let outputId: string | undefined;
    try {
      outputId = registry.registerOutput(o.result.output);
    } catch (err) {
      return { ...base, status: 'failed', error: toApiError(err) };
    }
    return {
      ...base,
      status: 'done',
      outputId,
      outputName: path.basename(o.result.output),
      outputDisplayPath: o.result.output,
      strength: o.result.strength,
      ...(o.result.estimate !== undefined ? { estimate: o.result.estimate } : {}),
      seconds: o.result.seconds,
    };
  }

  return { map, dispose: unsubscribe };
}

interface ImageMeta {
  readonly width: number;
  readonly height: number;
  readonly format: string;
  readonly bitDepth: number;
  readonly hasAlpha: boolean;
}

/** Header-only read (sharp runs it off the main thread): displayed size after EXIF orientation. */
async function readImageMeta(file: string): Promise<ImageMeta> {
  let m: Metadata;
  try {
    m = await sharp(file, { animated: false, limitInputPixels: false }).metadata();
  } catch (err) {
    throw new IpcFailure('corrupt-file', `${path.basename(file)} could not be read as an image (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!m.width || !m.height) throw new IpcFailure('corrupt-file', `${path.basename(file)} has no image size.`);
  const swap = (m.orientation ?? 1) >= 5;
  const depth: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, double: 64 };
  return {
    width: swap ? m.height : m.width,
    height: swap ? m.width : m.height,
    format: m.format ?? 'unknown',
    bitDepth: depth[m.depth ?? 'uchar'] ?? 8,
    hasAlpha: m.hasAlpha ?? false,
  };
}

export function clampRegion(r: Region, width: number, height: number): Region {
  const w = Math.min(r.width, width);
  const h = Math.min(r.height, height);
  return { left: Math.min(r.left, width - w), top: Math.min(r.top, height - h), width: w, height: h };
}

const KNOWN_TOKENS = new Set(['{name}', '{ext}', '{date}', '{index}', '{strength}']);
function checkPatternTokens(pattern: string): void {
  for (const token of pattern.match(/\{[^}]*\}/g) ?? []) {
    if (!KNOWN_TOKENS.has(token)) throw new IpcFailure('invalid-request', `Unknown name token ${token}; use {name}, {ext}, {index}, {strength} or {date}.`);
  }
}


const clamp01 = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

