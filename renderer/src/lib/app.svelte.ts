// Application state: the queue, the selected file's session, strengths, settings, export and engine
// status. Everything goes through the typed HushApi (window.hush in Electron, the WebSocket client in
// a browser); the UI never sees a path.
import {
  apiErrorText,
  DEFAULT_PREFERENCES,
  ExportFileResultSchema,
  StrengthSchema,
  type AddFilesResult,
  type AppInfo,
  type AudioOverview,
  type EngineStatus,
  type ExportFileResult,
  type ExportProgress,
  type ExportRequest,
  type ExportSummary,
  type FileEntry,
  type FileId,
  type HushApi,
  type MenuCommand,
  type NoiseEstimate,
  type PreferenceKey,
  PreferencesSchema,
  type Settings,
  type SettingsPatch,
  type Strength,
  type Thumbnail,
} from '../../../main/ipc/contract.ts';
import type { Stage } from '../../../main/engine/types.ts';
import type { BridgeConnection } from '../../../main/web-bridge/browser-client.ts';
import { AudioPlayer } from './audio-player.svelte.ts';
import { AudioSession } from './audio-session.svelte.ts';
import { ImageSession } from './image-session.svelte.ts';
import { debounce } from './latest.ts';
import { loadImage } from './media.ts';
import { Viewport } from './viewport.svelte.ts';
import { z } from 'zod';

/**
 * What a reload must not forget about a file: its own strength and its last export. Kept in
 * sessionStorage (this tab only) by name, size and where it lives, since file ids are new after a reload.
 */
const REMEMBERED_KEY = 'hush.files.v1';
const RememberedSchema = z.record(z.string(), z.strictObject({ strength: StrengthSchema.nullable(), result: ExportFileResultSchema.nullable() }));
type Remembered = z.infer<typeof RememberedSchema>;
const fileKey = (e: FileEntry): string => `${e.displayPath}\u0000${e.sizeBytes}`;

function readRemembered(): Remembered {
  try {
    const raw = globalThis.sessionStorage?.getItem(REMEMBERED_KEY);
    const parsed = raw ? RememberedSchema.safeParse(JSON.parse(raw)) : null;
    return parsed?.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export type MediaKind = 'image' | 'audio';

/** Slider ranges the issue asks for: σ 0–75 for photos, 0–40 dB for recordings. */
export const STRENGTH_MAX: Record<MediaKind, number> = { image: 75, audio: 40 };
export const STRENGTH_UNIT: Record<MediaKind, string> = { image: 'σ', audio: 'dB' };

export interface QueueItem {
  entry: FileEntry;
  thumb: Thumbnail | null;
  overview: AudioOverview | null;
  estimate: NoiseEstimate | null;
  /** null: follows the batch strength of its kind. */
  strength: Strength | null;
  loading: boolean;
  loadError: string | null;
  exportStage: Stage | null;
  exportFraction: number;
  result: ExportFileResult | null;
}

export interface Notice {
  id: number;
  kind: 'info' | 'error' | 'success';
  text: string;
}

export type ExportPhase =
  | { phase: 'idle' }
  | { phase: 'running'; batchId: string | null; fileIds: readonly FileId[]; total: number; completed: number; overall: number; etaSec: number | null; startedAt: number; cancelling: boolean }
  | { phase: 'done'; summary: ExportSummary };

export type CompareMode = 'split' | 'side';

/**
 * The last engine crash, kept until the user dismisses it: the status itself moves on (crashed →
 * restarted → busy → ready) within a fraction of a second, too fast to read.
 */
export interface CrashNotice {
  at: number;
  message: string | null;
  /** A fresh engine is up again. */
  recovered: boolean;
  /** The app redid by itself what the crash interrupted (thumbnails, previews). */
  redone: boolean;
  /** An export was running: it goes on with the remaining files on the fresh engine. */
  duringExport: boolean;
  /** Files of that export that failed with the crash (known once it finished). */
  exportFailed: number;
}

/** Web only: subscribe to the socket's state (Electron's IPC cannot drop). */
export type BridgeWatch = (listener: (state: BridgeConnection) => void) => () => void;

export class HushApp {
  api: HushApi | null = null;
  connected = $state(false);
  connectError = $state<string | null>(null);
  info = $state.raw<AppInfo | null>(null);
  settings = $state<Settings>({ ...DEFAULT_PREFERENCES, outputFolder: null });
  items = $state<QueueItem[]>([]);
  selectedId = $state<FileId | null>(null);
  engine = $state.raw<EngineStatus | null>(null);
  notices = $state<Notice[]>([]);
  crash = $state<CrashNotice | null>(null);
  /** The web bridge's socket (null in Electron). */
  bridge = $state.raw<BridgeConnection | null>(null);
  /** Why a settings field was not saved (checked here, then by main), shown next to that field. */
  settingsIssues = $state<Partial<Record<PreferenceKey, string>>>({});
  /** A save or export start that failed as a whole, shown inside the export dialog (a toast would sit behind it). */
  dialogError = $state<string | null>(null);
  /** Leave out of the next export the files an earlier export this session already wrote. */
  skipExported = $state(true);
  exporting = $state<ExportPhase>({ phase: 'idle' });
  exportOpen = $state(false);
  helpOpen = $state(false);
  showNoise = $state(false);
  /** Magnification of the removed-noise view; 'auto' scales it to the applied σ. */
  noiseGain = $state<number | 'auto'>('auto');
  adding = $state(0);

  readonly viewport = new Viewport();
  readonly player = new AudioPlayer();
  imageSession = $state.raw<ImageSession | null>(null);
  audioSession = $state.raw<AudioSession | null>(null);

  private noticeSeq = 0;
  private readonly unsubs: (() => void)[] = [];
  private readonly saveSettings = debounce((patch: SettingsPatch) => void this.persist(patch), 300);
  private pendingPatch: SettingsPatch = {};

  get selected(): QueueItem | null {
    return this.items.find((i) => i.entry.id === this.selectedId) ?? null;
  }

  get compareMode(): CompareMode {
    return this.settings.compareMode === 'side-by-side' ? 'side' : 'split';
  }

  get kinds(): Set<MediaKind> {
    return new Set(this.items.map((i) => i.entry.kind));
  }

  async init(api: HushApi, watchBridge?: BridgeWatch): Promise<void> {
    this.api = api;
    if (watchBridge) this.unsubs.push(watchBridge((state) => (this.bridge = state)));
    this.unsubs.push(
      api.onEngineStatus((s) => this.onEngineStatus(s)),
      api.onExportProgress((p) => this.onProgress(p)),
      api.onFilesAdded((files) => this.addEntries(files)),
    );
    const [info, settings, engine, files] = await Promise.all([api.getAppInfo(), api.getSettings(), api.getEngineStatus(), api.listFiles()]);
    this.info = info;
    this.settings = settings;
    this.engine = engine;
    this.connected = true;
    this.addEntries(files);
  }

  private onEngineStatus(s: EngineStatus): void {
    const prev = this.engine;
    if (prev && s.at < prev.at) return; // an older answer arriving after a newer event
    const wasDown = prev?.state === 'crashed';
    this.engine = s;
    const exporting = this.exporting.phase === 'running';
    if (s.state === 'crashed') {
      this.crash = { at: s.at, message: s.message, recovered: false, redone: false, duringExport: exporting || !!this.crash?.duringExport, exportFailed: 0 };
      return;
    }
    // A crash whose 'crashed' event this page never saw (e.g. while its socket reconnected).
    const missed = !wasDown && s.restarts > (prev?.restarts ?? s.restarts);
    if (!wasDown && !missed) return;
    // After a crash the engine comes back empty-handed: redo what failed with it.
    const redone = s.state === 'ready' || s.state === 'restarted' || s.state === 'busy' ? this.retryAfterRestart() : false;
    const c = this.crash ?? { at: s.at, message: s.message, recovered: false, redone: false, duringExport: exporting, exportFailed: 0 };
    this.crash = { ...c, recovered: s.state !== 'starting', redone: c.redone || redone };
  }

  /** Redo what the crash interrupted; true when there was something to redo. */
  private retryAfterRestart(): boolean {
    const failed = this.items.filter((i) => i.loadError !== null && !i.thumb && !i.overview);
    for (const it of failed) {
      it.loadError = null;
      it.loading = true;
    }
    if (failed.length) void this.loadMeta(failed.map((i) => i.entry.id));
    const sel = this.selectedId;
    const reopen = !!sel && !!(this.imageSession?.error || this.audioSession?.error);
    if (sel && reopen) {
      this.imageSession?.dispose();
      this.audioSession?.dispose();
      this.imageSession = null;
      this.audioSession = null;
      void this.openSession(sel);
    }
    return failed.length > 0 || reopen;
  }

  dismissCrash(): void {
    this.crash = null;
  }

  onMenu(handler: (c: MenuCommand) => void): void {
    if (this.api) this.unsubs.push(this.api.onMenuCommand(handler));
  }

  notify(kind: Notice['kind'], text: string): void {
    const id = ++this.noticeSeq;
    this.notices.push({ id, kind, text });
    setTimeout(() => this.dismiss(id), kind === 'error' ? 9000 : 4500);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  // ───────────── adding and removing files ─────────────

  async addFiles(files: readonly File[]): Promise<void> {
    if (!this.api || files.length === 0) return;
    this.adding++;
    try {
      this.handleAdded(await this.api.addFiles(files));
    } catch (err) {
      this.notify('error', `Could not add files: ${apiErrorText(err)}`);
    } finally {
      this.adding--;
    }
  }

  async openFiles(folders = false): Promise<void> {
    if (!this.api) return;
    try {
      const res = this.api.openFiles({ folders });
      this.adding++;
      this.handleAdded(await res);
    } catch (err) {
      this.notify('error', `Could not open files: ${apiErrorText(err)}`);
    } finally {
      if (this.adding > 0) this.adding--;
    }
  }

  private handleAdded(res: AddFilesResult): void {
    this.addEntries(res.added);
    if (res.rejected.length) {
      const first = res.rejected.slice(0, 3).map((r) => `${r.name}: ${r.reason}`).join('; ');
      const more = res.rejected.length > 3 ? ` (+${res.rejected.length - 3} more)` : '';
      this.notify('error', `Skipped ${res.rejected.length} file${res.rejected.length > 1 ? 's' : ''} — ${first}${more}`);
    }
  }

  /** Save each file's own strength and last export result for a reload of this tab. */
  private remember(): void {
    const all = readRemembered();
    for (const it of this.items) {
      const result = it.result?.status === 'done' ? $state.snapshot(it.result) : null;
      if (it.strength === null && !result) delete all[fileKey(it.entry)];
      else all[fileKey(it.entry)] = { strength: it.strength, result };
    }
    try {
      globalThis.sessionStorage?.setItem(REMEMBERED_KEY, JSON.stringify(all));
    } catch {
      // Storage full or off: a reload then starts over, as before.
    }
  }

  private addEntries(entries: readonly FileEntry[]): void {
    const known = new Set(this.items.map((i) => i.entry.id));
    const fresh = entries.filter((e) => !known.has(e.id));
    const remembered = readRemembered();
    for (const entry of fresh) {
      const r = remembered[fileKey(entry)];
      // The output's id was granted to the page before the reload: no longer valid.
      const result = r?.result ? { ...r.result, fileId: entry.id, outputId: undefined } : null;
      this.items.push({
        entry,
        thumb: null,
        overview: null,
        estimate: null,
        strength: r?.strength ?? null,
        loading: true,
        loadError: null,
        exportStage: result ? 'done' : null,
        exportFraction: result ? 1 : 0,
        result,
      });
    }
    // Load metadata one file at a time: the engine has few cores and the selected file comes first.
    if (fresh.length) void this.loadMeta(fresh.map((e) => e.id));
    if (!this.selectedId && fresh.length) this.select(fresh[0].id);
  }

  private item(id: FileId): QueueItem | undefined {
    return this.items.find((i) => i.entry.id === id);
  }

  private async loadMeta(ids: FileId[]): Promise<void> {
    const api = this.api;
    if (!api) return;
    for (const id of ids) {
      const it = this.item(id);
      if (!it) continue;
      try {
        if (it.entry.kind === 'image') {
          const thumb = await api.getThumbnail({ fileId: id, maxSide: 256 });
          const cur = this.item(id);
          if (cur) cur.thumb = thumb;
          if (this.selectedId === id && !this.imageSession) await this.openSession(id);
        } else {
          const overview = await api.getAudioOverview({ fileId: id, columns: 1024, spectrogramHeight: 256 });
          const cur = this.item(id);
          if (cur) cur.overview = overview;
          if (this.selectedId === id && !this.audioSession) await this.openSession(id);
        }
        const estimate = await api.estimateNoise({ fileId: id });
        const cur = this.item(id);
        if (cur) {
          cur.estimate = estimate;
          cur.loading = false;
        }
      } catch (err) {
        const cur = this.item(id);
        if (cur) {
          cur.loading = false;
          cur.loadError = apiErrorText(err);
        }
      }
    }
  }

  async remove(ids: readonly FileId[]): Promise<void> {
    if (!this.api || ids.length === 0) return;
    const drop = new Set(ids);
    const idx = this.items.findIndex((i) => i.entry.id === this.selectedId);
    this.items = this.items.filter((i) => !drop.has(i.entry.id));
    if (this.selectedId && drop.has(this.selectedId)) {
      const next = this.items[Math.min(Math.max(0, idx), this.items.length - 1)];
      this.select(next ? next.entry.id : null);
    }
    try {
      await this.api.removeFiles(ids);
    } catch (err) {
      this.notify('error', apiErrorText(err));
    }
  }

  clearAll(): Promise<void> {
    return this.remove(this.items.map((i) => i.entry.id));
  }

  // ───────────── selection and sessions ─────────────

  select(id: FileId | null): void {
    if (id === this.selectedId) return;
    this.selectedId = id;
    this.imageSession?.dispose();
    this.audioSession?.dispose();
    this.imageSession = null;
    this.audioSession = null;
    if (id) void this.openSession(id);
  }

  selectRelative(delta: number): void {
    if (!this.items.length) return;
    const i = this.items.findIndex((x) => x.entry.id === this.selectedId);
    const next = this.items[Math.min(this.items.length - 1, Math.max(0, (i < 0 ? 0 : i) + delta))];
    this.select(next.entry.id);
  }

  private async openSession(id: FileId): Promise<void> {
    const it = this.item(id);
    if (!it || !this.api || this.selectedId !== id) return;
    const strength = this.strengthOf(it);
    if (it.entry.kind === 'image') {
      if (!it.thumb || this.imageSession) return;
      let img: HTMLImageElement | null = null;
      try {
        img = await loadImage(it.thumb.dataUrl);
      } catch {
        img = null;
      }
      if (this.selectedId !== id || this.imageSession) return;
      const s = new ImageSession(this.api, id, it.thumb, img);
      this.imageSession = s;
      this.viewport.setImage(s.width, s.height);
      s.setTarget(strength, this.viewport.visibleRect(), { full: false });
      s.startFull(strength);
      if (Math.max(s.width, s.height) > 256) {
        void this.api
          .getThumbnail({ fileId: id, maxSide: 1024 })
          .then((t) => loadImage(t.dataUrl))
          .then((big) => s.setPlaceholder(big))
          .catch(() => undefined);
      }
    } else {
      if (!it.overview || this.audioSession) return;
      const s = new AudioSession(this.api, id, it.overview, this.player);
      this.audioSession = s;
      s.startFull(strength);
    }
  }

  // ───────────── strengths ─────────────

  batchStrength(kind: MediaKind): Strength {
    return kind === 'image' ? this.settings.defaultSigma : this.settings.defaultReductionDb;
  }

  strengthOf(it: QueueItem): Strength {
    return it.strength ?? this.batchStrength(it.entry.kind);
  }

  /** What `auto` resolves to for this file, when known. */
  estimateOf(it: QueueItem): number | undefined {
    const e = it.estimate;
    if (!e) return undefined;
    return e.kind === 'image' ? e.sigma : e.reductionDb;
  }

  /** `live`: still dragging — only a fast preview; otherwise the full result follows. */
  setStrength(id: FileId, value: Strength | null, live: boolean): void {
    const it = this.item(id);
    if (!it) return;
    it.strength = value;
    if (id === this.selectedId) this.retarget(live);
    if (!live) this.remember();
  }

  setBatchStrength(kind: MediaKind, value: Strength, live: boolean): void {
    if (kind === 'image') this.settings.defaultSigma = value;
    else this.settings.defaultReductionDb = value;
    const sel = this.selected;
    if (sel && sel.entry.kind === kind && sel.strength === null) this.retarget(live);
    if (!live) this.updateSettings(kind === 'image' ? { defaultSigma: value } : { defaultReductionDb: value });
  }

  /** Apply the batch strength to every file of a kind (clearing per-file overrides). */
  resetOverrides(kind: MediaKind): void {
    for (const it of this.items) if (it.entry.kind === kind) it.strength = null;
    if (this.selected?.entry.kind === kind) this.retarget(false);
  }

  private retarget(live: boolean): void {
    const it = this.selected;
    if (!it) return;
    const s = this.strengthOf(it);
    if (this.imageSession && it.entry.kind === 'image') this.imageSession.setTarget(s, this.viewport.visibleRect(), { full: !live });
    if (this.audioSession && it.entry.kind === 'audio') this.audioSession.setTarget(s, { full: !live });
  }

  /** After a pan or zoom, fetch the newly visible region if the full image is not there yet. */
  visibleChanged(): void {
    this.imageSession?.refreshVisible(this.viewport.visibleRect());
  }

  // ───────────── settings ─────────────

  /**
   * Show the change at once; save it shortly after. Each field is checked on its own: an invalid
   * one (a half-typed name pattern) is shown with its reason and kept out of the save, so it cannot
   * cost the other fields of the same save.
   */
  updateSettings(patch: SettingsPatch): void {
    Object.assign(this.settings, patch);
    const valid: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) {
      const key = k as PreferenceKey;
      const ok = PreferencesSchema.shape[key].safeParse(v);
      if (ok.success) {
        valid[key] = ok.data;
        delete this.settingsIssues[key];
      } else {
        this.settingsIssues[key] = ok.error.issues[0]?.message ?? 'invalid value';
      }
    }
    if (Object.keys(valid).length === 0) return;
    this.pendingPatch = { ...this.pendingPatch, ...(valid as SettingsPatch) };
    this.saveSettings(this.pendingPatch);
  }

  private async persist(patch: SettingsPatch): Promise<void> {
    if (!this.api) return;
    this.pendingPatch = {};
    try {
      const res = await this.api.setSettings(patch);
      // Keep local edits made while saving; take the folder and what main refused.
      this.settings.outputFolder = res.settings.outputFolder;
      for (const r of res.rejected) this.settingsIssues[r.field] = r.message;
      this.dialogError = null;
    } catch (err) {
      this.reportError(`Settings not saved: ${apiErrorText(err)}`);
    }
  }

  /** Inside the export dialog while it is open (a toast would sit behind the modal), else a toast. */
  private reportError(text: string): void {
    if (this.exportOpen) this.dialogError = text;
    else this.notify('error', text);
  }

  toggleCompareMode(): void {
    this.updateSettings({ compareMode: this.compareMode === 'split' ? 'side-by-side' : 'split' });
  }

  // ───────────── export ─────────────

  async chooseFolder(): Promise<void> {
    if (!this.api) return;
    try {
      const f = await this.api.chooseOutputFolder();
      if (f) this.settings.outputFolder = f;
    } catch (err) {
      this.notify('error', `Could not choose a folder: ${apiErrorText(err)}`);
    }
  }

  /** Files an export this session already wrote. */
  get exported(): QueueItem[] {
    return this.items.filter((i) => i.result?.status === 'done');
  }

  /** Files that could not be read (corrupt, not really an image or recording): they cannot be exported. */
  get unreadable(): QueueItem[] {
    return this.items.filter((i) => i.loadError !== null && !i.thumb && !i.overview);
  }

  /**
   * What the next export runs: every readable file, less the ones already exported when
   * skipExported is on.
   */
  get nextExport(): QueueItem[] {
    const readable = this.items.filter((i) => !(i.loadError !== null && !i.thumb && !i.overview));
    return this.skipExported ? readable.filter((i) => i.result?.status !== 'done') : readable;
  }

  /** Export the batch, or just `only` (e.g. the files that failed last time). */
  async startExport(only?: readonly FileId[]): Promise<void> {
    const api = this.api;
    const folder = this.settings.outputFolder;
    if (!api || !folder || this.exporting.phase === 'running') return;
    const batch = only ? this.items.filter((i) => only.includes(i.entry.id)) : this.nextExport;
    if (batch.length === 0) return;
    for (const it of batch) {
      it.exportStage = 'queued';
      it.exportFraction = 0;
      it.result = null;
    }
    this.dialogError = null;
    if (this.crash?.recovered) this.crash = null;
    const s = this.settings;
    const request: ExportRequest = {
      outputFolderId: folder.id,
      items: batch.map((it) => ({ fileId: it.entry.id, strength: this.strengthOf(it) })),
      image: { format: s.imageFormat, quality: s.imageQuality },
      audio: { format: s.audioFormat, sampleFormat: s.audioSampleFormat },
      namePattern: s.namePattern,
      collision: s.collision,
    };
    this.exporting = { phase: 'running', batchId: null, fileIds: batch.map((i) => i.entry.id), total: request.items.length, completed: 0, overall: 0, etaSec: null, startedAt: Date.now(), cancelling: false };
    try {
      const summary = await api.exportBatch(request);
      for (const r of summary.results) {
        const it = this.item(r.fileId);
        if (it) {
          it.result = r;
          it.exportStage = r.status;
          it.exportFraction = r.status === 'done' ? 1 : it.exportFraction;
        }
      }
      this.remember();
      const crashed = summary.results.filter((r) => r.error?.code === 'engine-crashed').length;
      if (this.crash && crashed) this.crash = { ...this.crash, exportFailed: crashed };
      this.exporting = { phase: 'done', summary };
      this.exportOpen = true;
    } catch (err) {
      this.exporting = { phase: 'idle' };
      for (const it of batch) if (it.exportStage && it.exportStage !== 'done') it.exportStage = null;
      this.reportError(`Export failed: ${apiErrorText(err)}`);
    }
  }

  private onProgress(p: ExportProgress): void {
    const it = this.item(p.fileId);
    if (it) {
      it.exportStage = p.stage;
      // A failed or cancelled file keeps the bar where it stopped: a full bar would read as done.
      if (p.stage !== 'failed' && p.stage !== 'cancelled') it.exportFraction = p.fileFraction;
    }
    const cur = this.exporting;
    if (cur.phase === 'running') {
      const sameBatch = cur.batchId === null || cur.batchId === p.batchId;
      const overall = sameBatch ? Math.max(cur.overall, p.overallFraction) : p.overallFraction;
      this.exporting = { ...cur, batchId: p.batchId, total: p.total, completed: Math.max(sameBatch ? cur.completed : 0, p.completed), overall, etaSec: p.etaSec };
    }
  }

  async cancelExport(): Promise<void> {
    const cur = this.exporting;
    if (!this.api || cur.phase !== 'running') return;
    this.exporting = { ...cur, cancelling: true };
    try {
      await this.api.cancelExport();
    } catch (err) {
      this.notify('error', apiErrorText(err));
    }
  }

  finishExport(): void {
    this.exporting = { phase: 'idle' };
    this.exportOpen = false;
  }

  async reveal(id: FileId): Promise<boolean> {
    if (!this.api) return false;
    try {
      const r = await this.api.revealItem(id);
      return r.revealed;
    } catch (err) {
      this.notify('error', apiErrorText(err));
      return false;
    }
  }

  dispose(): void {
    for (const u of this.unsubs) u();
    this.imageSession?.dispose();
    this.audioSession?.dispose();
    this.player.dispose();
  }
}
