// What the app draws for a recording: waveform min/max peaks per pixel column and a mel-frequency
// spectrogram image (PNG, magma colour map). One streaming pass; memory does not grow with length.
import sharp from 'sharp';
import { openAudioReader } from './audio-reader.ts';
import { rfft } from './stft.ts';
import { checkAborted } from './stream-denoise.ts';

export interface OverviewOptions {
  /** Columns (pixels) across the whole duration. */
  readonly width: number;
  /**
   * 'exact' reads every sample; 'fast' (WAV only) reads a stretch per column, so peaks can miss
   * short transients; 'auto' (default) is exact up to 10 minutes, fast beyond.
   */
  readonly mode?: 'exact' | 'fast' | 'auto';
  /** Spectrogram rows (mel bands), default 128. */
  readonly height?: number;
  /** Dynamic range shown, dB below the loudest cell (default 80). */
  readonly rangeDb?: number;
  readonly signal?: AbortSignal;
}

export interface ChannelPeaks {
  readonly min: Float32Array;
  readonly max: Float32Array;
}

export interface AudioOverview {
  readonly width: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly durationSec: number;
  /** False when only part of each column was read ('fast' mode). */
  readonly exact: boolean;
  /** Per channel, `width` columns of min/max sample values. */
  readonly peaks: ChannelPeaks[];
  readonly spectrogram: {
    readonly png: Buffer;
    readonly width: number;
    readonly height: number;
    /** Frequency range of the mel axis: bottom row = minHz, top row = maxHz. */
    readonly minHz: number;
    readonly maxHz: number;
    readonly scale: 'mel';
    /** Level of the brightest cell, dB re full scale (per FFT bin power). */
    readonly maxDb: number;
  };
}

// Polynomial fit of matplotlib's magma colour map (dark purple → orange → pale yellow).
const MAGMA = [
  [-0.002136485053939582, -0.000749655052795221, -0.005386127855323933],
  [0.2516605407371642, 0.6775232436837668, 2.494026599312351],
  [8.353717279216625, -3.577719514958484, 0.3144679030132573],
  [-27.66873308576866, 14.26473078096533, -13.64921318813922],
  [52.17613981234068, -27.94360607168351, 12.94416944238394],
  [-50.76852536473588, 29.04658282127291, 4.23415299384598],
  [18.65570506591883, -11.48977351997711, -5.601961508734096],
];

export function magma(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  const rgb: [number, number, number] = [0, 0, 0];
  for (let ch = 0; ch < 3; ch++) {
    let v = 0;
    for (let k = MAGMA.length - 1; k >= 0; k--) v = v * x + MAGMA[k][ch];
    rgb[ch] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return rgb;
}

const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/** Triangular mel filters: for each band, the bins and weights it sums. */
function melFilters(nBands: number, fftSize: number, sampleRate: number, minHz: number, maxHz: number): { bin0: number; weights: Float32Array }[] {
  const mLo = hzToMel(minHz);
  const mHi = hzToMel(maxHz);
  const edges = Array.from({ length: nBands + 2 }, (_, i) => melToHz(mLo + ((mHi - mLo) * i) / (nBands + 1)));
  const binHz = sampleRate / fftSize;
  const filters: { bin0: number; weights: Float32Array }[] = [];
  for (let b = 0; b < nBands; b++) {
    const [lo, mid, hi] = [edges[b], edges[b + 1], edges[b + 2]];
    let bin0 = Math.max(0, Math.floor(lo / binHz));
    const bin1 = Math.min(fftSize / 2, Math.ceil(hi / binHz));
    const w: number[] = [];
    for (let k = bin0; k <= bin1; k++) {
      const f = k * binHz;
      w.push(f <= mid ? (f - lo) / Math.max(1e-9, mid - lo) : (hi - f) / Math.max(1e-9, hi - mid));
    }
    let weights = Float32Array.from(w, (v) => Math.max(0, v));
    // Narrow low bands can fall between bins: use the nearest bin so no row is empty.
    if (!weights.some((v) => v > 0)) {
      bin0 = Math.min(fftSize / 2, Math.round(mid / binHz));
      weights = Float32Array.of(1);
    }
    const sum = weights.reduce((s, v) => s + v, 0);
    filters.push({ bin0, weights: weights.map((v) => v / sum) });
  }
  return filters;
}

/** Accumulates peaks and spectrogram columns from consecutive blocks of a known-length signal. */
class OverviewBuilder {
  readonly peaks: ChannelPeaks[];
  private readonly fftSize: number;
  private readonly window: Float32Array;
  private readonly colPower: Float64Array; // [width][nBins]
  private readonly colCount: Uint32Array;
  private readonly frame: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly mono: Float32Array; // rolling mono buffer for FFT frames
  private monoLen = 0;
  private monoStart = 0; // absolute index of mono[0]
  private pos = 0;
  private readonly framesPerCol: number;
  private readonly step: number;
  private nextFrameAt = 0;

  constructor(readonly width: number, readonly sampleRate: number, readonly channels: number, readonly totalFrames: number) {
    this.peaks = Array.from({ length: channels }, () => ({ min: new Float32Array(width).fill(Infinity), max: new Float32Array(width).fill(-Infinity) }));
    // ~46 ms analysis frames (2048 at 44.1 kHz), at most 8 per column.
    let n = 256;
    while (n < sampleRate * 0.046) n *= 2;
    this.fftSize = n;
    this.window = Float32Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    const nBins = n / 2 + 1;
    this.colPower = new Float64Array(width * nBins);
    this.colCount = new Uint32Array(width);
    this.frame = new Float64Array(n);
    this.re = new Float64Array(nBins);
    this.im = new Float64Array(nBins);
    this.mono = new Float32Array(n * 2);
    const samplesPerCol = Math.max(1, totalFrames / width);
    // Up to 8 frames per column at ≥ 50 % hop; narrow columns get one (overlapping) frame each.
    this.framesPerCol = Math.max(1, Math.min(8, Math.floor(samplesPerCol / (n / 2))));
    this.step = Math.max(1, samplesPerCol / this.framesPerCol);
  }

  private column(abs: number): number {
    return Math.min(this.width - 1, Math.floor((abs * this.width) / Math.max(1, this.totalFrames)));
  }

  /** Adds consecutive samples, or (with `at`) samples starting at frame `at` after a gap. */
  add(block: readonly Float32Array[], at = this.pos): void {
    const n = block[0]?.length ?? 0;
    if (at !== this.pos) {
      // A jump (sampled overview): restart the FFT buffer at the new position.
      this.pos = at;
      this.monoLen = 0;
      this.monoStart = at;
      if (this.nextFrameAt < at) this.nextFrameAt = at;
    }
    for (let c = 0; c < this.channels; c++) {
      const { min, max } = this.peaks[c];
      const x = block[c];
      let col = this.column(this.pos);
      let colEnd = Math.ceil(((col + 1) * this.totalFrames) / this.width);
      for (let i = 0; i < n; i++) {
        const abs = this.pos + i;
        if (abs >= colEnd && col < this.width - 1) {
          col = this.column(abs);
          colEnd = Math.ceil(((col + 1) * this.totalFrames) / this.width);
        }
        let v = x[i];
        if (!Number.isFinite(v)) v = 0;
        if (v < min[col]) min[col] = v;
        if (v > max[col]) max[col] = v;
      }
    }
    // Mono mix for the spectrogram; FFT frames start at regular steps.
    const fft = this.fftSize;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < this.channels; c++) s += block[c][i];
      s /= this.channels;
      if (this.monoLen === this.mono.length) {
        this.mono.copyWithin(0, fft, this.monoLen);
        this.monoLen -= fft;
        this.monoStart += fft;
      }
      this.mono[this.monoLen++] = Number.isFinite(s) ? s : 0;
      const abs = this.pos + i;
      if (abs + 1 >= this.nextFrameAt + fft) {
        this.analyse(this.nextFrameAt);
        this.nextFrameAt = Math.round(this.nextFrameAt + this.step);
      }
    }
    this.pos += n;
  }

  private analyse(start: number): void {
    const fft = this.fftSize;
    const off = start - this.monoStart;
    if (off < 0) return;
    for (let i = 0; i < fft; i++) this.frame[i] = this.mono[off + i] * this.window[i];
    rfft(this.frame, this.re, this.im, fft);
    const nBins = fft / 2 + 1;
    const col = this.column(start + fft / 2);
    const base = col * nBins;
    const norm = 4 / (fft * fft * 0.25); // full-scale sine → ~0 dB
    for (let k = 0; k < nBins; k++) this.colPower[base + k] += (this.re[k] * this.re[k] + this.im[k] * this.im[k]) * norm;
    this.colCount[col]++;
  }

  async finish(height: number, rangeDb: number): Promise<AudioOverview['spectrogram']> {
    // Columns no sample reached (signal shorter than the width) show silence.
    for (const { min, max } of this.peaks) {
      for (let x = 0; x < this.width; x++) {
        if (min[x] > max[x]) min[x] = max[x] = 0;
      }
    }
    const fft = this.fftSize;
    const nBins = fft / 2 + 1;
    const minHz = Math.min(20, this.sampleRate / 4);
    const maxHz = this.sampleRate / 2;
    const filters = melFilters(height, fft, this.sampleRate, minHz, maxHz);
    // Columns no frame landed in (edges, or a signal shorter than a frame) borrow the nearest one.
    const source = new Int32Array(this.width).fill(-1);
    for (let x = 0; x < this.width; x++) if (this.colCount[x] > 0) source[x] = x;
    for (let x = 1; x < this.width; x++) if (source[x] < 0) source[x] = source[x - 1];
    for (let x = this.width - 2; x >= 0; x--) if (source[x] < 0) source[x] = source[x + 1];
    const db = new Float32Array(this.width * height);
    let top = -Infinity;
    for (let x = 0; x < this.width; x++) {
      const sx = source[x];
      const cnt = sx >= 0 ? this.colCount[sx] : 0;
      for (let b = 0; b < height; b++) {
        const { bin0, weights } = filters[b];
        let p = 0;
        if (cnt > 0) for (let j = 0; j < weights.length; j++) p += weights[j] * this.colPower[sx * nBins + bin0 + j];
        const v = cnt > 0 ? 10 * Math.log10(p / cnt + 1e-20) : -Infinity;
        db[x * height + b] = v;
        if (v > top) top = v;
      }
    }
    if (!Number.isFinite(top)) top = -rangeDb;
    const rgb = Buffer.alloc(this.width * height * 3);
    for (let x = 0; x < this.width; x++) {
      for (let b = 0; b < height; b++) {
        const [r, g, bl] = magma((db[x * height + b] - (top - rangeDb)) / rangeDb);
        const y = height - 1 - b; // low frequencies at the bottom
        const o = (y * this.width + x) * 3;
        rgb[o] = r;
        rgb[o + 1] = g;
        rgb[o + 2] = bl;
      }
    }
    const png = await sharp(rgb, { raw: { width: this.width, height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
    return { png, width: this.width, height, minHz, maxHz, scale: 'mel', maxDb: top };
  }
}

/** 'auto' reads everything up to this length, and samples columns beyond it (WAV only). */
const FAST_ABOVE_SECONDS = 600;
/** Seconds read per column in 'fast' mode. */
const FAST_WINDOW_SECONDS = 0.5;

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > 16384) throw new RangeError(`overview width must be an integer in [1, 16384], got ${width}`);
}

/** Waveform peaks and spectrogram of a file, in one streaming pass. */
export async function audioOverview(path: string, opts: OverviewOptions): Promise<AudioOverview> {
  checkWidth(opts.width);
  const reader = await openAudioReader(path);
  try {
    const { sampleRate, channels } = reader.info;
    // For an MP3 without a frame count the length is an estimate; overflow lands in the last column.
    const frames = Math.max(1, reader.info.frames);
    const builder = new OverviewBuilder(opts.width, sampleRate, channels, frames);
    const mode = opts.mode ?? 'auto';
    const perColumn = frames / opts.width;
    const window = Math.max(FAST_WINDOW_SECONDS * sampleRate, 4096);
    const fast = reader.seek !== undefined && perColumn > 2 * window && (mode === 'fast' || (mode === 'auto' && reader.info.durationSec > FAST_ABOVE_SECONDS));
    let total = 0;
    if (fast && reader.seek) {
      for (let x = 0; x < opts.width; x++) {
        checkAborted(opts.signal);
        const at = Math.floor(x * perColumn + (perColumn - window) / 2);
        reader.seek(at);
        const block = await reader.read(window);
        if (block[0].length > 0) builder.add(block, at);
      }
      total = reader.info.frames;
    } else {
      for (;;) {
        checkAborted(opts.signal);
        const block = await reader.read(1 << 16);
        if (block[0].length === 0) break;
        builder.add(block);
        total += block[0].length;
      }
    }
    const spectrogram = await builder.finish(opts.height ?? 128, opts.rangeDb ?? 80);
    return { width: opts.width, sampleRate, channels, durationSec: total / sampleRate, exact: !fast, peaks: builder.peaks, spectrogram };
  } finally {
    await reader.close();
  }
}

/** The same overview for samples already in memory (e.g. a preview's before/after). */
export async function overviewOfSamples(channels: readonly Float32Array[], sampleRate: number, opts: Omit<OverviewOptions, 'signal'>): Promise<AudioOverview> {
  checkWidth(opts.width);
  const n = channels[0]?.length ?? 0;
  const builder = new OverviewBuilder(opts.width, sampleRate, channels.length, Math.max(1, n));
  builder.add(channels);
  const spectrogram = await builder.finish(opts.height ?? 128, opts.rangeDb ?? 80);
  return { width: opts.width, sampleRate, channels: channels.length, durationSec: n / sampleRate, exact: true, peaks: builder.peaks, spectrogram };
}
