// Read-only random access to an input file. Originals are only ever opened with flag 'r'.
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { HushError } from '../types.ts';

export interface FileSource {
  readonly path: string;
  /** File name for messages (no directories: messages may reach logs and the UI). */
  readonly name: string;
  readonly size: number;
  readAt(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Maps a Node fs error to a HushError a person can act on. */
export function fsErrorToHush(e: unknown, path: string, writing = false): HushError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const name = basename(path);
  if (e instanceof HushError) return e;
  if (writing) {
    if (code === 'ENOSPC') return new HushError('output-unwritable', `No space left on the device to write ${name}.`, { cause: e });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new HushError('output-unwritable', `Cannot write ${name}: permission denied or read-only folder.`, { cause: e });
    if (code === 'ENOENT' || code === 'ENOTDIR') return new HushError('output-unwritable', `Cannot write ${name}: the output folder does not exist.`, { cause: e });
    return new HushError('output-unwritable', `Cannot write ${name}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  if (code === 'ENOENT') return new HushError('unreadable', `${name} does not exist.`, { cause: e });
  if (code === 'EACCES' || code === 'EPERM') return new HushError('unreadable', `${name} cannot be read: permission denied.`, { cause: e });
  if (code === 'EISDIR') return new HushError('unreadable', `${name} is a folder, not a file.`, { cause: e });
  return new HushError('unreadable', `${name} cannot be read: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

export async function openFileSource(path: string): Promise<FileSource> {
  let fh: FileHandle;
  let size: number;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    size = st.size;
  } catch (e) {
    throw fsErrorToHush(e, path);
  }
  const name = basename(path);
  return {
    path,
    name,
    size,
    async readAt(position, length) {
      const n = Math.max(0, Math.min(length, size - position));
      const buf = new Uint8Array(n);
      let got = 0;
      try {
        while (got < n) {
          const { bytesRead } = await fh.read(buf, got, n - got, position + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
      } catch (e) {
        throw fsErrorToHush(e, path);
      }
      return got === n ? buf : buf.subarray(0, got);
    },
    async close() {
      await fh.close().catch(() => undefined);
    },
  };
}
