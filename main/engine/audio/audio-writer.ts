// Incremental WAV and FLAC writers: samples are appended as they are produced, headers are completed
// at the end, and the file appears under its final name only when everything succeeded.
import type { AudioFormat, AudioSampleFormat } from '../types.ts';
import { HushError } from '../types.ts';
import type { AudioWriter } from './audio-types.ts';
import { createAtomicFile, type AtomicFile } from './atomic-file.ts';
import { FlacEncoder, flacUnsupportedReason } from './flac-encoder.ts';
import { flacBlocksFor, NO_METADATA, wavChunksFor, type AudioMetadata } from './metadata.ts';
import { encodeInterleaved, quantize, TpdfDither } from './pcm-convert.ts';
import { buildWavHeader } from './wav-format.ts';

export interface AudioWriterOptions {
  readonly format: AudioFormat;
  /** WAV: the sample encoding. FLAC: pcm16 → 16-bit, pcm24 and float32 → 24-bit (FLAC has no float). */
  readonly sampleFormat: AudioSampleFormat;
  readonly sampleRate: number;
  readonly channels: number;
  /** TPDF dither before rounding to 16 bits (ignored for 24-bit and float). */
  readonly dither?: boolean;
  /** Tags and metadata chunks/blocks to carry over from the input. */
  readonly metadata?: AudioMetadata;
}

/** Bits FLAC output uses for a requested sample format. */
export function flacBitsFor(sampleFormat: AudioSampleFormat): 16 | 24 {
  return sampleFormat === 'pcm16' ? 16 : 24;
}

async function wavWriter(file: AtomicFile, o: AudioWriterOptions): Promise<AudioWriter> {
  const header = buildWavHeader(o.channels, o.sampleRate, o.sampleFormat, 0);
  await file.write(header);
  const dither = o.dither && o.sampleFormat === 'pcm16' ? new TpdfDither() : undefined;
  let dataBytes = 0;
  return {
    async write(channels) {
      const frames = channels[0]?.length ?? 0;
      if (frames === 0) return;
      const bytes = encodeInterleaved(channels, frames, o.sampleFormat, dither);
      await file.write(bytes);
      dataBytes += bytes.length;
    },
    async finish() {
      try {
        if (dataBytes & 1) await file.write(new Uint8Array(1)); // RIFF chunks are word-aligned
        // Metadata chunks go after the samples, so the header's size stays fixed while streaming.
        const trailing = wavChunksFor(o.metadata ?? NO_METADATA);
        for (const chunk of trailing) await file.write(chunk);
        const final = buildWavHeader(o.channels, o.sampleRate, o.sampleFormat, dataBytes, trailing.reduce((s, c) => s + c.length, 0));
        if (final.length !== header.length) throw new Error('WAV header size changed');
        await file.write(final, 0);
        await file.commit();
      } catch (e) {
        await file.abort();
        throw e;
      }
    },
    abort: () => file.abort(),
  };
}

async function flacWriter(file: AtomicFile, o: AudioWriterOptions): Promise<AudioWriter> {
  const reason = flacUnsupportedReason(o.sampleRate, o.channels);
  if (reason) throw new HushError('unsupported-format', `Cannot write FLAC: ${reason}. Choose WAV output instead.`);
  const bits = flacBitsFor(o.sampleFormat);
  const enc = new FlacEncoder({ sampleRate: o.sampleRate, channels: o.channels, bitsPerSample: bits });
  await file.write(enc.header(flacBlocksFor(o.metadata ?? NO_METADATA, FlacEncoder.VENDOR)));
  const dither = o.dither && bits === 16 ? new TpdfDither() : undefined;
  let ints: Int32Array[] = [];
  const appendAll = async (frames: Uint8Array[]): Promise<void> => {
    if (frames.length === 0) return;
    await file.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  };
  return {
    async write(channels) {
      const frames = channels[0]?.length ?? 0;
      if (frames === 0) return;
      if (ints.length === 0 || ints[0].length < frames) ints = channels.map(() => new Int32Array(frames));
      for (let c = 0; c < channels.length; c++) quantize(channels[c], frames, bits, ints[c], dither);
      await appendAll(enc.encode(ints, frames));
    },
    async finish() {
      try {
        const { frames, streamInfo } = enc.finish();
        await appendAll(frames);
        await file.write(streamInfo, FlacEncoder.STREAMINFO_OFFSET);
        await file.commit();
      } catch (e) {
        await file.abort();
        throw e;
      }
    },
    abort: () => file.abort(),
  };
}

/** Creates a writer that streams to a temporary file and renames it to `outputPath` on finish. */
export async function createAudioWriter(outputPath: string, o: AudioWriterOptions): Promise<AudioWriter> {
  if (o.format === 'flac') {
    const reason = flacUnsupportedReason(o.sampleRate, o.channels);
    if (reason) throw new HushError('unsupported-format', `Cannot write FLAC: ${reason}. Choose WAV output instead.`);
  }
  const file = await createAtomicFile(outputPath);
  try {
    return o.format === 'flac' ? await flacWriter(file, o) : await wavWriter(file, o);
  } catch (e) {
    await file.abort();
    throw e;
  }
}

/** Encodes a whole (short) signal to WAV bytes in memory — for previews, not for files. */
export function encodeWavBuffer(channels: readonly Float32Array[], sampleRate: number, sampleFormat: AudioSampleFormat = 'pcm16', dither = true): Buffer {
  const frames = channels[0]?.length ?? 0;
  const data = encodeInterleaved(channels, frames, sampleFormat, dither && sampleFormat === 'pcm16' ? new TpdfDither() : undefined);
  const header = buildWavHeader(channels.length, sampleRate, sampleFormat, data.length);
  return Buffer.concat([header, data, data.length & 1 ? new Uint8Array(1) : new Uint8Array(0)]);
}
