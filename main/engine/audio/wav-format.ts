// WAV container: find the chunks (RIFF, RF64/BW64 with ds64), let wavefile parse the `fmt ` chunk,
// and build headers for writing. Sample data never goes through wavefile (see pcm-convert.ts).
import wavefile from 'wavefile';
import { HushError } from '../types.ts';
import type { WavSampleEncoding } from './audio-types.ts';
import type { SampleLayout, WavEncoding } from './pcm-convert.ts';

const { WaveFile } = wavefile;

export interface WavLayout extends SampleLayout {
  readonly sampleRate: number;
  /** Bits per sample in the container (8, 16, 24, 32 or 64). */
  readonly bitsPerSample: number;
  /** Meaningful bits (WAVE_FORMAT_EXTENSIBLE may declare e.g. 20 in a 24-bit container). */
  readonly validBits: number;
  readonly blockAlign: number;
  readonly dataOffset: number;
  readonly dataBytes: number;
  readonly frames: number;
  readonly extensible: boolean;
}

/** Reads `length` bytes at `position` (fewer at end of file). */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>;

const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x0161: 'WMA',
};

function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n && o + i < b.length; i++) s += String.fromCharCode(b[o + i]);
  return s;
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
}

function u64(b: Uint8Array, o: number): number {
  return u32(b, o) + u32(b, o + 4) * 0x100000000;
}

/**
 * Walks the RIFF chunks of a WAV file and returns where the samples are and how they are encoded.
 * Throws HushError with a user-readable message for anything it cannot read.
 */
export async function parseWavLayout(readAt: ReadAt, fileSize: number, name = 'file'): Promise<WavLayout> {
  const head = await readAt(0, 12);
  if (head.length < 12) throw new HushError('corrupt-file', `${name} is truncated: too short for a WAV header.`);
  const riff = ascii(head, 0, 4);
  const rf64 = riff === 'RF64' || riff === 'BW64';
  let fmtChunk: Uint8Array | null = null;
  let ds64DataSize: number | null = null;
  let dataOffset = -1;
  let dataBytes = 0;
  let pos = 12;
  for (let guard = 0; pos + 8 <= fileSize && guard < 10_000; guard++) {
    const hdr = await readAt(pos, 8);
    if (hdr.length < 8) break;
    const id = ascii(hdr, 0, 4);
    let size = u32(hdr, 4);
    if (id === 'data') {
      dataOffset = pos + 8;
      if (rf64 && size === 0xffffffff && ds64DataSize !== null) size = ds64DataSize;
      const available = fileSize - dataOffset;
      if (size === 0xffffffff || (size === 0 && available > 0)) {
        // Recorders that crash or stream leave a placeholder size: the data runs to the end of file.
        size = available;
      } else if (size > available) {
        throw new HushError(
          'corrupt-file',
          `${name} is truncated: its WAV data chunk declares ${size} bytes but only ${available} are present.`,
        );
      }
      dataBytes = size;
      if (fmtChunk) break;
    } else if (id === 'fmt ') {
      if (size < 16 || size > 4096) throw new HushError('corrupt-file', `${name} has a malformed WAV fmt chunk (${size} bytes).`);
      fmtChunk = await readAt(pos, 8 + size);
      if (fmtChunk.length < 8 + size) throw new HushError('corrupt-file', `${name} is truncated inside its WAV fmt chunk.`);
      if (dataOffset >= 0) break;
    } else if (id === 'ds64' && rf64) {
      const ds = await readAt(pos + 8, 28);
      if (ds.length >= 16) ds64DataSize = u64(ds, 8);
    }
    pos += 8 + size + (size & 1);
  }
  if (!fmtChunk) throw new HushError('corrupt-file', `${name} is not a valid WAV file: no fmt chunk.`);
  if (dataOffset < 0) throw new HushError('corrupt-file', `${name} has no WAV data chunk (truncated or not audio).`);

  // wavefile parses the fmt chunk (including WAVE_FORMAT_EXTENSIBLE) from a minimal RIFF we assemble.
  const fmtSize = fmtChunk.length;
  const tiny = new Uint8Array(12 + fmtSize + 8);
  tiny.set([0x52, 0x49, 0x46, 0x46], 0);
  new DataView(tiny.buffer).setUint32(4, tiny.length - 8, true);
  tiny.set([0x57, 0x41, 0x56, 0x45], 8);
  tiny.set(fmtChunk, 12);
  tiny.set([0x64, 0x61, 0x74, 0x61], 12 + fmtSize);
  const wav = new WaveFile();
  try {
    wav.fromBuffer(tiny, false);
  } catch (e) {
    throw new HushError('corrupt-file', `${name} has an unreadable WAV header.`, { cause: e });
  }
  const fmt = wav.fmt as {
    audioFormat: number;
    numChannels: number;
    sampleRate: number;
    blockAlign: number;
    bitsPerSample: number;
    validBitsPerSample: number;
    subformat: number[];
  };
  const extensible = fmt.audioFormat === 0xfffe;
  const code = extensible ? (fmt.subformat[0] ?? 0) : fmt.audioFormat;
  const bits = fmt.bitsPerSample;
  let encoding: WavEncoding;
  if (code === 1) encoding = 'pcm';
  else if (code === 3) encoding = 'float';
  else if (code === 6) encoding = 'alaw';
  else if (code === 7) encoding = 'mulaw';
  else {
    const what = FORMAT_NAMES[code] ?? `format 0x${code.toString(16).padStart(4, '0')}`;
    throw new HushError('unsupported-format', `${name} is a compressed WAV (${what}); Hush reads PCM, float, A-law and µ-law WAV.`);
  }
  const channels = fmt.numChannels;
  if (!(channels >= 1 && channels <= 64)) throw new HushError('corrupt-file', `${name} declares ${channels} channels.`);
  if (!(fmt.sampleRate >= 1 && fmt.sampleRate <= 1_536_000)) throw new HushError('corrupt-file', `${name} declares a sample rate of ${fmt.sampleRate} Hz.`);
  const okBits =
    (encoding === 'pcm' && [8, 16, 24, 32].includes(bits)) ||
    (encoding === 'float' && (bits === 32 || bits === 64)) ||
    ((encoding === 'alaw' || encoding === 'mulaw') && bits === 8);
  if (!okBits) throw new HushError('unsupported-format', `${name}: ${bits}-bit ${encoding} WAV is not supported.`);
  const bytesPerSample = bits / 8;
  const blockAlign = channels * bytesPerSample;
  if (fmt.blockAlign !== blockAlign && fmt.blockAlign !== 0) {
    throw new HushError('corrupt-file', `${name} has an inconsistent WAV header (block align ${fmt.blockAlign}, expected ${blockAlign}).`);
  }
  const frames = Math.floor(dataBytes / blockAlign);
  const validBits = extensible && fmt.validBitsPerSample > 0 && fmt.validBitsPerSample <= bits ? fmt.validBitsPerSample : bits;
  return { encoding, bytesPerSample, channels, sampleRate: fmt.sampleRate, bitsPerSample: bits, validBits, blockAlign, dataOffset, dataBytes, frames, extensible };
}

/** fmt chunk bytes (id + size + body) for the given output encoding, produced by wavefile. */
function fmtChunkFor(channels: number, sampleRate: number, encoding: WavSampleEncoding): Uint8Array {
  const wav = new WaveFile();
  const code = encoding === 'pcm16' ? '16' : encoding === 'pcm24' ? '24' : '32f';
  wav.fromScratch(channels, sampleRate, code, Array.from({ length: channels }, () => new Float64Array(0)));
  const fmt = wav.fmt as { audioFormat: number; chunkSize: number; subformat: number[]; cbSize: number; validBitsPerSample: number; dwChannelMask: number };
  // More than two channels (or deeper than 16 bits) calls for WAVE_FORMAT_EXTENSIBLE; wavefile
  // writes the extension but leaves the tag at 1, which strict readers reject.
  if (channels > 2 && fmt.chunkSize !== 40) {
    fmt.chunkSize = 40;
    fmt.cbSize = 22;
    fmt.validBitsPerSample = encoding === 'pcm16' ? 16 : encoding === 'pcm24' ? 24 : 32;
    fmt.dwChannelMask = channels <= 8 ? [0, 4, 3, 7, 51, 55, 63, 319, 1599][channels] : 0;
  }
  if (fmt.chunkSize === 40) {
    fmt.audioFormat = 0xfffe;
    fmt.subformat = [encoding === 'float32' ? 3 : 1, 1048576, 2852126848, 1905997824];
  }
  const bytes = wav.toBuffer();
  // Layout from wavefile: RIFF(12) + fmt chunk + [fact] + data header.
  const size = u32(bytes, 16);
  return bytes.slice(12, 12 + 8 + size);
}

/** Size of the JUNK chunk reserved after the RIFF header so a >4 GiB file can become RF64. */
const DS64_RESERVE = 28;

/**
 * A WAV header for `dataBytes` bytes of samples (placeholder 0 while streaming), followed in the file
 * by the samples, a pad byte if `dataBytes` is odd, and `trailingBytes` of further chunks.
 */
export function buildWavHeader(channels: number, sampleRate: number, encoding: WavSampleEncoding, dataBytes: number, trailingBytes = 0): Uint8Array {
  const fmt = fmtChunkFor(channels, sampleRate, encoding);
  const headerBytes = 12 + 8 + DS64_RESERVE + fmt.length + 8;
  const out = new Uint8Array(headerBytes);
  const dv = new DataView(out.buffer);
  const riffSize = headerBytes - 8 + dataBytes + (dataBytes & 1) + trailingBytes;
  const big = riffSize > 0xffffffff || dataBytes > 0xffffffff;
  out.set(new TextEncoder().encode(big ? 'RF64' : 'RIFF'), 0);
  dv.setUint32(4, big ? 0xffffffff : riffSize, true);
  out.set(new TextEncoder().encode('WAVE'), 8);
  out.set(new TextEncoder().encode(big ? 'ds64' : 'JUNK'), 12);
  dv.setUint32(16, DS64_RESERVE, true);
  if (big) {
    const frames = dataBytes / (channels * (encoding === 'pcm16' ? 2 : encoding === 'pcm24' ? 3 : 4));
    dv.setBigUint64(20, BigInt(riffSize), true);
    dv.setBigUint64(28, BigInt(dataBytes), true);
    dv.setBigUint64(36, BigInt(frames), true);
    dv.setUint32(44, 0, true); // table length
  }
  out.set(fmt, 12 + 8 + DS64_RESERVE);
  const d = 12 + 8 + DS64_RESERVE + fmt.length;
  out.set(new TextEncoder().encode('data'), d);
  dv.setUint32(d + 4, big ? 0xffffffff : dataBytes, true);
  return out;
}
