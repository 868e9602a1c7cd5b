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

export type FoundEntry = { readonly file: string } | { readonly missing: string };

/**
 * The same walk as collectFiles, one entry at a time and in the same order, so `hush submit` can
 * enqueue 10⁵ files without holding them all (one folder's names are held at a time, for the sort).
 * Files named twice come out twice; callers that need it dedupe (submit's job ids do).
 */
export async function* iterateFiles(inputs: readonly string[], options: { recursive: boolean; outDir: string }): AsyncGenerator<FoundEntry> {
  const outDir = path.resolve(options.outDir);
  async function* walk(dir: string): AsyncGenerator<FoundEntry> {
    if (isInside(dir, outDir)) return;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.includes(PARTIAL_MARK)) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (options.recursive) yield* walk(full);
      } else if ((e.isFile() || e.isSymbolicLink()) && MEDIA_EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
        yield { file: full };
      }
    }
  }
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      yield { missing: input };
      continue;
    }
    if (st.isDirectory()) yield* walk(path.resolve(input));
    else yield { file: path.resolve(input) };
  }
}

export async function collectFiles(inputs: readonly string[], options: { recursive: boolean; outDir: string }): Promise<Collected> {
  const seen = new Set<string>();
  const files: string[] = [];
  const missing: string[] = [];
  for await (const entry of iterateFiles(inputs, options)) {
    if ('missing' in entry) missing.push(entry.missing);
    else if (!seen.has(entry.file)) {
      seen.add(entry.file);
      files.push(entry.file);
    }
  }
  return { files, missing };
}
