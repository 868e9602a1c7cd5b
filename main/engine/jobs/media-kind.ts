// Route a file to the image or the audio pipeline by its content, never by its extension: a .jpg
// that is really a PNG is still a photo, a .wav that is really FLAC is still a recording, and a
// text file named .jpg gets a clear "not an image or audio file" error.
import { open } from 'node:fs/promises';
import path from 'node:path';
import { detectAudioFormat, DETECT_HEAD_BYTES } from '../audio/detect-format.ts';
import { HushError, type MediaKind } from '../types.ts';

function ascii(b: Uint8Array, o: number, n: number): string {
  return String.fromCharCode(...b.subarray(o, o + n));
}

/** Image containers libvips reads that we accept, by magic bytes. */
export function looksLikeImage(head: Uint8Array): boolean {
  if (head.length < 12) return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return true; // JPEG
  if (head[0] === 0x89 && ascii(head, 1, 3) === 'PNG') return true;
  if (ascii(head, 0, 4) === 'GIF8') return true;
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return true;
  if ((head[0] === 0x49 && head[1] === 0x49 && head[2] === 0x2a && head[3] === 0) || (head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && head[3] === 0x2a)) return true; // TIFF
  if ((head[0] === 0x49 && head[1] === 0x49 && head[2] === 0x2b) || (head[0] === 0x4d && head[1] === 0x4d && head[3] === 0x2b)) return true; // BigTIFF
  if (ascii(head, 4, 4) === 'ftyp') {
    const brand = ascii(head, 8, 4);
    return ['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand);
  }
  return false;
}

/** Kind of the file at `filePath` from its first bytes. Throws HushError for empty, unreadable or foreign files. */
export async function detectMediaKind(filePath: string): Promise<MediaKind> {
  const name = path.basename(filePath);
  let head: Uint8Array;
  let size: number;
  const handle = await open(filePath, 'r');
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new HushError('unreadable', `${name} is a folder, not a file`);
    size = st.size;
    const buf = Buffer.alloc(Math.min(DETECT_HEAD_BYTES, Math.max(0, size)));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (size === 0) throw new HushError('empty-file', `${name} is empty (0 bytes)`);
  if (looksLikeImage(head)) return 'image';
  try {
    detectAudioFormat(head, size, name);
    return 'audio';
  } catch (err) {
    if (err instanceof HushError && err.code === 'unsupported-format' && /not an audio file|not a recognised audio file/.test(err.message)) {
      const text = head.subarray(0, 512).every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc0);
      throw new HushError(
        'unsupported-format',
        `${name} is not an image or audio file${text ? ' (it looks like text)' : ''}; Hush reads JPEG, PNG, WebP, TIFF, AVIF, HEIF, GIF, WAV, FLAC, MP3 and Ogg Vorbis`,
      );
    }
    throw err;
  }
}
