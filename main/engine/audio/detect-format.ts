// Recognise an audio file by its first bytes, never by its extension: a .wav that is really a FLAC is
// read as FLAC, and a text file named .wav gets a clear "not audio" error.
import { HushError } from '../types.ts';
import { findMpegStream, id3v2Size } from './mpeg-frame.ts';

export type DetectedAudio =
  | { readonly container: 'wav'; readonly offset: 0 }
  | { readonly container: 'flac'; readonly offset: number }
  | { readonly container: 'ogg'; readonly offset: 0; readonly codec: 'vorbis' | 'flac' }
  | { readonly container: 'mp3'; readonly offset: number };

/** Bytes of the file's head that detection needs (ID3v2 tags with cover art can be larger). */
export const DETECT_HEAD_BYTES = 256 * 1024;

function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n && o + i < b.length; i++) s += String.fromCharCode(b[o + i]);
  return s;
}

/**
 * Identifies the container from the head of a file. `totalBytes` is the file size (0 → empty-file).
 * Throws HushError('empty-file' | 'unsupported-format').
 */
export function detectAudioFormat(head: Uint8Array, totalBytes: number, name = 'file'): DetectedAudio {
  if (totalBytes === 0 || head.length === 0) throw new HushError('empty-file', `${name} is empty (0 bytes).`);
  const tag = ascii(head, 0, 4);
  if ((tag === 'RIFF' || tag === 'RF64' || tag === 'BW64') && ascii(head, 8, 4) === 'WAVE') return { container: 'wav', offset: 0 };
  if (tag === 'RIFF' || tag === 'RF64') {
    throw new HushError('unsupported-format', `${name} is a RIFF file but not WAVE audio (${JSON.stringify(ascii(head, 8, 4))}).`);
  }
  if (tag === 'OggS') {
    const nSegments = head[26] ?? 0;
    const packet = 27 + nSegments;
    if (ascii(head, packet + 1, 6) === 'vorbis' && head[packet] === 1) return { container: 'ogg', offset: 0, codec: 'vorbis' };
    if (head[packet] === 0x7f && ascii(head, packet + 1, 4) === 'FLAC') return { container: 'ogg', offset: 0, codec: 'flac' };
    if (ascii(head, packet, 8) === 'OpusHead') {
      throw new HushError('unsupported-format', `${name} is Ogg Opus, which Hush cannot decode yet (Ogg Vorbis, FLAC, MP3 and WAV are supported).`);
    }
    throw new HushError('unsupported-format', `${name} is an Ogg file with a codec Hush does not read (only Vorbis and FLAC in Ogg).`);
  }
  const id3 = id3v2Size(head);
  if (id3 > 0 && id3 >= head.length && totalBytes > head.length) {
    // A tag larger than the head we read (huge cover art): the caller re-reads past it.
    throw new HushError('unsupported-format', `${name}: ID3 tag larger than ${DETECT_HEAD_BYTES} bytes; cannot see the audio after it.`);
  }
  if (ascii(head, id3, 4) === 'fLaC') return { container: 'flac', offset: id3 };
  const mpeg = findMpegStream(head, id3, id3 > 0 ? 4096 : 2048);
  if (mpeg) return { container: 'mp3', offset: mpeg.offset };
  if (id3 > 0) throw new HushError('unsupported-format', `${name} has an ID3 tag but no MP3 or FLAC audio after it.`);
  const printable = head.subarray(0, 512).every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc0);
  throw new HushError(
    'unsupported-format',
    printable
      ? `${name} is not an audio file (it looks like text). Hush reads WAV, FLAC, MP3 and Ogg Vorbis.`
      : `${name} is not a recognised audio file (unknown content). Hush reads WAV, FLAC, MP3 and Ogg Vorbis.`,
  );
}
