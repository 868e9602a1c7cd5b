// Where a batch's outputs go, and how they get there safely:
// - the name is the input's base name (or a pattern of it) inside the output folder, with the
//   extension of the output format;
// - an input of the batch is never a target: detected by file identity (device + inode), so
//   symlinks, `..`, case-insensitive file systems and hard links cannot sneak one past;
// - two files of one batch never share an output; an existing file gets a unique name (`x-1.jpg`)
//   unless the caller asked to overwrite previous outputs;
// - the encoder writes a hidden temp file next to the target, renamed into place only when it is
//   complete, so a crash or cancel never leaves a half-written output under the real name.
import { randomBytes } from 'node:crypto';
import { link, lstat, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { HushError, type OutputFormat } from '../types.ts';

/** Marks temp files: `.<name>.hush-partial-<pid>-<random><ext>`. The pid lets a parent sweep a dead process's leftovers. */
export const PARTIAL_MARK = '.hush-partial-';

const EXTENSIONS: Readonly<Record<OutputFormat, readonly string[]>> = {
  jpeg: ['.jpg', '.jpeg', '.jpe', '.jfif'],
  png: ['.png'],
  webp: ['.webp'],
  tiff: ['.tif', '.tiff'],
  avif: ['.avif'],
  // Hush writes HEIF with AV1 (libvips' prebuilt binaries have no HEVC encoder): never '.heic'.
  heif: ['.heif'],
  wav: ['.wav', '.wave'],
  flac: ['.flac'],
};

/** Output extension: the input's own when it already names the format (`.JPEG` stays), else the usual one. */
export function extensionFor(format: OutputFormat, inputPath: string): string {
  const ext = path.extname(inputPath);
  return EXTENSIONS[format].includes(ext.toLowerCase()) ? ext : EXTENSIONS[format][0];
}

export interface NameTokens {
  /** Input file name without its extension. */
  readonly name: string;
  /** 0-based position in the batch ({index} prints it 1-based). */
  readonly index: number;
  /** σ or dB applied, when known. */
  readonly strength?: number;
  readonly date?: Date;
}

/** Most bytes of a base name we produce; leaves room for `-NNN`, the extension and temp decorations under 255. */
const MAX_BASE_BYTES = 180;

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}

/** Expand a name pattern: {name}, {ext}, {index}, {strength}, {date}. Path separators are replaced. */
export function expandPattern(pattern: string, inputPath: string, tokens: NameTokens): string {
  const date = tokens.date ?? new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  const strength = tokens.strength === undefined ? 'auto' : String(Math.round(tokens.strength * 10) / 10);
  const expanded = pattern
    .replaceAll('{name}', tokens.name)
    .replaceAll('{ext}', path.extname(inputPath).slice(1))
    .replaceAll('{index}', String(tokens.index + 1))
    .replaceAll('{strength}', strength)
    .replaceAll('{date}', `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`)
    .replace(/[/\\\0]/g, '_');
  const safe = expanded === '' || expanded === '.' || expanded === '..' ? `output-${tokens.index + 1}` : expanded;
  return truncateUtf8(safe, MAX_BASE_BYTES);
}

type Identity = string; // `${dev}:${ino}`

async function identityOf(p: string): Promise<Identity | undefined> {
  try {
    const s = await stat(p);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

export type Claim =
  | { readonly kind: 'target'; readonly path: string }
  | { readonly kind: 'skip'; readonly path: string; readonly reason: string };

/** Hands out output paths for one batch, and puts finished temp files in place. */
export class OutputPlanner {
  private readonly taken = new Set<string>();
  private inputIds: Set<Identity> | undefined;

  constructor(
    private readonly inputs: readonly string[],
    private readonly options: { readonly overwrite: boolean; readonly skipExisting: boolean; readonly reserved?: readonly string[] },
  ) {
    for (const r of options.reserved ?? []) this.taken.add(path.resolve(r));
  }

  private async inputIdentities(): Promise<Set<Identity>> {
    if (!this.inputIds) {
      const ids = await Promise.all(this.inputs.map(identityOf));
      this.inputIds = new Set(ids.filter((x): x is Identity => x !== undefined));
    }
    return this.inputIds;
  }

  /** True when `p` is (the same file as) an input of this batch. */
  async isInput(p: string): Promise<boolean> {
    const id = await identityOf(p);
    if (id !== undefined) return (await this.inputIdentities()).has(id);
    const resolved = path.resolve(p);
    return this.inputs.some((i) => path.resolve(i) === resolved);
  }

  /**
   * Choose where `base + ext` goes in `dir`. With skipExisting, an existing (non-input) file of
   * that name means "already done". With overwrite, an existing file that is not an input is
   * replaced; an input never is (error). Otherwise the first free `base-N + ext` is used.
   */
  async claim(dir: string, base: string, ext: string): Promise<Claim> {
    const plain = path.resolve(dir, base + ext);
    const plainIsInput = await this.isInput(plain);
    if (!this.taken.has(plain)) {
      if (this.options.skipExisting && !plainIsInput && (await exists(plain))) {
        return { kind: 'skip', path: plain, reason: 'output already exists' };
      }
      if (plainIsInput && this.options.overwrite) {
        throw new HushError('would-overwrite-input', `refusing to overwrite the input ${plain}; choose another output folder or name pattern`);
      }
      if (!plainIsInput && (this.options.overwrite || !(await exists(plain)))) {
        this.taken.add(plain);
        return { kind: 'target', path: plain };
      }
    }
    return { kind: 'target', path: await this.unique(dir, base, ext) };
  }

  /** The first `base-N + ext` that is neither taken in this batch nor on disk. */
  private async unique(dir: string, base: string, ext: string): Promise<string> {
    for (let n = 1; n < 100_000; n++) {
      const candidate = path.resolve(dir, `${base}-${n}${ext}`);
      if (this.taken.has(candidate) || (await exists(candidate))) continue;
      this.taken.add(candidate);
      return candidate;
    }
    throw new HushError('output-exists', `no free output name for ${base}${ext} in ${dir}`);
  }

  release(p: string): void {
    this.taken.delete(path.resolve(p));
  }

  /** A hidden temp path next to `target`, keeping its extension (encoders may look at it). */
  static tempFor(target: string): string {
    const ext = path.extname(target);
    const base = truncateUtf8(path.basename(target, ext), 100);
    return path.join(path.dirname(target), `.${base}${PARTIAL_MARK}${process.pid}-${randomBytes(4).toString('hex')}${ext}`);
  }

  /**
   * Move a finished temp file into place. Without overwrite the move never replaces a file that
   * appeared meanwhile (hard link, which fails if the name exists); the next free name is used
   * instead. Returns the final path.
   */
  async commit(temp: string, target: string): Promise<string> {
    let final = target;
    if (await this.isInput(final)) {
      throw new HushError('would-overwrite-input', `refusing to overwrite the input ${final}`);
    }
    if (this.options.overwrite) {
      await rename(temp, final);
      return final;
    }
    for (;;) {
      try {
        await link(temp, final);
        await unlink(temp);
        return final;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          this.release(final);
          const ext = path.extname(target);
          final = await this.unique(path.dirname(target), path.basename(target, ext), ext);
          continue;
        }
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EXDEV') {
          // No hard links here (FAT, exFAT, some network shares): check, then rename.
          if (await exists(final)) {
            this.release(final);
            const ext = path.extname(target);
            final = await this.unique(path.dirname(target), path.basename(target, ext), ext);
          }
          await rename(temp, final);
          return final;
        }
        throw err;
      }
    }
  }
}
