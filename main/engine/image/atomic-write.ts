// Outputs appear all at once or not at all: written under a hidden temporary name in the target
// folder (same file system, so rename is atomic) and renamed into place. Inputs are never targets.
import { randomBytes } from 'node:crypto';
import { access, constants, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { HushError } from '../types.ts';
import { fsError } from './errors.ts';

/** Throw 'would-overwrite-input' if `output` is `input` (same path, symlink or hard link). */
export async function assertNotInput(input: string, output: string): Promise<void> {
  const a = resolve(input);
  const b = resolve(output);
  const refuse = (): never => {
    throw new HushError('would-overwrite-input', `refusing to write ${basename(output)}: it is the input file itself`);
  };
  if (a === b) refuse();
  const [ra, rb] = await Promise.all([realpath(a).catch(() => a), realpath(b).catch(() => b)]);
  if (ra === rb) refuse();
  const [sa, sb] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  if (sa && sb && sa.dev === sb.dev && sa.ino === sb.ino) refuse();
}

/** Throw 'output-unwritable' unless the folder `output` goes into exists and may be written. */
export async function assertWritableFolder(output: string): Promise<void> {
  const folder = dirname(resolve(output));
  try {
    const st = await stat(folder);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(folder, constants.W_OK);
  } catch (err) {
    throw fsError(err, output, 'write');
  }
}

/** A hidden temporary path next to `output`, keeping its extension. */
export function temporaryPathFor(output: string): string {
  const ext = extname(output);
  const stem = basename(output, ext);
  return join(dirname(resolve(output)), `.${stem}.hush-${randomBytes(6).toString('hex')}.partial${ext}`);
}

/**
 * Run `write(tmp)` and rename the result onto `output`. On any failure (or cancel) the temporary file
 * is removed and `output` is left as it was.
 */
export async function writeAtomically<T>(output: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = temporaryPathFor(output);
  await assertWritableFolder(output);
  try {
    const result = await write(tmp);
    try {
      await rename(tmp, resolve(output));
    } catch (err) {
      throw fsError(err, output, 'write');
    }
    return result;
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
