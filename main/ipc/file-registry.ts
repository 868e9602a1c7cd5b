// The only way a path reaches the engine from the UI: files and folders the user granted (dropped,
// picked in a dialog, or uploaded to the web bridge) get opaque ids here, and every later request
// names those ids. Paths are realpath'd when granted and re-checked when used, so a forged id, a
// `..` segment or a symlink swapped in afterwards never reaches a file the user did not choose.
import { randomBytes } from 'node:crypto';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { kindOfExtension, type AddFilesResult, type FileEntry, type OutputFolder } from './contract.ts';
import { IpcFailure } from './ipc-failure.ts';
import type { MediaKind } from '../engine/types.ts';

export type GrantOrigin = 'drop' | 'dialog' | 'upload';

export interface GrantedFile extends FileEntry {
  /** Real path (symlinks resolved) at the time of the grant. */
  readonly realPath: string;
  readonly origin: GrantOrigin;
}

export interface FileRegistryOptions {
  /** Most files one folder grant may add (a dropped home folder must not hang the app). */
  readonly maxFolderFiles?: number;
  /** Deepest folder level walked below a granted folder. */
  readonly maxDepth?: number;
}

const newId = (prefix: 'f' | 'o' | 'd'): string => `${prefix}_${randomBytes(12).toString('base64url')}`;

/** Rejects what no dialog, drop or upload produces: relative paths, `..` segments, NUL bytes. */
export function checkGrantablePath(p: string): string | null {
  if (p.length === 0 || p.length > 4096) return 'path is empty or too long';
  if (p.includes('\0')) return 'path contains a NUL byte';
  if (!path.isAbsolute(p)) return 'path is not absolute';
  if (p.split(/[\\/]+/).some((seg) => seg === '..')) return 'path contains a ".." segment';
  return null;
}

const isInside = (child: string, root: string): boolean => child === root || child.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

export class FileRegistry {
  private readonly inputs = new Map<string, GrantedFile>();
  private readonly byRealPath = new Map<string, string>();
  private readonly outputs = new Map<string, string>();
  private readonly folders = new Map<string, string>();
  private readonly maxFolderFiles: number;
  private readonly maxDepth: number;

  constructor(options: FileRegistryOptions = {}) {
    this.maxFolderFiles = options.maxFolderFiles ?? 5000;
    this.maxDepth = options.maxDepth ?? 12;
  }

  /**
   * Grant paths the user dropped or picked. Folders are walked for supported files; symlinks inside
   * a folder are followed only when they stay inside it. `displayNames` overrides the shown name
   * (uploads live under a temp name).
   */
  async addPaths(paths: readonly string[], origin: GrantOrigin, displayNames?: readonly string[]): Promise<AddFilesResult> {
    const result: { added: FileEntry[]; rejected: { name: string; reason: string }[] } = { added: [], rejected: [] };
    for (const [i, raw] of paths.entries()) {
      const shownName = displayNames?.[i] ?? path.basename(raw);
      const problem = checkGrantablePath(raw);
      if (problem) {
        result.rejected.push({ name: shownName, reason: problem });
        continue;
      }
      let real: string;
      try {
        real = await realpath(raw);
      } catch {
        result.rejected.push({ name: shownName, reason: 'file not found or not readable' });
        continue;
      }
      const st = await stat(real).catch(() => null);
      if (st?.isDirectory()) {
        if (origin === 'upload') {
          result.rejected.push({ name: shownName, reason: 'not a file' });
          continue;
        }
        await this.addFolder(real, origin, result);
      } else if (st?.isFile()) {
        this.addFile(real, st.size, origin, shownName, origin === 'upload' ? shownName : raw, result);
      } else {
        result.rejected.push({ name: shownName, reason: 'not a regular file' });
      }
    }
    return result;
  }

  private addFile(
    real: string,
    size: number,
    origin: GrantOrigin,
    name: string,
    displayPath: string,
    result: { added: FileEntry[]; rejected: { name: string; reason: string }[] },
  ): void {
    const ext = path.extname(name).slice(1).toLowerCase();
    const kind: MediaKind | null = kindOfExtension(ext);
    if (!kind) {
      result.rejected.push({ name, reason: ext ? `.${ext} files are not supported` : 'files without an extension are not supported' });
      return;
    }
    if (size === 0) {
      result.rejected.push({ name, reason: 'the file is empty' });
      return;
    }
    if (this.byRealPath.has(real)) {
      result.rejected.push({ name, reason: 'already in the list' });
      return;
    }
    const id = newId('f');
    const entry: GrantedFile = { id, name, kind, ext, sizeBytes: size, displayPath, realPath: real, origin };
    this.inputs.set(id, entry);
    this.byRealPath.set(real, id);
    result.added.push(toEntry(entry));
  }

  private async addFolder(root: string, origin: GrantOrigin, result: { added: FileEntry[]; rejected: { name: string; reason: string }[] }): Promise<void> {
    let budget = this.maxFolderFiles;
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (depth > this.maxDepth || budget <= 0) return;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
      if (!entries) {
        result.rejected.push({ name: path.basename(dir), reason: 'folder not readable' });
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (budget <= 0) {
          result.rejected.push({ name: path.basename(root), reason: `only the first ${this.maxFolderFiles} files of the folder were added` });
          return;
        }
        if (e.name.startsWith('.')) continue; // hidden files and folders (.DS_Store, .git …)
        const full = path.join(dir, e.name);
        let real = full;
        if (e.isSymbolicLink()) {
          const target = await realpath(full).catch(() => null);
          if (!target || !isInside(target, root)) {
            result.rejected.push({ name: e.name, reason: 'link points outside the folder' });
            continue;
          }
          real = target;
        }
        const st = await stat(real).catch(() => null);
        if (st?.isDirectory()) {
          if (e.isSymbolicLink()) continue; // its target is inside the root and walked there; avoids loops
          await walk(real, depth + 1);
        } else if (st?.isFile()) {
          if (!kindOfExtension(path.extname(e.name))) continue; // folders hold other files; not an error
          const before = result.added.length;
          this.addFile(real, st.size, origin, e.name, full, result);
          if (result.added.length > before) budget--;
        }
      }
    };
    await walk(root, 0);
  }

  list(): FileEntry[] {
    return [...this.inputs.values()].map(toEntry);
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const f = this.inputs.get(id);
      if (!f) continue;
      this.inputs.delete(id);
      this.byRealPath.delete(f.realPath);
    }
  }

  /** The granted file behind an id, re-verified: still a regular file at the same real path. */
  async resolveInput(id: string): Promise<GrantedFile> {
    const f = this.inputs.get(id);
    if (!f) throw new IpcFailure('unknown-file', 'That file is not in the list (it may have been removed).');
    await assertUnchanged(f.realPath, 'file');
    return f;
  }

  /** True when `p` (already real) is a granted input: outputs must never land there. */
  isInput(realPath: string): boolean {
    return this.byRealPath.has(realPath);
  }

  inputRealPaths(): string[] {
    return [...this.byRealPath.keys()];
  }

  /** Grant a folder the user chose for outputs (dialog, or the web bridge's fixed folder). */
  async grantOutputFolder(p: string): Promise<OutputFolder> {
    const problem = checkGrantablePath(p);
    if (problem) throw new IpcFailure('forbidden-path', `Output folder refused: ${problem}.`);
    const real = await realpath(p).catch(() => null);
    const st = real ? await stat(real).catch(() => null) : null;
    if (!real || !st?.isDirectory()) throw new IpcFailure('output-unwritable', `The output folder ${p} does not exist.`);
    for (const [id, existing] of this.folders) if (existing === real) return { id, displayPath: real };
    const id = newId('d');
    this.folders.set(id, real);
    return { id, displayPath: real };
  }

  async resolveOutputFolder(id: string): Promise<string> {
    const real = this.folders.get(id);
    if (!real) throw new IpcFailure('unknown-file', 'That output folder was not chosen in this session; choose it again.');
    await assertUnchanged(real, 'folder');
    return real;
  }

  /** Record a file the app wrote, so the UI can reveal it by id. Only paths inside a granted folder. */
  registerOutput(p: string): string {
    const inFolder = [...this.folders.values()].some((f) => isInside(path.resolve(p), f));
    if (!inFolder) throw new IpcFailure('forbidden-path', 'Outputs are only recorded inside a chosen output folder.');
    for (const [id, existing] of this.outputs) if (existing === p) return id;
    const id = newId('o');
    this.outputs.set(id, p);
    return id;
  }

  /** Path of an input or output id, for revealing it in the file manager. */
  async resolveRevealable(id: string): Promise<string> {
    if (id.startsWith('o_')) {
      const p = this.outputs.get(id);
      if (!p) throw new IpcFailure('unknown-file', 'Unknown output file.');
      return p;
    }
    return (await this.resolveInput(id)).realPath;
  }
}

function toEntry(f: GrantedFile): FileEntry {
  return { id: f.id, name: f.name, kind: f.kind, ext: f.ext, sizeBytes: f.sizeBytes, displayPath: f.displayPath };
}

/** Refuse a granted path that was replaced by a symlink or something else since it was granted. */
async function assertUnchanged(real: string, what: 'file' | 'folder'): Promise<void> {
  const st = await lstat(real).catch(() => null);
  if (!st) throw new IpcFailure('unreadable', `The ${what} ${path.basename(real)} is gone or not readable any more.`);
  if (st.isSymbolicLink()) throw new IpcFailure('forbidden-path', `The ${what} ${path.basename(real)} was replaced by a link since it was added.`);
  if (what === 'file' ? !st.isFile() : !st.isDirectory()) throw new IpcFailure('forbidden-path', `${path.basename(real)} is no longer a ${what}.`);
  const again = await realpath(real).catch(() => null);
  if (again !== real) throw new IpcFailure('forbidden-path', `The ${what} ${path.basename(real)} moved behind a link since it was added.`);
}
