// Persisted preferences (JSON in the app's data folder). Writes are atomic (temp file + rename) and
// serialised, and a damaged or older file never stops the app: each field that fails its schema
// falls back to the default.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PREFERENCES, PreferenceKeySchema, PreferencesSchema, type Preferences, type SettingsIssue } from './contract.ts';

const StoredSchema = z.object({
  preferences: z.record(z.string(), z.unknown()).optional(),
  /** Absolute path of the last output folder the user chose (re-granted at start when it still exists). */
  outputFolder: z.string().nullable().optional(),
});

export interface StoredSettings {
  readonly preferences: Preferences;
  readonly outputFolder: string | null;
}

/** Write `data` to `file` so that readers see either the old or the new content, never half. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export class SettingsStore {
  private state: StoredSettings = { preferences: { ...DEFAULT_PREFERENCES }, outputFolder: null };
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Read the file; anything missing or invalid takes its default. */
  async load(): Promise<StoredSettings> {
    const text = await readFile(this.file, 'utf8').catch(() => null);
    // Each part is read on its own, so one bad value costs only that value.
    let stored: { preferences?: Record<string, unknown>; outputFolder?: string | null } = {};
    if (text !== null) {
      try {
        const raw: unknown = JSON.parse(text);
        const prefs = StoredSchema.shape.preferences.safeParse((raw as { preferences?: unknown })?.preferences);
        const folder = StoredSchema.shape.outputFolder.safeParse((raw as { outputFolder?: unknown })?.outputFolder);
        stored = { ...(prefs.success ? { preferences: prefs.data } : {}), ...(folder.success ? { outputFolder: folder.data } : {}) };
      } catch {
        // unreadable JSON: start from defaults, the next save replaces it
      }
    }
    const preferences: Record<string, unknown> = { ...DEFAULT_PREFERENCES };
    const shape = PreferencesSchema.shape;
    for (const [key, value] of Object.entries(stored.preferences ?? {})) {
      if (!(key in shape)) continue;
      const ok = shape[key as keyof typeof shape].safeParse(value);
      if (ok.success) preferences[key] = ok.data;
    }
    this.state = { preferences: PreferencesSchema.parse(preferences), outputFolder: stored.outputFolder ?? null };
    return this.state;
  }

  get(): StoredSettings {
    return this.state;
  }

  /**
   * Apply a patch field by field: each value is checked against its own schema, so one bad field
   * (say a half-typed name pattern) costs only that field and the rest is still saved. Unknown keys
   * and invalid values come back in `rejected`; nothing is written when nothing valid remains.
   */
  async update(patch: Readonly<Record<string, unknown>>): Promise<{ settings: StoredSettings; rejected: SettingsIssue[] }> {
    const shape = PreferencesSchema.shape;
    const next: Record<string, unknown> = { ...this.state.preferences };
    const rejected: SettingsIssue[] = [];
    let changed = false;
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const field = PreferenceKeySchema.safeParse(key);
      if (!field.success) continue; // the request schema refuses unknown keys before this
      const ok = shape[field.data].safeParse(value);
      if (!ok.success) {
        rejected.push({ field: field.data, message: ok.error.issues[0]?.message ?? 'invalid value' });
        continue;
      }
      next[field.data] = ok.data;
      changed = true;
    }
    if (changed) {
      this.state = { ...this.state, preferences: PreferencesSchema.parse(next) };
      await this.save();
    }
    return { settings: this.state, rejected };
  }

  async setOutputFolder(folder: string | null): Promise<void> {
    this.state = { ...this.state, outputFolder: folder };
    await this.save();
  }

  private save(): Promise<void> {
    const snapshot = JSON.stringify({ preferences: this.state.preferences, outputFolder: this.state.outputFolder }, null, 2);
    this.writes = this.writes.catch(() => undefined).then(() => writeFileAtomic(this.file, snapshot + '\n'));
    return this.writes;
  }
}
