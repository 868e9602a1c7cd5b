// Outputs are written to a hidden temporary file next to the destination and renamed into place
// only when complete, so a crash, a cancel or a full disk never leaves a half-written output.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsErrorToHush } from './file-source.ts';

export interface AtomicFile {
  readonly finalPath: string;
  readonly tempPath: string;
  /** Writes at `position`, or appends after the last append when omitted. */
  write(bytes: Uint8Array, position?: number): Promise<void>;
  /** Bytes appended so far. */
  readonly size: number;
  /** Flushes, closes and renames over `finalPath`. */
  commit(): Promise<void>;
  /** Closes and deletes the temporary file (safe to call twice or after commit). */
  abort(): Promise<void>;
}

/** Temp files are recognisable (and can be cleaned up by a later run) by this suffix. */
export const TEMP_SUFFIX = '.hush-partial';

export async function createAtomicFile(finalPath: string): Promise<AtomicFile> {
  // Keep the temp name within NAME_MAX (255 bytes) even for very long output names.
  const stem = Buffer.from(basename(finalPath)).subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '');
  const tempPath = join(dirname(finalPath), `.${stem}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  let fh: FileHandle;
  try {
    fh = await open(tempPath, 'wx');
  } catch (e) {
    throw fsErrorToHush(e, finalPath, true);
  }
  let size = 0;
  let state: 'open' | 'committed' | 'aborted' = 'open';
  return {
    finalPath,
    tempPath,
    get size() {
      return size;
    },
    async write(bytes, position) {
      const at = position ?? size;
      try {
        let done = 0;
        while (done < bytes.length) {
          const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, at + done);
          done += bytesWritten;
        }
      } catch (e) {
        throw fsErrorToHush(e, finalPath, true);
      }
      if (position === undefined) size += bytes.length;
    },
    async commit() {
      if (state !== 'open') throw new Error(`atomic file already ${state}`);
      try {
        await fh.sync();
        await fh.close();
        await rename(tempPath, finalPath);
        state = 'committed';
      } catch (e) {
        state = 'aborted';
        await unlink(tempPath).catch(() => undefined);
        throw fsErrorToHush(e, finalPath, true);
      }
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      await fh.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
    },
  };
}
