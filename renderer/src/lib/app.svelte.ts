// Application state: the queue, the selected file's session, strengths, settings, export and engine
// status. Everything goes through the typed HushApi (window.hush in Electron, the WebSocket client in
// a browser); the UI never sees a path.
import {
  apiErrorText,
  DEFAULT_PREFERENCES,
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
  type Settings,
  type SettingsPatch,
  type Strength,
  type Thumbnail,
} from '../../../main/ipc/contract.ts';
import type { Stage } from '../../../main/engine/types.ts';
import { AudioPlayer } from './audio-player.svelte.ts';
import { AudioSession } from './audio-session.svelte.ts';
import { ImageSession } from './image-session.svelte.ts';
import { debounce } from './latest.ts';
import { loadImage } from './media.ts';
import { Viewport } from './viewport.svelte.ts';

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
  | { phase: 'running'; batchId: string | null; total: number; completed: number; overall: number; etaSec: number | null; startedAt: number; cancelling: boolean }
  | { phase: 'done'; summary: ExportSummary };

export type CompareMode = 'split' | 'side';

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

  async init(api: HushApi): Promise<void> {
    this.api = api;
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
    const wasDown = this.engine?.state === 'crashed';
    this.engine = s;
    // After a crash the engine comes back empty-handed: redo what failed with it.
    if (wasDown && (s.state === 'ready' || s.state === 'restarted')) this.retryAfterRestart();
  }

  private retryAfterRestart(): void {
    const failed = this.items.filter((i) => i.loadError !== null && !i.thumb && !i.overview);
    for (const it of failed) {
      it.loadError = null;
      it.loading = true;
    }
    if (failed.length) void this.loadMeta(failed.map((i) => i.entry.id));
    const sel = this.selectedId;
    if (sel && (this.imageSession?.error || this.audioSession?.error)) {
      this.imageSession?.dispose();
      this.audioSession?.dispose();
      this.imageSession = null;
      this.audioSession = null;
      void this.openSession(sel);
    }
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

  private addEntries(entries: readonly FileEntry[]): void {
    const known = new Set(this.items.map((i) => i.entry.id));
    const fresh = entries.filter((e) => !known.has(e.id));
    for (const entry of fresh) {
      this.items.push({
        entry,
        thumb: null,
        overview: null,
        estimate: null,
        strength: null,
        loading: true,
        loadError: null,
        exportStage: null,
        exportFraction: 0,
        result: null,
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

  updateSettings(patch: SettingsPatch): void {
    Object.assign(this.settings, patch);
    this.pendingPatch = { ...this.pendingPatch, ...patch };
    this.saveSettings(this.pendingPatch);
  }

  private async persist(patch: SettingsPatch): Promise<void> {
    if (!this.api) return;
    this.pendingPatch = {};
    try {
      const saved = await this.api.setSettings(patch);
      // Keep local edits made while saving; take the folder and anything main normalised.
      this.settings.outputFolder = saved.outputFolder;
    } catch (err) {
      this.notify('error', `Settings not saved: ${apiErrorText(err)}`);
    }
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

  async startExport(): Promise<void> {
    const api = this.api;
    const folder = this.settings.outputFolder;
    if (!api || !folder || this.items.length === 0 || this.exporting.phase === 'running') return;
    for (const it of this.items) {
      it.exportStage = 'queued';
      it.exportFraction = 0;
      it.result = null;
    }
    const s = this.settings;
    const request: ExportRequest = {
      outputFolderId: folder.id,
      items: this.items.map((it) => ({ fileId: it.entry.id, strength: this.strengthOf(it) })),
      image: { format: s.imageFormat, quality: s.imageQuality },
      audio: { format: s.audioFormat, sampleFormat: s.audioSampleFormat },
      namePattern: s.namePattern,
      collision: s.collision,
    };
    this.exporting = { phase: 'running', batchId: null, total: request.items.length, completed: 0, overall: 0, etaSec: null, startedAt: Date.now(), cancelling: false };
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
      this.exporting = { phase: 'done', summary };
      this.exportOpen = true;
    } catch (err) {
      this.exporting = { phase: 'idle' };
      for (const it of this.items) if (it.exportStage && it.exportStage !== 'done') it.exportStage = null;
      this.notify('error', `Export failed: ${apiErrorText(err)}`);
    }
  }

  private onProgress(p: ExportProgress): void {
    const it = this.item(p.fileId);
    if (it) {
      it.exportStage = p.stage;
      it.exportFraction = p.fileFraction;
    }
    const cur = this.exporting;
    if (cur.phase === 'running') {
      this.exporting = { ...cur, batchId: p.batchId, total: p.total, completed: p.completed, overall: p.overallFraction, etaSec: p.etaSec };
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
