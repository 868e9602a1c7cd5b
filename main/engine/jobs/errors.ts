// Turn anything a pipeline throws into a typed, one-line error a person can act on.
import { HushError, type ErrorCode } from '../types.ts';
import type { ErrorInfo } from './events.ts';

const ERROR_CODES: readonly ErrorCode[] = [
  'unsupported-format', 'corrupt-file', 'empty-file', 'too-large', 'unreadable', 'output-exists',
  'output-unwritable', 'would-overwrite-input', 'cancelled', 'engine-crashed', 'internal',
];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Errors of Node's fs calls carry a `code` and a `syscall`; map the ones users can meet. */
function fsErrorInfo(err: NodeJS.ErrnoException): ErrorInfo | null {
  const where = err.path ? `: ${err.path}` : '';
  switch (err.code) {
    case 'ENOENT':
      return { code: 'unreadable', message: `file not found${where}` };
    case 'EACCES':
    case 'EPERM': {
      // Reading is done with open/read; the engine writes with open(temp)/rename/link/mkdir and
      // wraps its own writes, so a bare EACCES here is about reading unless the syscall says not.
      const writing = ['rename', 'link', 'mkdir', 'copyfile', 'unlink', 'write'].includes(err.syscall ?? '');
      return { code: writing ? 'output-unwritable' : 'unreadable', message: `permission denied${where}` };
    }
    case 'EISDIR':
      return { code: 'unreadable', message: `is a folder, not a file${where}` };
    case 'ENOSPC':
      return { code: 'output-unwritable', message: `no space left on the output device${where}` };
    case 'EROFS':
      return { code: 'output-unwritable', message: `the output folder is on a read-only file system${where}` };
    case 'EDQUOT':
      return { code: 'output-unwritable', message: `disk quota exceeded${where}` };
    case 'ENAMETOOLONG':
      return { code: 'output-unwritable', message: `file name too long${where}` };
    default:
      return null;
  }
}

export function isAbortError(err: unknown): boolean {
  return (
    (err instanceof HushError && err.code === 'cancelled') ||
    (err instanceof Error && (err.name === 'AbortError' || (err as NodeJS.ErrnoException).code === 'ABORT_ERR'))
  );
}

export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof HushError) return { code: err.code, message: oneLine(err.message) };
  if (isAbortError(err)) return { code: 'cancelled', message: 'cancelled' };
  if (err instanceof Error) {
    const errno = err as NodeJS.ErrnoException;
    if (typeof errno.code === 'string') {
      const info = fsErrorInfo(errno);
      if (info) return { code: info.code, message: oneLine(info.message) };
    }
    // RangeError "Array buffer allocation failed" and friends: the file was too big for memory.
    if (err instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer/i.test(err.message)) {
      return { code: 'too-large', message: oneLine(`not enough memory for this file (${err.message})`) };
    }
    return { code: 'internal', message: oneLine(err.message || err.name) };
  }
  return { code: 'internal', message: oneLine(String(err)) };
}

export function toHushError(err: unknown): HushError {
  if (err instanceof HushError) return err;
  const info = toErrorInfo(err);
  return new HushError(info.code, info.message, { cause: err });
}
