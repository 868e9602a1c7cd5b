// One entry point for reading any supported audio file, chosen by content.
import { HushError } from '../types.ts';
import type { AudioReader } from './audio-types.ts';
import { openCompressedReader } from './compressed-reader.ts';
import { DETECT_HEAD_BYTES, detectAudioFormat } from './detect-format.ts';
import { openFileSource } from './file-source.ts';
import { id3v2Size } from './mpeg-frame.ts';
import { openWavReader } from './wav-reader.ts';

export interface OpenedAudio extends AudioReader {
  /** Present for WAV (random access); compressed streams only read forwards. */
  readonly seek?: (frame: number) => void;
}

/** Opens `path` read-only and returns a streaming reader. Throws HushError for anything unreadable. */
export async function openAudioReader(path: string): Promise<OpenedAudio> {
  const src = await openFileSource(path);
  try {
    let head = await src.readAt(0, DETECT_HEAD_BYTES);
    // A huge ID3 tag (cover art) can push the audio past the head: read again just after it.
    const id3 = id3v2Size(head);
    let base = 0;
    if (id3 > 0 && id3 + 4096 > head.length && id3 < src.size) {
      base = id3;
      head = await src.readAt(id3, DETECT_HEAD_BYTES);
    }
    const d = detectAudioFormat(head, src.size - base, src.name);
    if (d.container === 'wav') {
      if (base !== 0) throw new HushError('unsupported-format', `${src.name} has an ID3 tag before a WAV header.`);
      return await openWavReader(src);
    }
    if (base === 0) return await openCompressedReader(src, head, d);
    // Re-base so offsets are absolute; the compressed reader only needs the head from the stream start.
    return await openCompressedReader(src, head, { ...d, offset: d.offset + base } as typeof d, base);
  } catch (e) {
    await src.close();
    throw e;
  }
}
