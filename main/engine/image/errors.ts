// Turn failures from the file system and libvips into HushErrors a person can act on.
import { stat, access, constants, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { HushError } from '../types.ts';

/**
 * Check that `path` is a readable, non-empty regular file before handing it to libvips, whose own
 * messages for these cases ("Input file is missing", "Input Buffer is empty") are less helpful.
 */
export async function assertReadableFile(path: string): Promise<number> {
  const name = basename(path);
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new HushError('unreadable', `${name} is a folder, not an image file`);
    if (!st.isFile()) throw new HushError('unreadable', `${name} is not a regular file`);
    size = st.size;
    await access(path, constants.R_OK);
  } catch (err) {
    if (err instanceof HushError) throw err;
    throw fsError(err, path, 'read');
  }
  if (size === 0) throw new HushError('empty-file', `${name} is empty (0 bytes)`);
  return size;
}

/** HushError for a failed fs call on `path`. */
export function fsError(err: unknown, path: string, verb: 'read' | 'write'): HushError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const name = basename(path);
  if (verb === 'read') {
    if (code === 'ENOENT') return new HushError('unreadable', `${name} does not exist`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') return new HushError('unreadable', `${name} cannot be read (permission denied)`, { cause: err });
    return new HushError('unreadable', `${name} cannot be read: ${messageOf(err)}`, { cause: err });
  }
  if (code === 'ENOSPC') return new HushError('output-unwritable', `no space left to write ${name}`, { cause: err });
  if (code === 'EDQUOT') return new HushError('output-unwritable', `disk quota exceeded writing ${name}`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new HushError('output-unwritable', `cannot write ${name}: the folder is read-only or not permitted`, { cause: err });
  }
  if (code === 'ENOENT') return new HushError('output-unwritable', `cannot write ${name}: its folder does not exist`, { cause: err });
  if (code === 'ENOTDIR') return new HushError('output-unwritable', `cannot write ${name}: its folder is not a folder`, { cause: err });
  return new HushError('output-unwritable', `cannot write ${name}: ${messageOf(err)}`, { cause: err });
}

/** Classify an error thrown by sharp/libvips while decoding `path`. */
export function decodeError(err: unknown, path: string): HushError {
  if (err instanceof HushError) return err;
  const msg = messageOf(err);
  const name = basename(path);
  if (/unsupported image format/i.test(msg)) {
    return new HushError('unsupported-format', `${name} is not an image Hush can read (its content is not JPEG, PNG, WebP, TIFF, AVIF, HEIF or GIF)`, { cause: err });
  }
  if (/pixel limit/i.test(msg)) {
    return new HushError('too-large', `${name} has more pixels than Hush will decode (decompression-bomb guard)`, { cause: err });
  }
  if (/Input file is missing/i.test(msg)) return new HushError('unreadable', `${name} does not exist`, { cause: err });
  if (/compression format has not been built in|No decoding plugin|Unsupported compression|heif.*(unsupported|not supported)/i.test(msg)) {
    return new HushError('unsupported-format', `${name} uses a codec this build cannot decode (${firstLine(msg)})`, { cause: err });
  }
  if (/premature end|truncat|read error|unexpected end|corrupt|invalid|bad|not enough|out of order|extraneous|error reading|short read/i.test(msg)) {
    return new HushError('corrupt-file', `${name} is damaged or incomplete (${firstLine(msg)})`, { cause: err });
  }
  return new HushError('corrupt-file', `${name} could not be decoded (${firstLine(msg)})`, { cause: err });
}

/** Classify an error thrown by sharp/libvips while encoding to `path`. */
export function encodeError(err: unknown, path: string): HushError {
  if (err instanceof HushError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code) return fsError(err, path, 'write');
  const msg = messageOf(err);
  if (/No space left|ENOSPC/i.test(msg)) return new HushError('output-unwritable', `no space left to write ${basename(path)}`, { cause: err });
  if (/No such file or directory|Not a directory|unable to open .* for writing/i.test(msg)) {
    return new HushError('output-unwritable', `cannot write ${basename(path)}: its folder does not exist or cannot be written`, { cause: err });
  }
  if (/Permission denied|Read-only/i.test(msg)) return new HushError('output-unwritable', `cannot write ${basename(path)}: permission denied`, { cause: err });
  if (/too large|maximum.*dimension|exceeds/i.test(msg)) return new HushError('too-large', `${basename(path)}: image too large for this output format (${firstLine(msg)})`, { cause: err });
  return new HushError('internal', `encoding ${basename(path)} failed: ${firstLine(msg)}`, { cause: err });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

const SIGNATURES: Array<[string, (b: Buffer) => boolean]> = [
  ['JPEG', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['PNG', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['TIFF', (b) => (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a)],
  ['GIF', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  ['WebP', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
  ['HEIF/AVIF', (b) => b.subarray(4, 8).toString('latin1') === 'ftyp'],
];

/** Which image format the first bytes of `path` announce, if any (to tell damaged from foreign files). */
export async function sniffSignature(path: string): Promise<string | undefined> {
  try {
    const fh = await open(path, 'r');
    try {
      const b = Buffer.alloc(16);
      const { bytesRead } = await fh.read(b, 0, 16, 0);
      const head = b.subarray(0, bytesRead);
      return head.length >= 4 ? SIGNATURES.find(([, test]) => test(head))?.[0] : undefined;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/** decodeError, except that a file with an image signature libvips cannot parse is called damaged. */
export async function decodeErrorFor(err: unknown, path: string): Promise<HushError> {
  const h = decodeError(err, path);
  if (h.code === 'unsupported-format' && /not an image Hush can read/.test(h.message)) {
    const kind = await sniffSignature(path);
    if (kind) return new HushError('corrupt-file', `${basename(path)} starts like a ${kind} file but is damaged or incomplete`, { cause: err });
  }
  return h;
}
