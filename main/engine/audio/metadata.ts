// Tags survive denoising: WAV chunks (LIST/INFO, bext, iXML, cue, XMP) and FLAC metadata blocks
// (Vorbis comments, pictures, cue sheet) are copied from the input to the output; between WAV and FLAC
// the common text tags are translated (INFO ↔ Vorbis comments). Length and rate are unchanged, so
// sample positions in bext/cue stay valid. MP3 (ID3) and Ogg tags are not carried.
import { openFileSource, type FileSource } from './file-source.ts';
import { id3v2Size } from './mpeg-frame.ts';

export interface AudioMetadata {
  /** Complete WAV chunks (id, size, body, pad) to append after the data chunk. */
  readonly wavChunks: Uint8Array[];
  /** FLAC metadata blocks (type + body) other than STREAMINFO, SEEKTABLE and PADDING. */
  readonly flacBlocks: { readonly type: number; readonly body: Uint8Array }[];
  /** Text tags, Vorbis-comment style upper-case keys (TITLE, ARTIST, …). */
  readonly tags: ReadonlyArray<readonly [string, string]>;
}

export const NO_METADATA: AudioMetadata = { wavChunks: [], flacBlocks: [], tags: [] };

/** Copying stops here: metadata is never worth holding more memory than this. */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;
const WAV_CARRIED = new Set(['LIST', 'bext', 'iXML', 'cue ', '_PMX', 'axml']);
const FLAC_CARRIED = new Set([4, 5, 6]); // VORBIS_COMMENT, CUESHEET, PICTURE

const INFO_TO_VORBIS: Record<string, string> = {
  INAM: 'TITLE', IART: 'ARTIST', IPRD: 'ALBUM', ICMT: 'COMMENT', ICRD: 'DATE', IGNR: 'GENRE', ICOP: 'COPYRIGHT', ITRK: 'TRACKNUMBER', IENG: 'ENGINEER',
};
const VORBIS_TO_INFO: Record<string, string> = Object.fromEntries(Object.entries(INFO_TO_VORBIS).map(([k, v]) => [v, k]));

const latin1 = (b: Uint8Array, o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n));
const u32le = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;

function infoTags(list: Uint8Array): [string, string][] {
  // LIST chunk: 'LIST' size 'INFO' { id size text\0 [pad] }*
  if (latin1(list, 8, 4) !== 'INFO') return [];
  const tags: [string, string][] = [];
  for (let o = 12; o + 8 <= list.length; ) {
    const id = latin1(list, o, 4);
    const size = u32le(list, o + 4);
    const text = new TextDecoder().decode(list.subarray(o + 8, Math.min(list.length, o + 8 + size))).replace(/\0+$/, '');
    if (INFO_TO_VORBIS[id] && text) tags.push([INFO_TO_VORBIS[id], text]);
    o += 8 + size + (size & 1);
  }
  return tags;
}

function vorbisTags(body: Uint8Array): [string, string][] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const dec = new TextDecoder();
  let o = 4 + dv.getUint32(0, true);
  const n = dv.getUint32(o, true);
  o += 4;
  const tags: [string, string][] = [];
  for (let i = 0; i < n && o + 4 <= body.length; i++) {
    const len = dv.getUint32(o, true);
    const s = dec.decode(body.subarray(o + 4, o + 4 + len));
    o += 4 + len;
    const eq = s.indexOf('=');
    if (eq > 0) tags.push([s.slice(0, eq).toUpperCase(), s.slice(eq + 1)]);
  }
  return tags;
}

/** Reads carried metadata from a WAV or native FLAC file (anything else: none). Never throws. */
export async function readAudioMetadata(src: FileSource, container: string, streamOffset = 0): Promise<AudioMetadata> {
  try {
    if (container === 'wav') return await readWav(src);
    if (container === 'flac') return await readFlac(src, streamOffset);
  } catch {
    // Damaged metadata must never stop the audio from being processed.
  }
  return NO_METADATA;
}

/** Same, by path (opens the file read-only and closes it). */
export async function readAudioMetadataFromPath(path: string, container: string): Promise<AudioMetadata> {
  if (container !== 'wav' && container !== 'flac') return NO_METADATA;
  let src: FileSource | undefined;
  try {
    src = await openFileSource(path);
    const offset = container === 'flac' ? id3v2Size(await src.readAt(0, 10)) : 0;
    return await readAudioMetadata(src, container, offset);
  } catch {
    return NO_METADATA;
  } finally {
    await src?.close();
  }
}

async function readWav(src: FileSource): Promise<AudioMetadata> {
  const chunks: Uint8Array[] = [];
  const tags: [string, string][] = [];
  let total = 0;
  for (let pos = 12, guard = 0; pos + 8 <= src.size && guard < 10_000; guard++) {
    const hdr = await src.readAt(pos, 8);
    const id = latin1(hdr, 0, 4);
    let size = u32le(hdr, 4);
    if (id === 'data' && (size === 0xffffffff || size === 0)) break; // runs to the end of file
    if (id === 'data' && pos + 8 + size > src.size) break;
    if (WAV_CARRIED.has(id) && total + size <= MAX_METADATA_BYTES) {
      const chunk = await src.readAt(pos, 8 + size + (size & 1));
      if (chunk.length < 8 + size) break;
      const whole = new Uint8Array(8 + size + (size & 1));
      whole.set(chunk.subarray(0, whole.length));
      chunks.push(whole);
      total += size;
      if (id === 'LIST') tags.push(...infoTags(whole));
    }
    if (id === 'data' && size > src.size) size = src.size;
    pos += 8 + size + (size & 1);
  }
  return { wavChunks: chunks, flacBlocks: [], tags };
}

async function readFlac(src: FileSource, offset: number): Promise<AudioMetadata> {
  const blocks: { type: number; body: Uint8Array }[] = [];
  const tags: [string, string][] = [];
  let total = 0;
  for (let pos = offset + 4, last = false; !last && pos + 4 <= src.size; ) {
    const h = await src.readAt(pos, 4);
    last = (h[0] & 0x80) !== 0;
    const type = h[0] & 0x7f;
    const len = (h[1] << 16) | (h[2] << 8) | h[3];
    if (FLAC_CARRIED.has(type) && total + len <= MAX_METADATA_BYTES) {
      const body = await src.readAt(pos + 4, len);
      if (body.length < len) break;
      blocks.push({ type, body });
      total += len;
      if (type === 4) tags.push(...vorbisTags(body));
    }
    pos += 4 + len;
  }
  return { wavChunks: [], flacBlocks: blocks, tags };
}

/** WAV chunks for the output: the input's own, or a LIST/INFO built from its tags. */
export function wavChunksFor(meta: AudioMetadata): Uint8Array[] {
  if (meta.wavChunks.length > 0) return meta.wavChunks;
  const entries = meta.tags.filter(([k]) => VORBIS_TO_INFO[k]);
  if (entries.length === 0) return [];
  const enc = new TextEncoder();
  const subs = entries.map(([k, v]) => {
    const text = enc.encode(v + '\0');
    const sub = new Uint8Array(8 + text.length + (text.length & 1));
    sub.set(enc.encode(VORBIS_TO_INFO[k]), 0);
    new DataView(sub.buffer).setUint32(4, text.length, true);
    sub.set(text, 8);
    return sub;
  });
  const size = 4 + subs.reduce((s, b) => s + b.length, 0);
  const list = new Uint8Array(8 + size);
  list.set(enc.encode('LIST'), 0);
  new DataView(list.buffer).setUint32(4, size, true);
  list.set(enc.encode('INFO'), 8);
  let o = 12;
  for (const s of subs) {
    list.set(s, o);
    o += s.length;
  }
  return [list];
}

/** FLAC blocks for the output: the input's own, or Vorbis comments built from its (WAV) tags. */
export function flacBlocksFor(meta: AudioMetadata, vendor: string): { type: number; body: Uint8Array }[] {
  if (meta.flacBlocks.length > 0) return meta.flacBlocks;
  if (meta.tags.length === 0) return [];
  const enc = new TextEncoder();
  const v = enc.encode(vendor);
  const items = meta.tags.map(([k, val]) => enc.encode(`${k}=${val}`));
  const body = new Uint8Array(4 + v.length + 4 + items.reduce((s, b) => s + 4 + b.length, 0));
  const dv = new DataView(body.buffer);
  dv.setUint32(0, v.length, true);
  body.set(v, 4);
  let o = 4 + v.length;
  dv.setUint32(o, items.length, true);
  o += 4;
  for (const it of items) {
    dv.setUint32(o, it.length, true);
    body.set(it, o + 4);
    o += 4 + it.length;
  }
  return [{ type: 4, body }];
}
