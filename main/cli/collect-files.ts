// Expand the command line's files and folders into the list of files to denoise. Files named
// explicitly are always attempted (the engine judges them by content and reports what it cannot
// read); inside folders only files with a media extension are picked, hidden files and Hush's own
// temp files are left alone, and the output folder is never scanned (re-runs would eat outputs).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PARTIAL_MARK } from '../engine/jobs/output-naming.ts';

export const MEDIA_EXTENSIONS = new Set([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.avif', '.heic', '.heif', '.gif',
  '.wav', '.wave', '.flac', '.mp3', '.ogg', '.oga',
]);

export interface Collected {
  readonly files: string[];
  /** Arguments that name nothing; reported as failures so a typo cannot pass silently. */
  readonly missing: string[];
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export async function collectFiles(inputs: readonly string[], options: { recursive: boolean; outDir: string }): Promise<Collected> {
  const outDir = path.resolve(options.outDir);
  const seen = new Set<string>();
  const files: string[] = [];
  const missing: string[] = [];
  const add = (p: string): void => {
    const abs = path.resolve(p);
    if (!seen.has(abs)) {
      seen.add(abs);
      files.push(abs);
    }
  };
  const walk = async (dir: string): Promise<void> => {
    if (isInside(dir, outDir)) return;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.includes(PARTIAL_MARK)) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (options.recursive) await walk(full);
      } else if ((e.isFile() || e.isSymbolicLink()) && MEDIA_EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
        add(full);
      }
    }
  };
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      missing.push(input);
      continue;
    }
    if (st.isDirectory()) await walk(path.resolve(input));
    else add(input);
  }
  return { files, missing };
}
