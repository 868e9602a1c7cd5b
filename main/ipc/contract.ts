// The IPC contract: the single source of truth for everything that crosses between the UI and the
// main side — in Electron (preload ⇄ ipcMain) and in the browser (web client ⇄ loopback WebSocket).
//
// Rules the whole app relies on:
// - Files are named by opaque ids that the main side issued. The UI never sends a path.
// - Binary payloads travel as base64 `data:` URLs (strings): they survive structured clone (Electron)
//   and JSON (WebSocket) alike, and go straight into <img src> / <audio src>.
// - Every request and response has a zod schema; main validates every request at runtime and the
//   clients validate every response and event.
// - Failures reach the UI as an Error whose message is `[code] human text` (contextBridge keeps only
//   an Error's message); use `apiErrorCode()` / `apiErrorText()` to read them.
//
// This file is browser-safe: it imports only zod and the dependency-free engine types.
import { z } from 'zod';
import type { AudioFormat, AudioSampleFormat, ErrorCode, ImageFormat, MediaKind, Stage } from '../engine/types.ts';

// ───────────────────────────── building blocks ─────────────────────────────

/** An id the main side issued for a granted input file or a written output (never a path). */
export const FileIdSchema = z.string().regex(/^[fo]_[A-Za-z0-9_-]{8,64}$/, 'not a file id');
export type FileId = z.infer<typeof FileIdSchema>;

/** An id the main side issued for a user-chosen output folder. */
export const FolderIdSchema = z.string().regex(/^d_[A-Za-z0-9_-]{8,64}$/, 'not a folder id');
export type FolderId = z.infer<typeof FolderIdSchema>;

export const DataUrlSchema = z.string().regex(/^data:[a-z]+\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]*$/, 'not a base64 data URL');
export type DataUrl = z.infer<typeof DataUrlSchema>;

const imageFormats = ['jpeg', 'png', 'webp', 'tiff', 'avif', 'heif'] as const satisfies readonly ImageFormat[];
const audioFormats = ['wav', 'flac'] as const satisfies readonly AudioFormat[];
const sampleFormats = ['pcm16', 'pcm24', 'float32'] as const satisfies readonly AudioSampleFormat[];
const stages = ['queued', 'decoding', 'estimating', 'denoising', 'encoding', 'done', 'failed', 'cancelled', 'skipped'] as const satisfies readonly Stage[];
const errorCodes = [
  'unsupported-format', 'corrupt-file', 'empty-file', 'too-large', 'unreadable', 'output-exists', 'output-unwritable',
  'would-overwrite-input', 'cancelled', 'engine-crashed', 'internal',
] as const satisfies readonly ErrorCode[];

export const MediaKindSchema = z.enum(['image', 'audio'] as const satisfies readonly MediaKind[]);
export const ImageFormatSchema = z.enum(imageFormats);
export const AudioFormatSchema = z.enum(audioFormats);
export const AudioSampleFormatSchema = z.enum(sampleFormats);
export const StageSchema = z.enum(stages);

/** Codes an API call can fail with: the engine's codes plus the IPC layer's own. */
export const ApiErrorCodeSchema = z.enum([
  ...errorCodes,
  'invalid-request', // payload failed the schema
  'unknown-file', // id not issued by main (or already removed)
  'forbidden-path', // a path the user never granted, or one escaping a granted folder
  'busy', // e.g. an export is already running
  'unavailable', // not possible on this transport (e.g. a dialog in the browser)
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>;

export const ApiErrorSchema = z.strictObject({ code: ApiErrorCodeSchema, message: z.string() });
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** Image strength: σ on the 0–255 scale, or estimate it. */
export const SigmaSchema = z.union([z.number().min(0).max(255), z.literal('auto')]);
/** Audio strength: attenuation limit in dB, or estimate it. */
export const ReductionDbSchema = z.union([z.number().min(0).max(100), z.literal('auto')]);
/** Strength of either kind (σ for images, dB for audio); the file's kind says which. */
export const StrengthSchema = z.union([z.number().min(0).max(255), z.literal('auto')]);
export type Strength = z.infer<typeof StrengthSchema>;

const Empty = z.strictObject({});
const Void = z.null();

// ───────────────────────────── files ─────────────────────────────

export const FileEntrySchema = z.strictObject({
  id: FileIdSchema,
  /** File name with extension, for display. */
  name: z.string(),
  kind: MediaKindSchema,
  /** Lower-case extension without the dot ("jpg", "wav"). */
  ext: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** Where the file lives, for display only (the browser shows the uploaded file's name). */
  displayPath: z.string(),
});
export type FileEntry = z.infer<typeof FileEntrySchema>;

export const AddFilesResultSchema = z.strictObject({
  added: z.array(FileEntrySchema),
  /** Files that were not added (unsupported type, unreadable, already in the list …) and why. */
  rejected: z.array(z.strictObject({ name: z.string(), reason: z.string() })),
});
export type AddFilesResult = z.infer<typeof AddFilesResultSchema>;

export const OutputFolderSchema = z.strictObject({
  id: FolderIdSchema,
  /** Absolute path of the folder, for display. */
  displayPath: z.string(),
});
export type OutputFolder = z.infer<typeof OutputFolderSchema>;

// ───────────────────────────── overviews, estimates, previews ─────────────────────────────

export const ThumbnailRequestSchema = z.strictObject({
  fileId: FileIdSchema,
  /** Longest side of the thumbnail in pixels (default 256). */
  maxSide: z.number().int().min(16).max(1024).optional(),
});
export const ThumbnailSchema = z.strictObject({
  fileId: FileIdSchema,
  /** JPEG data URL, oriented the way the image is meant to be seen. */
  dataUrl: DataUrlSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Size of the full image (after EXIF orientation): preview regions use these coordinates. */
  sourceWidth: z.number().int().positive(),
  sourceHeight: z.number().int().positive(),
  /** Container format as detected from the content (e.g. "jpeg"). */
  format: z.string(),
  bitDepth: z.number().int().positive(),
  hasAlpha: z.boolean(),
});
export type Thumbnail = z.infer<typeof ThumbnailSchema>;

export const SpectrogramSchema = z.strictObject({
  /** PNG data URL: x = time (left→right), y = frequency (low at the bottom). */
  dataUrl: DataUrlSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Frequency at the top edge. */
  maxFrequencyHz: z.number().positive(),
  /** Frequency at the bottom edge (added later: absent means 0). */
  minFrequencyHz: z.number().nonnegative().optional(),
  /** How rows map to frequency (added later: absent means linear). */
  scale: z.enum(['linear', 'mel']).optional(),
  /** Colour scale: black = minDb, brightest = maxDb (dBFS). */
  minDb: z.number(),
  maxDb: z.number(),
});
export type Spectrogram = z.infer<typeof SpectrogramSchema>;

export const WaveformSchema = z.strictObject({
  /** Per-column min and max of the channel mix-down, in [-1, 1]; both arrays have `columns` entries. */
  min: z.array(z.number()),
  max: z.array(z.number()),
  columns: z.number().int().positive(),
});
export type Waveform = z.infer<typeof WaveformSchema>;

export const AudioOverviewRequestSchema = z.strictObject({
  fileId: FileIdSchema,
  /** Columns of the waveform / spectrogram (default 1024). */
  columns: z.number().int().min(16).max(8192).optional(),
  /** Height of the spectrogram image in pixels (default 256). */
  spectrogramHeight: z.number().int().min(16).max(2048).optional(),
});
export const AudioOverviewSchema = z.strictObject({
  fileId: FileIdSchema,
  durationSec: z.number().nonnegative(),
  sampleRate: z.number().int().positive(),
  channels: z.number().int().positive(),
  /** Container format as detected from the content (e.g. "wav", "flac"). */
  format: z.string(),
  waveform: WaveformSchema,
  spectrogram: SpectrogramSchema,
});
export type AudioOverview = z.infer<typeof AudioOverviewSchema>;

export const EstimateRequestSchema = z.strictObject({ fileId: FileIdSchema });
export const NoiseEstimateSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('image'),
    fileId: FileIdSchema,
    /** Estimated noise σ (0–255 scale) — what `auto` will use. */
    sigma: z.number().nonnegative(),
  }),
  z.strictObject({
    kind: z.literal('audio'),
    fileId: FileIdSchema,
    /** Estimated input signal-to-noise ratio. */
    snrDb: z.number(),
    /** Suggested attenuation limit — what `auto` will use. */
    reductionDb: z.number().nonnegative(),
  }),
]);
export type NoiseEstimate = z.infer<typeof NoiseEstimateSchema>;

export const RegionSchema = z.strictObject({
  left: z.number().int().nonnegative(),
  top: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type Region = z.infer<typeof RegionSchema>;

/** Largest side of a fast image preview region; bigger regions are rejected (use previewFull). */
export const MAX_PREVIEW_SIDE = 1024;
/** Longest fast audio preview excerpt. */
export const MAX_PREVIEW_SECONDS = 30;

export const ImagePreviewRequestSchema = z.strictObject({
  fileId: FileIdSchema,
  /** In full-image pixel coordinates (Thumbnail.sourceWidth/sourceHeight); clamped to the image. */
  region: RegionSchema.refine((r) => r.width <= MAX_PREVIEW_SIDE && r.height <= MAX_PREVIEW_SIDE, `region sides must be ≤ ${MAX_PREVIEW_SIDE}`),
  sigma: SigmaSchema,
});
export const ImagePreviewSchema = z.strictObject({
  fileId: FileIdSchema,
  /** The region actually rendered (after clamping). */
  region: RegionSchema,
  /** PNG data URLs of the original and the denoised crop, same size as `region`. */
  before: DataUrlSchema,
  after: DataUrlSchema,
  /** σ that was applied (the estimate when `auto` was asked for). */
  sigma: z.number().nonnegative(),
  ms: z.number().nonnegative(),
});
export type ImagePreview = z.infer<typeof ImagePreviewSchema>;

export const AudioPreviewRequestSchema = z.strictObject({
  fileId: FileIdSchema,
  startSec: z.number().nonnegative(),
  durationSec: z.number().positive().max(MAX_PREVIEW_SECONDS),
  reductionDb: ReductionDbSchema,
});
export const AudioPreviewSchema = z.strictObject({
  fileId: FileIdSchema,
  /** The excerpt actually rendered (clamped to the recording). */
  startSec: z.number().nonnegative(),
  durationSec: z.number().nonnegative(),
  sampleRate: z.number().int().positive(),
  /** WAV data URLs (16-bit or float, the input's rate and channels) of the original excerpt and the denoised one (same length). */
  before: DataUrlSchema,
  after: DataUrlSchema,
  /** dB applied (the estimate when `auto` was asked for). */
  reductionDb: z.number().nonnegative(),
  ms: z.number().nonnegative(),
});
export type AudioPreview = z.infer<typeof AudioPreviewSchema>;

export const FullPreviewRequestSchema = z.strictObject({
  fileId: FileIdSchema,
  /** σ for images, dB for audio. */
  strength: StrengthSchema,
});
export const FullPreviewSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('image'),
    fileId: FileIdSchema,
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    /** Whole image before and after, full resolution (PNG, or high-quality JPEG for big photos). */
    before: DataUrlSchema,
    after: DataUrlSchema,
    sigma: z.number().nonnegative(),
    /** True when served from the cache (same file and strength asked before). */
    cached: z.boolean(),
    ms: z.number().nonnegative(),
  }),
  z.strictObject({
    kind: z.literal('audio'),
    fileId: FileIdSchema,
    sampleRate: z.number().int().positive(),
    durationSec: z.number().nonnegative(),
    /** Whole recording (up to 10 minutes) before and after as WAV data URLs (16-bit or float). */
    before: DataUrlSchema,
    after: DataUrlSchema,
    /** Waveform and spectrogram of the denoised recording (the original's: getAudioOverview). */
    afterOverview: AudioOverviewSchema.omit({ fileId: true, format: true }),
    reductionDb: z.number().nonnegative(),
    cached: z.boolean(),
    ms: z.number().nonnegative(),
  }),
]);
export type FullPreview = z.infer<typeof FullPreviewSchema>;

// ───────────────────────────── export ─────────────────────────────

/**
 * Output name pattern without extension. Tokens: {name} (input name without extension), {ext}
 * (input extension), {strength} (σ or dB applied), {date} (YYYY-MM-DD), {index} (1-based position).
 * No path separators, no `..`.
 */
export const NamePatternSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => !/[\\/\0]/.test(p) && !p.includes('..'), 'the name pattern must not contain path separators or ".."')
  .refine((p) => p.includes('{name}') || p.includes('{index}'), 'the name pattern needs {name} or {index} so names differ');

/**
 * On a name clash with an existing file: pick a unique name ("photo-denoised-1.jpg"), replace an
 * earlier output, or skip the file (it was exported before). Never an input, whatever is chosen.
 */
export const CollisionSchema = z.enum(['unique', 'overwrite-previous', 'skip-existing']);
export type Collision = z.infer<typeof CollisionSchema>;

export const ExportRequestSchema = z.strictObject({
  outputFolderId: FolderIdSchema,
  items: z.array(z.strictObject({ fileId: FileIdSchema, strength: StrengthSchema })).min(1).max(10_000),
  image: z.strictObject({
    format: z.union([z.literal('same'), ImageFormatSchema]),
    /** 1–100, for lossy formats. */
    quality: z.number().int().min(1).max(100),
  }),
  audio: z.strictObject({
    format: z.union([z.literal('same'), AudioFormatSchema]),
    sampleFormat: z.union([z.literal('same'), AudioSampleFormatSchema]),
  }),
  namePattern: NamePatternSchema,
  collision: CollisionSchema,
});
export type ExportRequest = z.infer<typeof ExportRequestSchema>;

export const ExportProgressSchema = z.strictObject({
  batchId: z.string(),
  fileId: FileIdSchema,
  /** 0-based position of this file in the batch. */
  index: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  stage: StageSchema,
  /** 0–1 for this file and for the whole batch. */
  fileFraction: z.number().min(0).max(1),
  overallFraction: z.number().min(0).max(1),
  /** Seconds left for the batch; null until there is enough to go on. */
  etaSec: z.number().nonnegative().nullable(),
  /** Files finished so far (done, failed or skipped). */
  completed: z.number().int().nonnegative(),
});
export type ExportProgress = z.infer<typeof ExportProgressSchema>;

export const ExportFileResultSchema = z.strictObject({
  fileId: FileIdSchema,
  name: z.string(),
  status: z.enum(['done', 'failed', 'cancelled', 'skipped']),
  /** Id of the written file (for revealItem) and its name/path for display. */
  outputId: FileIdSchema.optional(),
  outputName: z.string().optional(),
  outputDisplayPath: z.string().optional(),
  /** σ or dB applied, and what `auto` estimated. */
  strength: z.number().optional(),
  estimate: z.number().optional(),
  seconds: z.number().nonnegative().optional(),
  error: ApiErrorSchema.optional(),
});
export type ExportFileResult = z.infer<typeof ExportFileResultSchema>;

export const ExportSummarySchema = z.strictObject({
  batchId: z.string(),
  outputFolder: OutputFolderSchema,
  results: z.array(ExportFileResultSchema),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  cancelled: z.boolean(),
  seconds: z.number().nonnegative(),
});
export type ExportSummary = z.infer<typeof ExportSummarySchema>;

// ───────────────────────────── settings, status, info ─────────────────────────────

export const ThemeSchema = z.enum(['system', 'light', 'dark']);

/** Preferences the UI may change. */
export const PreferencesSchema = z.strictObject({
  theme: ThemeSchema,
  imageFormat: z.union([z.literal('same'), ImageFormatSchema]),
  imageQuality: z.number().int().min(1).max(100),
  audioFormat: z.union([z.literal('same'), AudioFormatSchema]),
  audioSampleFormat: z.union([z.literal('same'), AudioSampleFormatSchema]),
  namePattern: NamePatternSchema,
  collision: CollisionSchema,
  /** Strengths new files start with. */
  defaultSigma: SigmaSchema,
  defaultReductionDb: ReductionDbSchema,
  compareMode: z.enum(['split', 'side-by-side']),
});
export type Preferences = z.infer<typeof PreferencesSchema>;

export const DEFAULT_PREFERENCES: Preferences = {
  theme: 'system',
  imageFormat: 'same',
  imageQuality: 92,
  audioFormat: 'same',
  audioSampleFormat: 'same',
  namePattern: '{name}-denoised',
  collision: 'unique',
  defaultSigma: 'auto',
  defaultReductionDb: 'auto',
  compareMode: 'split',
};

export const SettingsSchema = PreferencesSchema.extend({
  /** The last output folder the user chose (still granted), or null. Set via chooseOutputFolder. */
  outputFolder: OutputFolderSchema.nullable(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SettingsPatchSchema = PreferencesSchema.partial();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export type PreferenceKey = keyof Preferences;
export const PREFERENCE_KEYS = Object.keys(PreferencesSchema.shape) as PreferenceKey[];
export const PreferenceKeySchema = z.enum(PREFERENCE_KEYS as [PreferenceKey, ...PreferenceKey[]]);

/**
 * What settings:set accepts: any known preference, each value checked on its own by the handler
 * (PreferencesSchema.shape[key]) so one bad field costs only that field. Unknown keys are refused.
 */
export const SettingsPatchRequestSchema = z.strictObject(
  Object.fromEntries(PREFERENCE_KEYS.map((k) => [k, z.unknown().optional()])) as { [K in PreferenceKey]: z.ZodOptional<z.ZodUnknown> },
);

/** The value one field of a patch was refused with, by field. */
export const SettingsIssueSchema = z.strictObject({ field: PreferenceKeySchema, message: z.string() });
export type SettingsIssue = z.infer<typeof SettingsIssueSchema>;

/** settings:set answers the settings now in force and the fields it did not apply (and why). */
export const SettingsUpdateSchema = z.strictObject({ settings: SettingsSchema, rejected: z.array(SettingsIssueSchema) });
export type SettingsUpdate = z.infer<typeof SettingsUpdateSchema>;

export const EngineStateSchema = z.enum(['starting', 'ready', 'busy', 'crashed', 'restarted']);
export const EngineStatusSchema = z.strictObject({
  state: EngineStateSchema,
  /** TF.js backend in use, once known. */
  backend: z.string().nullable(),
  /** Human explanation (e.g. why it crashed). */
  message: z.string().nullable(),
  /** How many times the engine was restarted after a crash. */
  restarts: z.number().int().nonnegative(),
  /**
   * ms since the epoch. Order statuses by it: never replace a status with an older one (a
   * getEngineStatus() answer can arrive after a newer engine:status event).
   */
  at: z.number(),
});
export type EngineStatus = z.infer<typeof EngineStatusSchema>;

export const ModelInfoSchema = z.strictObject({
  name: z.string(),
  kind: MediaKindSchema,
  parameters: z.number().int().nonnegative().nullable(),
  description: z.string().nullable(),
});

export const AppInfoSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  transport: z.enum(['electron', 'web']),
  platform: z.string(),
  versions: z.record(z.string(), z.string()),
  engine: z
    .strictObject({
      backend: z.string(),
      threads: z.number().int().positive().nullable(),
      models: z.array(ModelInfoSchema),
    })
    .nullable(),
  /** Extensions the app accepts, by kind (lower case, no dot). */
  accepts: z.strictObject({ image: z.array(z.string()), audio: z.array(z.string()) }),
  capabilities: z.strictObject({
    /** revealItem opens the system file manager. */
    reveal: z.boolean(),
    /** openFiles can pick folders. */
    pickFolders: z.boolean(),
    /** 'dialog': the user picks any folder; 'fixed': the folder is set where the app was started. */
    outputFolder: z.enum(['dialog', 'fixed']),
  }),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

// ───────────────────────────── channels ─────────────────────────────

interface ChannelDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly request: Req;
  readonly response: Res;
}
const ch = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): ChannelDef<Req, Res> => ({ request, response });

/** Channels every transport serves with the same handlers (main/ipc/handlers.ts). */
export const channels = {
  'files:list': ch(Empty, z.array(FileEntrySchema)),
  'files:remove': ch(z.strictObject({ ids: z.array(FileIdSchema).max(10_000) }), Void),
  'files:thumbnail': ch(ThumbnailRequestSchema, ThumbnailSchema),
  'files:audio-overview': ch(AudioOverviewRequestSchema, AudioOverviewSchema),
  'files:estimate': ch(EstimateRequestSchema, NoiseEstimateSchema),
  'preview:image': ch(ImagePreviewRequestSchema, ImagePreviewSchema),
  'preview:audio': ch(AudioPreviewRequestSchema, AudioPreviewSchema),
  'preview:full': ch(FullPreviewRequestSchema, FullPreviewSchema),
  'output:choose-folder': ch(Empty, OutputFolderSchema.nullable()),
  'export:start': ch(ExportRequestSchema, ExportSummarySchema),
  'export:cancel': ch(Empty, Void),
  'shell:reveal': ch(z.strictObject({ id: FileIdSchema }), z.strictObject({ revealed: z.boolean() })),
  'settings:get': ch(Empty, SettingsSchema),
  'settings:set': ch(SettingsPatchRequestSchema, SettingsUpdateSchema),
  'app:info': ch(Empty, AppInfoSchema),
  'engine:status': ch(Empty, EngineStatusSchema),
} as const;

/**
 * Electron only: the preload turns dropped File objects into paths with webUtils.getPathForFile
 * (which yields a path only for files the user really dropped or picked) and main opens dialogs.
 * Never served by the web bridge — a page could otherwise name any path.
 */
export const electronChannels = {
  'files:add-paths': ch(z.strictObject({ paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000) }), AddFilesResultSchema),
  'files:open-dialog': ch(z.strictObject({ folders: z.boolean() }), AddFilesResultSchema),
} as const;

/** Web bridge only: the browser uploads dropped files' bytes; the bridge keeps them in a private temp dir. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
export const UPLOAD_CHUNK_BYTES = 4 * 1024 ** 2;
export const webChannels = {
  'upload:begin': ch(z.strictObject({ name: z.string().min(1).max(255), size: z.number().int().nonnegative().max(MAX_UPLOAD_BYTES) }), z.strictObject({ uploadId: z.string() })),
  /** `data` is base64 (no data: prefix), at most UPLOAD_CHUNK_BYTES decoded; chunks arrive in order. */
  'upload:chunk': ch(z.strictObject({ uploadId: z.string(), offset: z.number().int().nonnegative(), data: z.string().max(Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4) }), z.strictObject({ received: z.number().int().nonnegative() })),
  'upload:end': ch(z.strictObject({ uploadId: z.string() }), AddFilesResultSchema),
  'upload:abort': ch(z.strictObject({ uploadId: z.string() }), Void),
  /** Heartbeat: the page pings every few seconds and treats a bridge that stops answering as gone. */
  'bridge:ping': ch(Empty, z.strictObject({ at: z.number() })),
} as const;

/** How often the page pings the bridge, and how long an unanswered ping may wait before the bridge counts as gone. */
export const BRIDGE_PING_INTERVAL_MS = 2000;
export const BRIDGE_DEAD_AFTER_MS = 5000;

export type Channel = keyof typeof channels;
export type ElectronChannel = keyof typeof electronChannels;
export type WebChannel = keyof typeof webChannels;
type AllChannels = typeof channels & typeof electronChannels & typeof webChannels;
export type AnyChannel = keyof AllChannels;
export type RequestOf<C extends AnyChannel> = z.infer<AllChannels[C]['request']>;
export type ResponseOf<C extends AnyChannel> = z.infer<AllChannels[C]['response']>;

export const allChannels: AllChannels = { ...channels, ...electronChannels, ...webChannels };

/** Electron's ipcMain.handle/ipcRenderer.invoke channel name for a contract channel. */
export const ipcName = (channel: AnyChannel): string => `hush:${channel}`;
/** Electron's webContents.send/ipcRenderer.on channel name for a contract event (added later). */
export const ipcEventName = (event: EventName): string => `hush:event:${event}`;

// ───────────────────────────── events (main → UI) ─────────────────────────────

export const MenuCommandSchema = z.enum([
  'open-files',
  'open-folder',
  'export',
  'cancel-export',
  'zoom-in',
  'zoom-out',
  'zoom-actual', // 100 % = one image pixel per screen pixel
  'zoom-fit',
  'toggle-compare-mode',
  'show-about',
]);
export type MenuCommand = z.infer<typeof MenuCommandSchema>;

export const events = {
  'engine:status': EngineStatusSchema,
  'export:progress': ExportProgressSchema,
  /** Files added without a UI call (e.g. dropped on the dock icon / opened from the OS). */
  'files:added': z.array(FileEntrySchema),
  /** An app-menu item the UI should act on. */
  'menu:command': MenuCommandSchema,
} as const;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

// ───────────────────────────── the API the UI calls ─────────────────────────────

export type Unsubscribe = () => void;

/**
 * What the renderer calls: `window.hush` in Electron (preload), or the WebSocket client
 * (main/web-bridge/browser-client.ts) in the browser. Every method rejects with an Error whose message
 * is `[code] text` (see apiErrorCode).
 */
export interface HushApi {
  /** Add dropped/picked files (folders are expanded to the supported files inside them). */
  addFiles(files: readonly File[]): Promise<AddFilesResult>;
  /**
   * Let the user pick files (or a folder) and add them. Electron: native dialog. Browser: a file
   * input — call it straight from a click handler (user activation). `folders` needs
   * capabilities.pickFolders.
   */
  openFiles(options?: { folders?: boolean }): Promise<AddFilesResult>;
  listFiles(): Promise<FileEntry[]>;
  removeFiles(ids: readonly FileId[]): Promise<void>;
  getThumbnail(request: z.input<typeof ThumbnailRequestSchema>): Promise<Thumbnail>;
  getAudioOverview(request: z.input<typeof AudioOverviewRequestSchema>): Promise<AudioOverview>;
  estimateNoise(request: z.input<typeof EstimateRequestSchema>): Promise<NoiseEstimate>;
  previewImage(request: z.input<typeof ImagePreviewRequestSchema>): Promise<ImagePreview>;
  previewAudio(request: z.input<typeof AudioPreviewRequestSchema>): Promise<AudioPreview>;
  previewFull(request: z.input<typeof FullPreviewRequestSchema>): Promise<FullPreview>;
  /** Electron: folder dialog (null when cancelled). Browser: the folder the bridge was started with. */
  chooseOutputFolder(): Promise<OutputFolder | null>;
  /** Runs the batch; progress arrives via onExportProgress; resolves with the summary (also when cancelled). */
  exportBatch(request: ExportRequest): Promise<ExportSummary>;
  cancelExport(): Promise<void>;
  /** Show an input or output file in the system file manager (false where not possible). */
  revealItem(id: FileId): Promise<{ revealed: boolean }>;
  getSettings(): Promise<Settings>;
  /** Applies every valid field of the patch; the ones it refused come back in `rejected`. */
  setSettings(patch: SettingsPatch): Promise<SettingsUpdate>;
  getAppInfo(): Promise<AppInfo>;
  getEngineStatus(): Promise<EngineStatus>;
  onEngineStatus(listener: (status: EngineStatus) => void): Unsubscribe;
  onExportProgress(listener: (progress: ExportProgress) => void): Unsubscribe;
  onFilesAdded(listener: (files: FileEntry[]) => void): Unsubscribe;
  onMenuCommand(listener: (command: MenuCommand) => void): Unsubscribe;
}

/** Which contract channel each request-style HushApi method uses (addFiles/openFiles are transport-specific). */
export const methodChannels = {
  listFiles: 'files:list',
  removeFiles: 'files:remove',
  getThumbnail: 'files:thumbnail',
  getAudioOverview: 'files:audio-overview',
  estimateNoise: 'files:estimate',
  previewImage: 'preview:image',
  previewAudio: 'preview:audio',
  previewFull: 'preview:full',
  chooseOutputFolder: 'output:choose-folder',
  exportBatch: 'export:start',
  cancelExport: 'export:cancel',
  revealItem: 'shell:reveal',
  getSettings: 'settings:get',
  setSettings: 'settings:set',
  getAppInfo: 'app:info',
  getEngineStatus: 'engine:status',
} as const satisfies Partial<Record<keyof HushApi, Channel>>;

/** Which event each subscription method listens to. */
export const subscriptionEvents = {
  onEngineStatus: 'engine:status',
  onExportProgress: 'export:progress',
  onFilesAdded: 'files:added',
  onMenuCommand: 'menu:command',
} as const satisfies Partial<Record<keyof HushApi, EventName>>;

// ───────────────────────────── errors across the boundary ─────────────────────────────

/** Wire form of every reply: handlers never throw across the boundary. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ApiError };
export const replySchema = <T extends z.ZodType>(value: T) =>
  z.discriminatedUnion('ok', [z.strictObject({ ok: z.literal(true), value }), z.strictObject({ ok: z.literal(false), error: ApiErrorSchema })]);

/** The Error a client rejects with: message `[code] text`, which survives contextBridge. */
export function apiErrorToError(error: ApiError): Error {
  const err = new Error(`[${error.code}] ${error.message}`);
  err.name = 'HushApiError';
  return err;
}

const errorPattern = /^(?:Error invoking remote method '[^']*': )?(?:\w*Error: )?\[([a-z-]+)\] ([\s\S]*)$/;

/** The ApiErrorCode of an error thrown by a HushApi call ('internal' when it carries none). */
export function apiErrorCode(err: unknown): ApiErrorCode {
  const m = err instanceof Error ? errorPattern.exec(err.message) : null;
  const parsed = ApiErrorCodeSchema.safeParse(m?.[1]);
  return parsed.success ? parsed.data : 'internal';
}

/** The human part of an error thrown by a HushApi call. */
export function apiErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const m = errorPattern.exec(err.message);
  return m ? m[2] : err.message;
}

/** Extensions Hush accepts (lower case, no dot); the engine decides the final word by content. */
export const ACCEPTED_EXTENSIONS = {
  image: ['jpg', 'jpeg', 'jpe', 'png', 'webp', 'tif', 'tiff', 'avif', 'heic', 'heif', 'gif'],
  audio: ['wav', 'wave', 'flac', 'mp3', 'ogg', 'oga'],
} as const satisfies Record<MediaKind, readonly string[]>;

export function kindOfExtension(ext: string): MediaKind | null {
  const e = ext.toLowerCase().replace(/^\./, '');
  if ((ACCEPTED_EXTENSIONS.image as readonly string[]).includes(e)) return 'image';
  if ((ACCEPTED_EXTENSIONS.audio as readonly string[]).includes(e)) return 'audio';
  return null;
}
