// A/B audio player on the Web Audio API. All versions (before, after, removed noise) play in lockstep
// through their own gain node; switching only moves the gains, so the position never jumps.

export type Track = 'before' | 'after' | 'noise';

export interface Pcm {
  readonly sampleRate: number;
  /** One Float32Array per channel, all the same length. */
  readonly channels: readonly Float32Array[];
}

export interface LoopRegion {
  start: number;
  end: number;
}

/** Removed noise = before − after, sample by sample (lengths may differ by a frame; use the shorter). */
export function differencePcm(a: Pcm, b: Pcm): Pcm {
  const n = Math.min(a.channels[0]?.length ?? 0, b.channels[0]?.length ?? 0);
  const channels = a.channels.map((ch, c) => {
    const other = b.channels[Math.min(c, b.channels.length - 1)];
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = ch[i] - other[i];
    return out;
  });
  return { sampleRate: a.sampleRate, channels };
}

/** Average of channels, for display. */
export function mixdown(p: Pcm): Float32Array {
  if (p.channels.length === 1) return p.channels[0];
  const n = p.channels[0].length;
  const out = new Float32Array(n);
  for (const ch of p.channels) for (let i = 0; i < n; i++) out[i] += ch[i] / p.channels.length;
  return out;
}

export class AudioPlayer {
  playing = $state(false);
  position = $state(0);
  duration = $state(0);
  track: Track = $state('after');
  loop: LoopRegion | null = $state(null);

  private ctx: AudioContext | null = null;
  private buffers: Partial<Record<Track, AudioBuffer>> = {};
  // Reactive: the A/B/Noise buttons read has(); a plain field left them disabled for good.
  private pcm: Partial<Record<Track, Pcm>> = $state.raw({});
  private sources: AudioBufferSourceNode[] = [];
  private gains: Partial<Record<Track, GainNode>> = {};
  private startedAt = 0;
  private startOffset = 0;
  private raf = 0;

  /** Replace the audio (e.g. a new strength was applied); keeps position and playback state. */
  setSources(src: Partial<Record<Track, Pcm>>): void {
    const wasPlaying = this.playing;
    const at = this.currentTime();
    if (wasPlaying) this.stopSources();
    this.pcm = src;
    this.buffers = {};
    const first = src.before ?? src.after;
    this.duration = first ? first.channels[0].length / first.sampleRate : 0;
    if (this.ctx) this.makeBuffers();
    if (!src[this.track] && (src.after || src.before)) this.track = src.after ? 'after' : 'before';
    this.position = Math.min(at, this.duration);
    if (wasPlaying) this.startSources(this.position);
  }

  has(track: Track): boolean {
    return !!this.pcm[track];
  }

  private ensureContext(): AudioContext {
    if (!this.ctx) {
      this.ctx = new AudioContext({ latencyHint: 'interactive' });
      this.makeBuffers();
    }
    return this.ctx;
  }

  private makeBuffers(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    for (const [k, p] of Object.entries(this.pcm) as [Track, Pcm | undefined][]) {
      if (!p || this.buffers[k]) continue;
      const len = p.channels[0].length;
      if (len === 0) continue;
      const buf = ctx.createBuffer(p.channels.length, len, p.sampleRate);
      p.channels.forEach((ch, c) => buf.copyToChannel(ch as Float32Array<ArrayBuffer>, c));
      this.buffers[k] = buf;
    }
  }

  currentTime(): number {
    if (!this.playing || !this.ctx) return this.position;
    let t = this.startOffset + (this.ctx.currentTime - this.startedAt);
    const l = this.loop;
    if (l && l.end > l.start && t > l.end) t = l.start + ((t - l.start) % (l.end - l.start));
    return Math.min(t, this.duration);
  }

  private startSources(offset: number): void {
    const ctx = this.ensureContext();
    void ctx.resume();
    this.sources = [];
    this.gains = {};
    const when = ctx.currentTime + 0.02;
    for (const k of ['before', 'after', 'noise'] as Track[]) {
      const buf = this.buffers[k];
      if (!buf) continue;
      const src = ctx.createBufferSource();
      src.buffer = buf;
      const l = this.loop;
      if (l && l.end - l.start > 0.05) {
        src.loop = true;
        src.loopStart = l.start;
        src.loopEnd = l.end;
      }
      const g = ctx.createGain();
      g.gain.value = k === this.track ? 1 : 0;
      src.connect(g).connect(ctx.destination);
      src.start(when, Math.min(offset, buf.duration));
      if (k === this.track) src.onended = () => this.ended(src);
      this.sources.push(src);
      this.gains[k] = g;
    }
    this.startedAt = when;
    this.startOffset = offset;
    this.playing = true;
    this.tick();
  }

  private ended(src: AudioBufferSourceNode): void {
    if (!this.sources.includes(src)) return;
    this.stopSources();
    this.playing = false;
    this.position = this.loop ? this.loop.start : 0;
  }

  private stopSources(): void {
    for (const s of this.sources) {
      s.onended = null;
      try {
        s.stop();
      } catch {
        // already stopped
      }
      s.disconnect();
    }
    this.sources = [];
    this.gains = {};
    cancelAnimationFrame(this.raf);
  }

  private tick = (): void => {
    this.position = this.currentTime();
    if (this.playing) this.raf = requestAnimationFrame(this.tick);
  };

  play(): void {
    if (this.playing || this.duration === 0) return;
    let at = this.position;
    const l = this.loop;
    if (l && (at < l.start || at >= l.end)) at = l.start;
    if (at >= this.duration - 0.01) at = 0;
    this.startSources(at);
  }

  pause(): void {
    if (!this.playing) return;
    this.position = this.currentTime();
    this.stopSources();
    this.playing = false;
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  seek(t: number): void {
    t = Math.max(0, Math.min(this.duration, t));
    if (this.playing) {
      this.stopSources();
      this.startSources(t);
    }
    this.position = t;
  }

  /** Switch what is heard without moving the playhead (a short ramp avoids clicks). */
  select(track: Track): void {
    if (!this.pcm[track]) return;
    this.track = track;
    const ctx = this.ctx;
    if (!ctx || !this.playing) return;
    const now = ctx.currentTime;
    for (const [k, g] of Object.entries(this.gains) as [Track, GainNode][]) {
      g.gain.cancelScheduledValues(now);
      g.gain.setValueAtTime(g.gain.value, now);
      g.gain.linearRampToValueAtTime(k === track ? 1 : 0, now + 0.015);
    }
  }

  /** A/B: before ↔ after (from noise, go to after). */
  toggleAB(): void {
    this.select(this.track === 'after' ? 'before' : 'after');
  }

  setLoop(region: LoopRegion | null): void {
    const r = region && region.end - region.start > 0.05 ? region : null;
    this.loop = r;
    if (this.playing) {
      const at = r ? Math.min(Math.max(this.currentTime(), r.start), r.end) : this.currentTime();
      this.stopSources();
      this.startSources(at >= (r?.end ?? this.duration) ? (r?.start ?? 0) : at);
    }
  }

  dispose(): void {
    this.stopSources();
    this.playing = false;
    void this.ctx?.close();
    this.ctx = null;
  }
}
