// Decoded pixels on disk in libvips' native .v format: a 64-byte header, the raw interleaved pixels,
// then an XML block with the image's metadata (ICC profile, EXIF, XMP as base64 blobs). sharp both
// writes and reads it, so the pipeline decodes once to a .v, denoises it band by band with plain
// positioned reads/writes, and encodes from a .v copy whose metadata libvips carries over byte for
// byte. This is how ICC profiles survive without a colour transform (sharp can only attach a profile
// to raw pixels by converting to it), and why memory stays bounded by the tile band.
import { open, type FileHandle } from 'node:fs/promises';
import { HushError } from '../types.ts';
import { packColorRows, type PixelArray, type PixelRaster } from './raster.ts';

const HEADER_BYTES = 64;
const MAGIC_LITTLE_ENDIAN = Buffer.from([0xb6, 0xa6, 0xf2, 0x08]);
const BANDFMT_UCHAR = 0;
const BANDFMT_USHORT = 2;

export interface VipsHeader {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly depth: 8 | 16;
}

export function parseVipsHeader(buf: Buffer): VipsHeader {
  if (buf.length < HEADER_BYTES || !buf.subarray(0, 4).equals(MAGIC_LITTLE_ENDIAN)) {
    throw new HushError('internal', 'intermediate .v file has an unexpected header');
  }
  const width = buf.readInt32LE(4);
  const height = buf.readInt32LE(8);
  const bands = buf.readInt32LE(12);
  const fmt = buf.readInt32LE(20);
  const coding = buf.readInt32LE(24);
  if (coding !== 0 || (fmt !== BANDFMT_UCHAR && fmt !== BANDFMT_USHORT) || bands < 1 || bands > 4) {
    throw new HushError('internal', `intermediate .v file has unsupported layout (bands ${bands}, format ${fmt}, coding ${coding})`);
  }
  return { width, height, channels: bands as 1 | 2 | 3 | 4, depth: fmt === BANDFMT_USHORT ? 16 : 8 };
}

export async function readVipsHeader(path: string): Promise<VipsHeader> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    await fh.read(buf, 0, HEADER_BYTES, 0);
    return parseVipsHeader(buf);
  } finally {
    await fh.close();
  }
}

/**
 * Reads rows from `sourcePath` and writes colour rows into `outputPath` (a byte copy of the source,
 * so alpha and metadata are already in place). Call close() when done.
 */
export class VipsFileRaster implements PixelRaster {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly depth: 8 | 16;
  private readonly bytesPerRow: number;

  private constructor(header: VipsHeader, private readonly src: FileHandle, private readonly dst: FileHandle) {
    this.width = header.width;
    this.height = header.height;
    this.channels = header.channels;
    this.depth = header.depth;
    this.bytesPerRow = header.width * header.channels * (header.depth / 8);
  }

  static async open(sourcePath: string, outputPath: string): Promise<VipsFileRaster> {
    const header = await readVipsHeader(sourcePath);
    const src = await open(sourcePath, 'r');
    try {
      const dst = await open(outputPath, 'r+');
      return new VipsFileRaster(header, src, dst);
    } catch (err) {
      await src.close();
      throw err;
    }
  }

  async readRows(y0: number, count: number): Promise<PixelArray> {
    return this.read(this.src, y0, count);
  }

  async writeColorRows(y0: number, count: number, rgb: Float32Array): Promise<void> {
    // Read-modify-write keeps the alpha channel of the destination rows untouched.
    const rows = await this.read(this.dst, y0, count);
    packColorRows(rgb, rows, this, count * this.width);
    const bytes = Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength);
    await writeFully(this.dst, bytes, HEADER_BYTES + y0 * this.bytesPerRow);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.src.close(), this.dst.close()]);
  }

  private async read(fh: FileHandle, y0: number, count: number): Promise<PixelArray> {
    const n = count * this.bytesPerRow;
    // Uint16 views need 2-byte alignment: allocate a fresh ArrayBuffer rather than a pooled Buffer.
    const ab = new ArrayBuffer(n);
    const bytes = new Uint8Array(ab);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await fh.read(bytes, done, n - done, HEADER_BYTES + y0 * this.bytesPerRow + done);
      if (bytesRead === 0) throw new HushError('internal', 'intermediate .v file ended early');
      done += bytesRead;
    }
    return this.depth === 16 ? new Uint16Array(ab) : bytes;
  }
}

async function writeFully(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

