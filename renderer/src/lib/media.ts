// Decoding the engine's data: URLs in the renderer: images via <img> (the CSP allows data: images),
// WAV by parsing the RIFF container ourselves (no resampling, unlike decodeAudioData).
import type { Pcm } from './audio-player.svelte.ts';

export async function loadImage(dataUrl: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.decoding = 'async';
  img.src = dataUrl;
  await img.decode();
  return img;
}

/** Base64 payload of a data: URL as bytes. */
export function dataUrlBytes(dataUrl: string): Uint8Array {
  const comma = dataUrl.indexOf(',');
  const bin = atob(dataUrl.slice(comma + 1));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Parse a PCM (8/16/24/32-bit int) or IEEE float WAV into per-channel float samples. */
export function parseWav(bytes: Uint8Array): Pcm {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number): string => String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file');
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  let dataOff = -1;
  let dataLen = 0;
  for (let o = 12; o + 8 <= bytes.length; ) {
    const id = tag(o);
    const len = v.getUint32(o + 4, true);
    if (id === 'fmt ') {
      let format = v.getUint16(o + 8, true);
      if (format === 0xfffe && len >= 26) format = v.getUint16(o + 8 + 24, true);
      fmt = { format, channels: v.getUint16(o + 10, true), rate: v.getUint32(o + 12, true), bits: v.getUint16(o + 22, true) };
    } else if (id === 'data') {
      dataOff = o + 8;
      dataLen = Math.min(len, bytes.length - dataOff);
      break;
    }
    o += 8 + len + (len & 1);
  }
  if (!fmt || dataOff < 0) throw new Error('WAV without fmt or data chunk');
  const { format, channels: nch, rate, bits } = fmt;
  const bps = bits / 8;
  const frames = Math.floor(dataLen / (bps * nch));
  const channels = Array.from({ length: nch }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const o = dataOff + (i * nch + c) * bps;
      let s: number;
      if (format === 3) s = bits === 64 ? v.getFloat64(o, true) : v.getFloat32(o, true);
      else if (bits === 16) s = v.getInt16(o, true) / 32768;
      else if (bits === 24) s = (((bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16)) << 8) >> 8) / 8388608;
      else if (bits === 32) s = v.getInt32(o, true) / 2147483648;
      else if (bits === 8) s = (bytes[o] - 128) / 128;
      else throw new Error(`unsupported WAV sample size ${bits}`);
      channels[c][i] = s;
    }
  }
  return { sampleRate: rate, channels };
}

export function decodeWavDataUrl(dataUrl: string): Pcm {
  return parseWav(dataUrlBytes(dataUrl));
}

/** A canvas of the given size (the compositing surface for full-size before/after images). */
export function makeCanvas(width: number, height: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  return c;
}

/**
 * Removed noise = before − after, shown around mid-grey and magnified so faint noise is visible.
 * Works on the region given (whole image by default).
 */
export function paintDifference(
  before: HTMLCanvasElement,
  after: HTMLCanvasElement,
  into: HTMLCanvasElement,
  gain: number,
): void {
  const w = before.width;
  const h = before.height;
  if (into.width !== w) into.width = w;
  if (into.height !== h) into.height = h;
  const a = before.getContext('2d', { willReadFrequently: true })?.getImageData(0, 0, w, h);
  const b = after.getContext('2d', { willReadFrequently: true })?.getImageData(0, 0, w, h);
  const ctx = into.getContext('2d');
  if (!a || !b || !ctx) return;
  const out = ctx.createImageData(w, h);
  const A = a.data;
  const B = b.data;
  const O = out.data;
  for (let i = 0; i < O.length; i += 4) {
    O[i] = 128 + (A[i] - B[i]) * gain;
    O[i + 1] = 128 + (A[i + 1] - B[i + 1]) * gain;
    O[i + 2] = 128 + (A[i + 2] - B[i + 2]) * gain;
    // Not denoised yet (transparent in "after"): nothing to show.
    O[i + 3] = B[i + 3] === 0 ? 0 : 255;
  }
  ctx.putImageData(out, 0, 0);
}
