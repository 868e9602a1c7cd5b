// Fast sample conversion between interleaved WAV bytes and planar Float32Array channels.
// wavefile does this one sample at a time through generic packers (minutes for an hour of audio);
// these loops run over typed-array views and take milliseconds per second of audio.
import { endianness } from 'node:os';
import type { WavSampleEncoding } from './audio-types.ts';

if (endianness() !== 'LE') throw new Error('Hush audio I/O assumes a little-endian CPU');

export type WavEncoding = 'pcm' | 'float' | 'alaw' | 'mulaw';

/** Layout of interleaved samples in a WAV data chunk. */
export interface SampleLayout {
  readonly encoding: WavEncoding;
  /** Bytes per sample in the container: 1, 2, 3, 4 or 8. */
  readonly bytesPerSample: number;
  readonly channels: number;
}

// G.711 decoding tables (ITU-T G.711), built once: 8-bit code -> linear value in [-1, 1).
const ALAW = new Float32Array(256);
const MULAW = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const a = i ^ 0x55;
  const exp = (a & 0x70) >> 4;
  let mant = a & 0x0f;
  let t = exp === 0 ? (mant << 4) + 8 : ((mant << 4) + 0x108) << (exp - 1);
  ALAW[i] = ((a & 0x80) !== 0 ? t : -t) / 32768;
  const u = ~i & 0xff;
  mant = u & 0x0f;
  const e = (u >> 4) & 0x07;
  t = (((mant << 3) + 0x84) << e) - 0x84;
  MULAW[i] = ((u & 0x80) !== 0 ? -t : t) / 32768;
}

/**
 * Converts `frames` interleaved frames from `src` (starting at byte 0) into planar channels,
 * writing at `outOffset` of each output array.
 */
export function decodeInterleaved(src: Uint8Array, layout: SampleLayout, frames: number, out: readonly Float32Array[], outOffset = 0): void {
  const nch = layout.channels;
  const bps = layout.bytesPerSample;
  const n = frames * nch;
  if (src.byteLength < n * bps) throw new RangeError('not enough bytes for the requested frames');
  // Typed views need aligned offsets; copy once if the caller's slice is misaligned.
  const aligned = src.byteOffset % 8 === 0 ? src : new Uint8Array(src);
  const buf = aligned.buffer;
  const off = aligned.byteOffset;
  if (layout.encoding === 'pcm') {
    if (bps === 1) {
      for (let c = 0; c < nch; c++) {
        const o = out[c];
        for (let f = 0, i = c; f < frames; f++, i += nch) o[outOffset + f] = (aligned[i] - 128) / 128;
      }
    } else if (bps === 2) {
      const v = new Int16Array(buf, off, n);
      for (let c = 0; c < nch; c++) {
        const o = out[c];
        for (let f = 0, i = c; f < frames; f++, i += nch) o[outOffset + f] = v[i] / 32768;
      }
    } else if (bps === 3) {
      for (let c = 0; c < nch; c++) {
        const o = out[c];
        for (let f = 0, i = c * 3; f < frames; f++, i += nch * 3) {
          // Assemble the 24-bit value in the top of an int32 so the sign comes for free.
          const s = ((aligned[i] << 8) | (aligned[i + 1] << 16) | (aligned[i + 2] << 24)) >> 8;
          o[outOffset + f] = s / 8388608;
        }
      }
    } else if (bps === 4) {
      const v = new Int32Array(buf, off, n);
      for (let c = 0; c < nch; c++) {
        const o = out[c];
        for (let f = 0, i = c; f < frames; f++, i += nch) o[outOffset + f] = v[i] / 2147483648;
      }
    } else {
      throw new RangeError(`PCM with ${bps} bytes per sample is not supported`);
    }
  } else if (layout.encoding === 'float') {
    const v = bps === 4 ? new Float32Array(buf, off, n) : bps === 8 ? new Float64Array(buf, off, n) : null;
    if (!v) throw new RangeError(`float with ${bps} bytes per sample is not supported`);
    for (let c = 0; c < nch; c++) {
      const o = out[c];
      for (let f = 0, i = c; f < frames; f++, i += nch) o[outOffset + f] = v[i];
    }
  } else {
    const table = layout.encoding === 'alaw' ? ALAW : MULAW;
    for (let c = 0; c < nch; c++) {
      const o = out[c];
      for (let f = 0, i = c; f < frames; f++, i += nch) o[outOffset + f] = table[aligned[i]];
    }
  }
}

/** Deterministic TPDF dither source (xorshift32), so repeated runs give identical files. */
export class TpdfDither {
  private s: number;
  constructor(seed = 0x9e3779b9) {
    this.s = seed >>> 0 || 1;
  }
  private next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 4294967296;
  }
  /** Triangular noise in (-1, 1) LSB. */
  sample(): number {
    return this.next() - this.next();
  }
}

export function bytesPerSampleOf(encoding: WavSampleEncoding): number {
  return encoding === 'pcm16' ? 2 : encoding === 'pcm24' ? 3 : 4;
}

/**
 * Interleaves planar channels into WAV bytes. PCM clips to the representable range; `dither`
 * (16-bit only) adds TPDF dither before rounding.
 */
export function encodeInterleaved(channels: readonly Float32Array[], frames: number, encoding: WavSampleEncoding, dither?: TpdfDither): Uint8Array {
  const nch = channels.length;
  const n = frames * nch;
  const bytes = new Uint8Array(n * bytesPerSampleOf(encoding));
  if (encoding === 'float32') {
    const v = new Float32Array(bytes.buffer);
    for (let c = 0; c < nch; c++) {
      const s = channels[c];
      for (let f = 0, i = c; f < frames; f++, i += nch) v[i] = s[f];
    }
  } else if (encoding === 'pcm16') {
    const v = new Int16Array(bytes.buffer);
    // Dither draws per interleaved sample so the noise is independent across channels.
    for (let f = 0, i = 0; f < frames; f++) {
      for (let c = 0; c < nch; c++, i++) {
        let x = channels[c][f] * 32768;
        if (dither && x !== 0) x += dither.sample(); // digital silence stays silent
        x = Math.round(x);
        v[i] = x > 32767 ? 32767 : x < -32768 ? -32768 : x;
      }
    }
  } else {
    for (let c = 0; c < nch; c++) {
      const s = channels[c];
      for (let f = 0, i = c * 3; f < frames; f++, i += nch * 3) {
        let x = Math.round(s[f] * 8388608);
        x = x > 8388607 ? 8388607 : x < -8388608 ? -8388608 : x;
        bytes[i] = x & 0xff;
        bytes[i + 1] = (x >> 8) & 0xff;
        bytes[i + 2] = (x >> 16) & 0xff;
      }
    }
  }
  return bytes;
}

/** Rounds float samples to integers at `bits` depth (16 or 24) — shared by the FLAC encoder. */
export function quantize(src: Float32Array, frames: number, bits: 16 | 24, out: Int32Array, dither?: TpdfDither): void {
  const scale = bits === 16 ? 32768 : 8388608;
  const max = scale - 1;
  const min = -scale;
  for (let f = 0; f < frames; f++) {
    let x = src[f] * scale;
    if (dither && x !== 0) x += dither.sample(); // digital silence stays silent
    x = Math.round(x);
    out[f] = x > max ? max : x < min ? min : x;
  }
}
