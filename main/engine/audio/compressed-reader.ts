// FLAC, Ogg (Vorbis or FLAC) and MP3 readers over the wasm decoders. The file is fed to the decoder
// in small pieces as samples are pulled, so a two-hour recording never sits decoded in memory.
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { MPEGDecoder } from 'mpg123-decoder';
import { HushError } from '../types.ts';
import type { AudioCodec, AudioContainer, AudioInfo, AudioReader } from './audio-types.ts';
import type { FileSource } from './file-source.ts';
import { findMpegStream, lameGapless, vbrFrameCount } from './mpeg-frame.ts';

/** Bytes fed to the decoder per step: small enough to keep memory flat, large enough to be fast. */
const FEED_BYTES = 64 * 1024;

interface Decoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string }[];
}

interface StreamDecoder {
  decode(bytes: Uint8Array): Promise<Decoded>;
  flush(): Promise<Decoded>;
  free(): void;
}

interface StreamFacts {
  container: AudioContainer;
  codec: AudioCodec;
  sampleRate: number;
  channels: number;
  frames: number;
  framesExact: boolean;
  bitDepth: number | null;
  /** MP3 with a Xing/VBRI header: decoding far fewer frames than declared means truncation. */
  declaredFrames?: number;
  /** When the stream is known to be incomplete before decoding starts. */
  truncated?: string;
}

function u32be(b: Uint8Array, o: number): number {
  return b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

/** STREAMINFO at `o` (the 34-byte body). */
function parseStreamInfo(b: Uint8Array, o: number, name: string): { sampleRate: number; channels: number; bitDepth: number; totalSamples: number } {
  if (o + 18 > b.length) throw new HushError('corrupt-file', `${name} is truncated inside its FLAC header.`);
  const sampleRate = (b[o + 10] << 12) | (b[o + 11] << 4) | (b[o + 12] >> 4);
  const channels = ((b[o + 12] >> 1) & 7) + 1;
  const bitDepth = (((b[o + 12] & 1) << 4) | (b[o + 13] >> 4)) + 1;
  const totalSamples = (b[o + 13] & 0x0f) * 0x100000000 + u32be(b, o + 14);
  if (sampleRate === 0) throw new HushError('corrupt-file', `${name} has an invalid FLAC header (sample rate 0).`);
  return { sampleRate, channels, bitDepth, totalSamples };
}

async function flacFacts(src: FileSource, head: Uint8Array, offset: number): Promise<StreamFacts> {
  // "fLaC" then a metadata block header whose type must be STREAMINFO (0).
  if ((head[offset + 4] & 0x7f) !== 0) throw new HushError('corrupt-file', `${src.name} is a FLAC file without STREAMINFO.`);
  const si = parseStreamInfo(head, offset + 8, src.name);
  return {
    container: 'flac',
    codec: 'flac',
    sampleRate: si.sampleRate,
    channels: si.channels,
    frames: si.totalSamples,
    framesExact: si.totalSamples > 0,
    bitDepth: si.bitDepth,
  };
}

/** Last Ogg page in the file: its granule position is the stream length; EOS flag says it is complete. */
async function lastOggPage(src: FileSource): Promise<{ granule: number; eos: boolean } | null> {
  const tailLen = Math.min(src.size, 128 * 1024);
  const tail = await src.readAt(src.size - tailLen, tailLen);
  for (let i = tail.length - 27; i >= 0; i--) {
    if (tail[i] === 0x4f && tail[i + 1] === 0x67 && tail[i + 2] === 0x67 && tail[i + 3] === 0x53 && tail[i + 4] === 0) {
      const dv = new DataView(tail.buffer, tail.byteOffset + i);
      const lo = dv.getUint32(6, true);
      const hi = dv.getInt32(10, true);
      // The page must also be complete: header, segment table and body all inside the file.
      const nSeg = tail[i + 26];
      let body = 0;
      for (let k = 0; k < nSeg && i + 27 + k < tail.length; k++) body += tail[i + 27 + k];
      const complete = i + 27 + nSeg + body <= tail.length;
      return { granule: hi * 0x100000000 + lo, eos: complete && (tail[i + 5] & 4) !== 0 };
    }
  }
  return null;
}

async function oggFacts(src: FileSource, head: Uint8Array, codec: 'vorbis' | 'flac'): Promise<StreamFacts> {
  const packet = 27 + head[26];
  if (head.length < packet + 30) throw new HushError('corrupt-file', `${src.name} is truncated inside its Ogg header.`);
  const last = await lastOggPage(src);
  const truncated = last && !last.eos ? `${src.name} is truncated: the Ogg stream does not end with a complete end-of-stream page.` : undefined;
  if (codec === 'vorbis') {
    const channels = head[packet + 11];
    const sampleRate = new DataView(head.buffer, head.byteOffset).getUint32(packet + 12, true);
    if (!channels || !sampleRate) throw new HushError('corrupt-file', `${src.name} has an invalid Vorbis header.`);
    const frames = last && last.granule > 0 ? last.granule : 0;
    return { container: 'ogg', codec: 'vorbis', sampleRate, channels, frames, framesExact: frames > 0 && !truncated, bitDepth: null, truncated };
  }
  // Ogg FLAC mapping: 0x7F "FLAC" major minor nHeaders(2) "fLaC" block-header(4) STREAMINFO
  const si = parseStreamInfo(head, packet + 17, src.name);
  const frames = si.totalSamples || (last?.granule ?? 0);
  return { container: 'ogg', codec: 'flac', sampleRate: si.sampleRate, channels: si.channels, frames, framesExact: frames > 0, bitDepth: si.bitDepth, truncated };
}

async function mp3Facts(src: FileSource, head: Uint8Array, offset: number, headBase: number): Promise<StreamFacts> {
  const found = findMpegStream(head, offset, 16);
  if (!found) throw new HushError('corrupt-file', `${src.name} has no valid MP3 frames.`);
  const h = found.header;
  const vbrFrames = vbrFrameCount(head, found.offset, h);
  let frames: number;
  let exact = false;
  const gapless = lameGapless(head, found.offset, h);
  if (vbrFrames !== null && gapless) {
    // mpg123 (gapless) drops the encoder delay and padding the LAME tag records: exact length.
    frames = vbrFrames * h.samplesPerFrame - gapless.delay - gapless.padding;
    exact = frames > 0;
  } else if (vbrFrames !== null) frames = vbrFrames * h.samplesPerFrame;
  else {
    // Constant bit rate: bytes / bytes-per-second. An estimate until the file has been decoded.
    const audioBytes = src.size - (headBase + found.offset);
    frames = Math.round(((audioBytes * 8) / (h.bitrateKbps * 1000)) * h.sampleRate);
  }
  const declaredFrames = vbrFrames !== null ? frames : undefined;
  return { container: 'mp3', codec: 'mp3', sampleRate: h.sampleRate, channels: h.channels, frames, framesExact: exact, bitDepth: null, declaredFrames };
}

function makeDecoder(facts: StreamFacts): StreamDecoder {
  if (facts.codec === 'flac') {
    const d = new FLACDecoder();
    return { decode: async (b) => { await d.ready; return d.decode(b); }, flush: () => d.flush(), free: () => d.free() };
  }
  if (facts.codec === 'vorbis') {
    const d = new OggVorbisDecoder();
    return { decode: async (b) => { await d.ready; return d.decode(b); }, flush: () => d.flush(), free: () => d.free() };
  }
  const d = new MPEGDecoder({ enableGapless: true });
  const empty: Decoded = { channelData: [], samplesDecoded: 0, sampleRate: 0, errors: [] };
  return { decode: async (b) => { await d.ready; return d.decode(b); }, flush: async () => empty, free: () => d.free() };
}

/**
 * Opens a compressed stream whose container was already detected. `offset` skips a leading ID3 tag.
 */
export async function openCompressedReader(
  src: FileSource,
  head: Uint8Array,
  detected: { container: 'flac' | 'mp3' | 'ogg'; offset: number; codec?: 'vorbis' | 'flac' },
  /** File position of head[0] (non-zero when the head was read after a large ID3 tag). */
  headBase = 0,
): Promise<AudioReader> {
  const rel = detected.offset - headBase;
  const facts =
    detected.container === 'flac'
      ? await flacFacts(src, head, rel)
      : detected.container === 'ogg'
        ? await oggFacts(src, head, detected.codec ?? 'vorbis')
        : await mp3Facts(src, head, rel, headBase);
  if (facts.truncated) throw new HushError('corrupt-file', facts.truncated);
  if (facts.framesExact && facts.frames === 0) throw new HushError('empty-file', `${src.name} contains no audio samples.`);
  const info: AudioInfo = {
    container: facts.container,
    codec: facts.codec,
    sampleRate: facts.sampleRate,
    channels: facts.channels,
    frames: facts.frames,
    framesExact: facts.framesExact,
    durationSec: facts.frames / facts.sampleRate,
    bitDepth: facts.bitDepth,
  };

  const decoder = makeDecoder(facts);
  let filePos = detected.offset;
  let ended = false;
  let decodedTotal = 0;
  const queue: Float32Array[][] = [];
  let queueOffset = 0; // frames already consumed from queue[0]
  let queued = 0;

  const accept = (decoded: Decoded): void => {
    let r = decoded;
    if (r.errors.length > 0) {
      throw new HushError('corrupt-file', `${src.name} is damaged: ${facts.codec.toUpperCase()} decoder reported "${r.errors[0].message}".`);
    }
    if (r.samplesDecoded === 0) return;
    // mpg123 always outputs two channels; a mono MP3 comes back duplicated.
    if (facts.codec === 'mp3' && info.channels === 1 && r.channelData.length === 2) r = { ...r, channelData: [r.channelData[0]] };
    if (r.sampleRate !== info.sampleRate || r.channelData.length !== info.channels) {
      throw new HushError(
        'unsupported-format',
        `${src.name} changes format mid-stream (${r.channelData.length} ch @ ${r.sampleRate} Hz after ${info.channels} ch @ ${info.sampleRate} Hz).`,
      );
    }
    // Copy out of the decoder's buffers: they may be reused by the next call.
    const chunk = r.channelData.map((c) => c.slice(0, r.samplesDecoded));
    if (facts.codec === 'flac' && facts.bitDepth !== null && facts.bitDepth <= 24) {
      // libFLAC's wasm build scales by 1/(2^(b-1) − 1); recover the integers (exact up to 24 bits,
      // checked in tests) and rescale by 1/2^(b-1) like every other reader, so FLAC → WAV is lossless.
      const up = 2 ** (facts.bitDepth - 1) - 1;
      const down = 1 / 2 ** (facts.bitDepth - 1);
      for (const ch of chunk) for (let i = 0; i < ch.length; i++) ch[i] = Math.round(ch[i] * up) * down;
    }
    queue.push(chunk);
    queued += r.samplesDecoded;
    decodedTotal += r.samplesDecoded;
  };

  const pull = async (): Promise<void> => {
    if (filePos < src.size) {
      const bytes = await src.readAt(filePos, FEED_BYTES);
      filePos += bytes.length;
      accept(await decoder.decode(bytes));
      return;
    }
    accept(await decoder.flush());
    ended = true;
    if (decodedTotal === 0) throw new HushError('corrupt-file', `${src.name} contains no decodable audio (damaged or truncated).`);
    if (facts.framesExact && facts.codec === 'flac' && decodedTotal < facts.frames) {
      throw new HushError('corrupt-file', `${src.name} is truncated: ${decodedTotal} of ${facts.frames} samples present.`);
    }
    // Gapless decoding drops the encoder delay and padding (< 3 frames of 1152), hence the slack.
    if (facts.declaredFrames !== undefined && decodedTotal < facts.declaredFrames - 4 * 1152) {
      throw new HushError('corrupt-file', `${src.name} is truncated: ${decodedTotal} of about ${facts.declaredFrames} samples present.`);
    }
  };

  return {
    info,
    async read(frames: number) {
      try {
        while (queued < frames && !ended) await pull();
      } catch (e) {
        if (e instanceof HushError) throw e;
        throw new HushError('corrupt-file', `${src.name} could not be decoded: ${(e as Error)?.message ?? String(e)}`, { cause: e });
      }
      const n = Math.min(frames, queued);
      const out = Array.from({ length: info.channels }, () => new Float32Array(n));
      let filled = 0;
      while (filled < n) {
        const chunk = queue[0];
        const take = Math.min(n - filled, chunk[0].length - queueOffset);
        for (let c = 0; c < info.channels; c++) out[c].set(chunk[c].subarray(queueOffset, queueOffset + take), filled);
        filled += take;
        queueOffset += take;
        if (queueOffset === chunk[0].length) {
          queue.shift();
          queueOffset = 0;
        }
      }
      queued -= n;
      return out;
    },
    async close() {
      try {
        decoder.free();
      } catch {
        // already freed
      }
      await src.close();
    },
  };
}
