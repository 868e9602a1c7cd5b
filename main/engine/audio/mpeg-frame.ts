// MPEG audio frame headers (MP1/MP2/MP3): enough parsing to recognise the format by content and to
// read the frame count of a Xing/Info or VBRI header for the duration. Decoding is mpg123's job.

const BITRATES_KBPS: Record<string, readonly number[]> = {
  // [version group][layer] -> table indexed by the 4-bit bitrate index (0 = free, 15 = bad)
  'v1l1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  'v1l2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  'v1l3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  'v2l1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  'v2l2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  'v2l3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, readonly number[]> = {
  3: [44100, 48000, 32000], // MPEG-1
  2: [22050, 24000, 16000], // MPEG-2
  0: [11025, 12000, 8000], // MPEG-2.5
};

export interface MpegFrameHeader {
  /** 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (the raw version bits). */
  readonly versionBits: number;
  readonly layer: 1 | 2 | 3;
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitrateKbps: number;
  /** Bytes in this frame including the header; 0 for free-format streams. */
  readonly frameBytes: number;
  readonly samplesPerFrame: number;
}

export function parseMpegFrameHeader(b: Uint8Array, o: number): MpegFrameHeader | null {
  if (o + 4 > b.length) return null;
  if (b[o] !== 0xff || (b[o + 1] & 0xe0) !== 0xe0) return null;
  const versionBits = (b[o + 1] >> 3) & 3;
  const layerBits = (b[o + 1] >> 1) & 3;
  const bitrateIndex = b[o + 2] >> 4;
  const rateIndex = (b[o + 2] >> 2) & 3;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const v = versionBits === 3 ? 'v1' : 'v2';
  const bitrateKbps = BITRATES_KBPS[`${v}l${layer}`][bitrateIndex];
  const sampleRate = SAMPLE_RATES[versionBits][rateIndex];
  const padding = (b[o + 2] >> 1) & 1;
  const channels = (b[o + 3] >> 6) === 3 ? 1 : 2;
  let samplesPerFrame: number;
  let frameBytes: number;
  if (layer === 1) {
    samplesPerFrame = 384;
    frameBytes = Math.floor((12 * bitrateKbps * 1000) / sampleRate + padding) * 4;
  } else if (layer === 2 || versionBits === 3) {
    samplesPerFrame = 1152;
    frameBytes = Math.floor((144 * bitrateKbps * 1000) / sampleRate) + padding;
  } else {
    samplesPerFrame = 576;
    frameBytes = Math.floor((72 * bitrateKbps * 1000) / sampleRate) + padding;
  }
  return { versionBits, layer, sampleRate, channels, bitrateKbps, frameBytes, samplesPerFrame };
}

/** Size of an ID3v2 tag at `o` (0 if none), so MP3/FLAC detection can look past it. */
export function id3v2Size(b: Uint8Array, o = 0): number {
  if (o + 10 > b.length || b[o] !== 0x49 || b[o + 1] !== 0x44 || b[o + 2] !== 0x33) return 0;
  const size = ((b[o + 6] & 0x7f) << 21) | ((b[o + 7] & 0x7f) << 14) | ((b[o + 8] & 0x7f) << 7) | (b[o + 9] & 0x7f);
  const footer = (b[o + 5] & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

/**
 * Finds the first MPEG frame at or after `start` that is followed by a second valid frame with the
 * same version/layer/rate (one sync word alone is too easy to hit in random data).
 */
export function findMpegStream(b: Uint8Array, start: number, maxScan = 64 * 1024): { offset: number; header: MpegFrameHeader } | null {
  const end = Math.min(b.length - 4, start + maxScan);
  for (let o = start; o <= end; o++) {
    if (b[o] !== 0xff) continue;
    const h = parseMpegFrameHeader(b, o);
    if (!h || h.frameBytes <= 4) continue;
    const next = parseMpegFrameHeader(b, o + h.frameBytes);
    if (next && next.versionBits === h.versionBits && next.layer === h.layer && next.sampleRate === h.sampleRate) {
      return { offset: o, header: h };
    }
    // A lone frame that fills the rest of the buffer is fine for tiny files.
    if (o + h.frameBytes === b.length) return { offset: o, header: h };
  }
  return null;
}

/**
 * Encoder delay and padding from a LAME/Xing "Info" tag (what gapless decoding removes), so the
 * exact decoded length is frames·samplesPerFrame − delay − padding.
 */
export function lameGapless(b: Uint8Array, frameOffset: number, h: MpegFrameHeader): { delay: number; padding: number } | null {
  const sideInfo = h.versionBits === 3 ? (h.channels === 1 ? 17 : 32) : h.channels === 1 ? 9 : 17;
  const x = frameOffset + 4 + sideInfo;
  const tag = String.fromCharCode(b[x] ?? 0, b[x + 1] ?? 0, b[x + 2] ?? 0, b[x + 3] ?? 0);
  if (tag !== 'Xing' && tag !== 'Info') return null;
  const flags = ((b[x + 4] << 24) | (b[x + 5] << 16) | (b[x + 6] << 8) | b[x + 7]) >>> 0;
  let o = x + 8 + (flags & 1 ? 4 : 0) + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
  const enc = String.fromCharCode(b[o] ?? 0, b[o + 1] ?? 0, b[o + 2] ?? 0, b[o + 3] ?? 0);
  if (enc !== 'LAME' && enc !== 'Lavf' && enc !== 'Lavc') return null;
  o += 21;
  if (o + 3 > b.length) return null;
  return { delay: (b[o] << 4) | (b[o + 1] >> 4), padding: ((b[o + 1] & 0x0f) << 8) | b[o + 2] };
}

/** Frame count from a Xing/Info or VBRI header inside the first frame, if present. */
export function vbrFrameCount(b: Uint8Array, frameOffset: number, h: MpegFrameHeader): number | null {
  const sideInfo = h.versionBits === 3 ? (h.channels === 1 ? 17 : 32) : h.channels === 1 ? 9 : 17;
  const x = frameOffset + 4 + sideInfo;
  const tag = String.fromCharCode(b[x] ?? 0, b[x + 1] ?? 0, b[x + 2] ?? 0, b[x + 3] ?? 0);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if ((tag === 'Xing' || tag === 'Info') && x + 12 <= b.length) {
    const flags = dv.getUint32(x + 4);
    if (flags & 1) return dv.getUint32(x + 8);
    return null;
  }
  const v = frameOffset + 36;
  if (v + 18 <= b.length && String.fromCharCode(b[v], b[v + 1], b[v + 2], b[v + 3]) === 'VBRI') {
    return dv.getUint32(v + 14);
  }
  return null;
}
