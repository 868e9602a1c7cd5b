// Turning a drop into File objects. In Electron the preload maps each File (folders included) to its
// path and main expands folders; in a browser a folder's File has no bytes, so we walk it here.
import { kindOfExtension } from '../../../main/ipc/contract.ts';

/** Folder walking stops here: a dropped home folder must not freeze the page. */
const MAX_WALKED_FILES = 5000;

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: File[], depth: number): Promise<void> {
  if (out.length >= MAX_WALKED_FILES) return;
  if (entry.isFile) {
    // Only media the app accepts: a folder of mixed documents should not produce a wall of errors.
    const ext = entry.name.split('.').pop() ?? '';
    if (kindOfExtension(ext)) out.push(await entryFile(entry as FileSystemFileEntry));
  } else if (entry.isDirectory && depth < 16) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await readBatch(reader);
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, out, depth + 1);
    }
  }
}

/** Files of a drop. `expandFolders`: walk dropped folders here (browser); else pass them through. */
export async function filesFromDrop(dt: DataTransfer, expandFolders: boolean): Promise<File[]> {
  if (!expandFolders) return Array.from(dt.files);
  const entries: FileSystemEntry[] = [];
  const plain: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry?.isDirectory) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) plain.push(f);
    }
  }
  const out = [...plain];
  for (const e of entries) await walk(e, out, 0);
  return out;
}

export function dragHasFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
}
