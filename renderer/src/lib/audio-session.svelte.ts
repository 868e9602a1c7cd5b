// The selected recording: the engine's overview of the original right away, a fast excerpt around the
// playhead while the slider moves (spliced into what is playing), then the whole denoised recording.
import { MAX_PREVIEW_SECONDS, type AudioOverview, type FullPreview, type HushApi, type Strength } from '../../../main/ipc/contract.ts';
import { AudioPlayer, differencePcm, type Pcm } from './audio-player.svelte.ts';
import { DenoiseSession, type Commit } from './denoise-session.svelte.ts';
import { decodeWavDataUrl } from './media.ts';

/** Length of the fast excerpt rendered while the slider moves. */
export const AUDIO_PREVIEW_SECONDS = Math.min(8, MAX_PREVIEW_SECONDS);

type ExcerptRequest = { readonly strength: Strength; readonly start: number };

export class AudioSession extends DenoiseSession<ExcerptRequest> {
  before = $state.raw<Pcm | null>(null);
  after = $state.raw<Pcm | null>(null);
  noise = $state.raw<Pcm | null>(null);
  /** Range of `after` that is an excerpt preview (not yet the full result), in seconds. */
  previewRange = $state<{ start: number; end: number } | null>(null);
  appliedDb = $state<number | null>(null);

  constructor(
    api: HushApi,
    fileId: string,
    readonly overview: AudioOverview,
    private readonly player: AudioPlayer,
  ) {
    super(api, fileId);
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
    this.retarget(strength, opts.full, () => this.pump.push({ strength, start: this.excerptStart() }));
  }

  startFull(strength: Strength): void {
    this.target = strength;
    this.fullLater.cancel();
    void this.runFull(strength);
  }

  /** Without the original in memory there is nothing to splice into; the full result follows. */
  protected override canPreview(): boolean {
    return this.before !== null;
  }

  protected async fetchPreview({ strength, start }: ExcerptRequest, current: () => boolean): Promise<Commit> {
    const loop = this.player.loop;
    const dur = Math.min(AUDIO_PREVIEW_SECONDS, loop ? Math.max(0.5, loop.end - loop.start) : AUDIO_PREVIEW_SECONDS, MAX_PREVIEW_SECONDS);
    const res = await this.api.previewAudio({ fileId: this.fileId, startSec: start, durationSec: dur, reductionDb: strength });
    if (!current() || this.fullDone) return null;
    const excerpt = decodeWavDataUrl(res.after);
    return () => {
      const before = this.before;
      const cur = this.after ?? before;
      if (!before || !cur) return;
      const from = Math.round(res.startSec * cur.sampleRate);
      const channels = cur.channels.map((ch, c) => {
        const copy = new Float32Array(ch);
        const src = excerpt.channels[Math.min(c, excerpt.channels.length - 1)];
        copy.set(src.subarray(0, Math.max(0, Math.min(src.length, copy.length - from))), from);
        return copy;
      });
      const after: Pcm = { sampleRate: cur.sampleRate, channels };
      this.after = after;
      this.noise = differencePcm(before, after);
      this.previewRange = { start: res.startSec, end: res.startSec + res.durationSec };
      this.appliedDb = res.reductionDb;
      this.lastPreviewMs = res.ms;
      this.player.setSources({ before, after, noise: this.noise });
    };
  }

  protected async fetchFull(res: FullPreview): Promise<Commit> {
    if (res.kind !== 'audio') return null;
    const before = this.before ?? decodeWavDataUrl(res.before);
    const after = decodeWavDataUrl(res.after);
    return () => {
      this.before = before;
      this.after = after;
      this.noise = differencePcm(before, after);
      this.previewRange = null;
      this.appliedDb = res.reductionDb;
      this.player.setSources({ before, after, noise: this.noise });
    };
  }

  override dispose(): void {
    super.dispose();
    this.player.pause();
    this.player.setSources({});
  }
}
