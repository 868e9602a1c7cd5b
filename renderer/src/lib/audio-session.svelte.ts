// The selected recording: the engine's overview of the original right away, a fast excerpt around the
// playhead while the slider moves (spliced into what is playing), then the whole denoised recording.
import { apiErrorText, MAX_PREVIEW_SECONDS, type AudioOverview, type HushApi, type Strength } from '../../../main/ipc/contract.ts';
import { AudioPlayer, differencePcm, type Pcm } from './audio-player.svelte.ts';
import { debounce, LatestPump } from './latest.ts';
import { decodeWavDataUrl } from './media.ts';

/** Length of the fast excerpt rendered while the slider moves. */
export const AUDIO_PREVIEW_SECONDS = Math.min(8, MAX_PREVIEW_SECONDS);

export class AudioSession {
  before = $state.raw<Pcm | null>(null);
  after = $state.raw<Pcm | null>(null);
  noise = $state.raw<Pcm | null>(null);
  /** Range of `after` that is an excerpt preview (not yet the full result), in seconds. */
  previewRange = $state<{ start: number; end: number } | null>(null);
  fullDone = $state(false);
  previewBusy = $state(false);
  fullBusy = $state(false);
  appliedDb = $state<number | null>(null);
  lastPreviewMs = $state<number | null>(null);
  lastFullMs = $state<number | null>(null);
  /** The last full result came from the bridge's cache (asked before at this strength). */
  lastFullCached = $state(false);
  error = $state<string | null>(null);

  private target: Strength = 'auto';
  private disposed = false;
  private fullSeq = 0;
  private readonly pump: LatestPump<{ strength: Strength; start: number }>;
  private readonly fullLater: ReturnType<typeof debounce<[Strength]>>;

  constructor(
    private readonly api: HushApi,
    readonly fileId: string,
    readonly overview: AudioOverview,
    private readonly player: AudioPlayer,
  ) {
    this.pump = new LatestPump((r) => this.runPreview(r.strength, r.start));
    this.fullLater = debounce((s: Strength) => void this.runFull(s), 350);
    player.pause();
    player.setLoop(null);
    player.setSources({});
    player.seek(0);
  }

  get duration(): number {
    return this.overview.durationSec;
  }

  /** Where a fast preview should start: the loop if one is set, else a little before the playhead. */
  private excerptStart(): number {
    const loop = this.player.loop;
    if (loop) return loop.start;
    const d = this.duration;
    return Math.max(0, Math.min(d - AUDIO_PREVIEW_SECONDS, this.player.position - 1));
  }

  setTarget(strength: Strength, opts: { full: boolean }): void {
    const changed = strength !== this.target;
    this.target = strength;
    if (changed) this.fullDone = false;
    this.pump.push({ strength, start: this.excerptStart() });
    if (opts.full && (changed || !this.fullDone)) this.fullLater(strength);
  }

  startFull(strength: Strength): void {
    this.target = strength;
    this.fullLater.cancel();
    void this.runFull(strength);
  }

  private async runPreview(strength: Strength, start: number): Promise<void> {
    if (this.disposed || strength !== this.target || this.fullDone) return;
    // Without the original in memory there is nothing to splice into; the full result follows.
    const base = this.after ?? this.before;
    if (!base || !this.before) return;
    this.previewBusy = true;
    try {
      const loop = this.player.loop;
      const dur = Math.min(AUDIO_PREVIEW_SECONDS, loop ? Math.max(0.5, loop.end - loop.start) : AUDIO_PREVIEW_SECONDS, MAX_PREVIEW_SECONDS);
      const res = await this.api.previewAudio({ fileId: this.fileId, startSec: start, durationSec: dur, reductionDb: strength });
      if (this.disposed || strength !== this.target || this.fullDone) return;
      const excerpt = decodeWavDataUrl(res.after);
      const cur = this.after ?? this.before;
      if (!cur) return;
      const from = Math.round(res.startSec * cur.sampleRate);
      const channels = cur.channels.map((ch, c) => {
        const copy = new Float32Array(ch);
        const src = excerpt.channels[Math.min(c, excerpt.channels.length - 1)];
        copy.set(src.subarray(0, Math.max(0, Math.min(src.length, copy.length - from))), from);
        return copy;
      });
      const after: Pcm = { sampleRate: cur.sampleRate, channels };
      this.after = after;
      this.noise = differencePcm(this.before, after);
      this.previewRange = { start: res.startSec, end: res.startSec + res.durationSec };
      this.appliedDb = res.reductionDb;
      this.lastPreviewMs = res.ms;
      this.error = null;
      this.player.setSources({ before: this.before, after, noise: this.noise });
    } catch (err) {
      if (!this.disposed) this.error = apiErrorText(err);
    } finally {
      this.previewBusy = false;
    }
  }

  private async runFull(strength: Strength): Promise<void> {
    if (this.disposed) return;
    const seq = ++this.fullSeq;
    this.fullBusy = true;
    try {
      const res = await this.api.previewFull({ fileId: this.fileId, strength });
      if (this.disposed || seq !== this.fullSeq || strength !== this.target || res.kind !== 'audio') return;
      const before = this.before ?? decodeWavDataUrl(res.before);
      const after = decodeWavDataUrl(res.after);
      this.before = before;
      this.after = after;
      this.noise = differencePcm(before, after);
      this.previewRange = null;
      this.appliedDb = res.reductionDb;
      this.lastFullMs = res.ms;
      this.lastFullCached = res.cached;
      this.fullDone = true;
      this.error = null;
      this.player.setSources({ before, after, noise: this.noise });
    } catch (err) {
      if (!this.disposed && seq === this.fullSeq) this.error = apiErrorText(err);
    } finally {
      if (seq === this.fullSeq) this.fullBusy = false;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.pump.stop();
    this.fullLater.cancel();
    this.player.pause();
    this.player.setSources({});
  }
}
