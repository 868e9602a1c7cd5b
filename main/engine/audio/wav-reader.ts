// Streaming WAV reader: reads byte ranges of the data chunk from disk, so memory stays proportional
// to the block size, never to the file.
import type { AudioInfo, AudioReader } from './audio-types.ts';
import type { FileSource } from './file-source.ts';
import { decodeInterleaved } from './pcm-convert.ts';
import { parseWavLayout, type WavLayout } from './wav-format.ts';
import { HushError } from '../types.ts';

export interface SeekableAudioReader extends AudioReader {
  /** Moves the read position to sample frame `frame` (clamped to the end). */
  seek(frame: number): void;
}

export async function openWavReader(src: FileSource): Promise<SeekableAudioReader> {
  const layout: WavLayout = await parseWavLayout((p, n) => src.readAt(p, n), src.size, src.name);
  if (layout.frames === 0) throw new HushError('empty-file', `${src.name} contains no audio samples.`);
  const codec = layout.encoding === 'pcm' ? 'pcm' : layout.encoding;
  const info: AudioInfo = {
    container: 'wav',
    codec,
    sampleRate: layout.sampleRate,
    channels: layout.channels,
    frames: layout.frames,
    framesExact: true,
    durationSec: layout.frames / layout.sampleRate,
    bitDepth: layout.encoding === 'pcm' ? layout.validBits : layout.bitsPerSample,
  };
  let position = 0;
  return {
    info,
    seek(frame: number) {
      position = Math.max(0, Math.min(layout.frames, Math.floor(frame)));
    },
    async read(frames: number) {
      const n = Math.max(0, Math.min(frames, layout.frames - position));
      const out = Array.from({ length: layout.channels }, () => new Float32Array(n));
      if (n === 0) return out.map(() => new Float32Array(0));
      const bytes = await src.readAt(layout.dataOffset + position * layout.blockAlign, n * layout.blockAlign);
      if (bytes.length < n * layout.blockAlign) {
        throw new HushError('corrupt-file', `${src.name} ended early while reading (the file changed or is truncated).`);
      }
      decodeInterleaved(bytes, layout, n, out);
      position += n;
      return out;
    },
    close: () => src.close(),
  };
}
