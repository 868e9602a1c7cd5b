// Turning engine bytes into what the UI shows: data URLs, and the waveform + spectrogram of a
// 16-bit/float WAV (previews come back as WAV bytes). Spectrograms take one short FFT block per
// column, so a 10-minute recording costs ~1000 small FFTs, not a full STFT.
import sharp from 'sharp';
import { rfft } from '../engine/audio/stft.ts';
import type { Spectrogram, Waveform } from './contract.ts';

export function toDataUrl(bytes: Uint8Array, mime: string): string {
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

export interface Pcm {
  readonly sampleRate: number;
  readonly channels: number;
  /** Mono mix-down in [-1, 1]. */
  readonly mono: Float32Array;
  readonly durationSec: number;
}

/** Decode a PCM (8/16/24/32-bit int) or float WAV into a mono mix-down. Throws on anything else. */
export function decodeWavMono(bytes: Uint8Array): Pcm {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number): string => String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file');
  let format = 0, channels = 0, sampleRate = 0, bits = 0, dataOffset = -1, dataSize = 0;
  for (let o = 12; o + 8 <= bytes.byteLength; ) {
    const id = tag(o);
    const size = view.getUint32(o + 4, true);
    if (id === 'fmt ') {
      format = view.getUint16(o + 8, true);
      channels = view.getUint16(o + 10, true);
      sampleRate = view.getUint32(o + 12, true);
      bits = view.getUint16(o + 22, true);
      if (format === 0xfffe && size >= 40) format = view.getUint16(o + 32, true); // WAVE_FORMAT_EXTENSIBLE sub-format
    } else if (id === 'data') {
      dataOffset = o + 8;
      dataSize = Math.min(size, bytes.byteLength - dataOffset);
      break;
    }
    o += 8 + size + (size & 1);
  }
  if (dataOffset < 0 || channels < 1 || sampleRate < 1) throw new Error('WAV without fmt or data chunk');
  const bytesPer = bits / 8;
  if (!((format === 1 && [1, 2, 3, 4].includes(bytesPer)) || (format === 3 && (bytesPer === 4 || bytesPer === 8)))) {
    throw new Error(`unsupported WAV encoding (format ${format}, ${bits} bits)`);
  }
  const frames = Math.floor(dataSize / (bytesPer * channels));
  const mono = new Float32Array(frames);
  const read = (o: number): number => {
    if (format === 3) return bytesPer === 4 ? view.getFloat32(o, true) : view.getFloat64(o, true);
    switch (bytesPer) {
      case 1: return (view.getUint8(o) - 128) / 128;
      case 2: return view.getInt16(o, true) / 32768;
      case 3: return ((view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16)) / 8388608);
      default: return view.getInt32(o, true) / 2147483648;
    }
  };
  const frameBytes = bytesPer * channels;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const base = dataOffset + f * frameBytes;
    for (let c = 0; c < channels; c++) sum += read(base + c * bytesPer);
    const v = sum / channels;
    mono[f] = Number.isFinite(v) ? v : 0;
  }
  return { sampleRate, channels, mono, durationSec: frames / sampleRate };
}

/** Per-column min/max of a signal. */
export function waveformOf(mono: Float32Array, columns: number): Waveform {
  const min = new Array<number>(columns).fill(0);
  const max = new Array<number>(columns).fill(0);
  const n = mono.length;
  for (let c = 0; c < columns && n > 0; c++) {
    const a = Math.floor((c * n) / columns);
    const b = Math.max(a + 1, Math.floor(((c + 1) * n) / columns));
    let lo = Infinity, hi = -Infinity;
    for (let i = a; i < b && i < n; i++) {
      const v = mono[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min[c] = Math.max(-1, lo === Infinity ? 0 : lo);
    max[c] = Math.min(1, hi === -Infinity ? 0 : hi);
  }
  return { min, max, columns };
}

// Perceptual colour ramp (dark violet → magenta → orange → pale yellow), like "magma"/"inferno".
const RAMP: readonly [number, number, number][] = [
  [0, 0, 4], [28, 16, 68], [79, 18, 123], [129, 37, 129], [181, 54, 122], [229, 80, 100], [251, 135, 97], [254, 194, 135], [252, 253, 191],
];
function colour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i], b = RAMP[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

export const SPECTROGRAM_MIN_DB = -100;
export const SPECTROGRAM_MAX_DB = -10;

/**
 * Spectrogram PNG: `columns` × `height`, linear frequency 0…Nyquist (low at the bottom), colour =
 * power in dBFS (a full-scale sine ≈ 0 dB) between SPECTROGRAM_MIN_DB and SPECTROGRAM_MAX_DB.
 * Each column averages up to 4 Hann-windowed 2048-point blocks spread over its time span.
 */
export async function renderSpectrogram(mono: Float32Array, sampleRate: number, columns: number, height: number): Promise<Spectrogram> {
  const n = 2048;
  const bins = n / 2 + 1;
  const hann = new Float32Array(n);
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    wsum += hann[i];
  }
  const norm = 2 / wsum; // amplitude of a full-scale sine → 1
  const block = new Float32Array(n);
  const re = new Float32Array(bins);
  const im = new Float32Array(bins);
  const power = new Float32Array(bins);
  const rgb = Buffer.alloc(columns * height * 3);
  const len = mono.length;
  for (let c = 0; c < columns; c++) {
    power.fill(0);
    const a = (c * len) / columns;
    const span = len / columns;
    const blocks = Math.max(1, Math.min(4, Math.floor(span / n)));
    for (let k = 0; k < blocks; k++) {
      const centre = Math.floor(a + ((k + 0.5) * span) / blocks);
      const start = centre - n / 2;
      for (let i = 0; i < n; i++) {
        const j = start + i;
        block[i] = j >= 0 && j < len ? mono[j] * hann[i] : 0;
      }
      rfft(block, re, im, n);
      for (let b = 0; b < bins; b++) power[b] += (re[b] * re[b] + im[b] * im[b]) * norm * norm;
    }
    for (let y = 0; y < height; y++) {
      // Row y (0 = top) covers a band of bins; take the band's strongest bin so thin harmonics show.
      const b0 = Math.floor(((height - 1 - y) * (bins - 1)) / height);
      const b1 = Math.max(b0 + 1, Math.floor(((height - y) * (bins - 1)) / height));
      let p = 0;
      for (let b = b0; b < b1; b++) if (power[b] > p) p = power[b];
      const db = 10 * Math.log10(p / blocks + 1e-20);
      const [r, g, bl] = colour((db - SPECTROGRAM_MIN_DB) / (SPECTROGRAM_MAX_DB - SPECTROGRAM_MIN_DB));
      const o = (y * columns + c) * 3;
      rgb[o] = r;
      rgb[o + 1] = g;
      rgb[o + 2] = bl;
    }
  }
  const png = await sharp(rgb, { raw: { width: columns, height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
  return {
    dataUrl: toDataUrl(png, 'image/png'),
    width: columns,
    height,
    maxFrequencyHz: sampleRate / 2,
    minDb: SPECTROGRAM_MIN_DB,
    maxDb: SPECTROGRAM_MAX_DB,
  };
}
