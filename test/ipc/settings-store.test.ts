// Settings survive restarts, are written atomically, and a damaged file never stops the app.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES } from '../../main/ipc/contract.ts';
import { SettingsStore } from '../../main/ipc/settings-store.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hush-settings-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('SettingsStore', () => {
  it('starts from defaults and persists changes for the next run', async () => {
    const file = path.join(dir, 'a', 'settings.json');
    const s = new SettingsStore(file);
    expect((await s.load()).preferences).toEqual(DEFAULT_PREFERENCES);
    await s.update({ theme: 'dark', imageFormat: 'png', defaultSigma: 30 });
    await s.setOutputFolder('/home/user/Pictures/clean');
    const again = await new SettingsStore(file).load();
    expect(again.preferences).toMatchObject({ theme: 'dark', imageFormat: 'png', defaultSigma: 30, namePattern: '{name}-denoised' });
    expect(again.outputFolder).toBe('/home/user/Pictures/clean');
  });

  it('falls back field by field when the file is damaged or from another version', async () => {
    const file = path.join(dir, 'b.json');
    await writeFile(file, JSON.stringify({ preferences: { theme: 'neon', imageQuality: 70, namePattern: '../{name}', unknownKey: 1 }, outputFolder: 42 }));
    expect((await new SettingsStore(file).load()).preferences).toEqual({ ...DEFAULT_PREFERENCES, imageQuality: 70 });
    await writeFile(file, '{"preferences": {"theme": "dark"'); // cut off mid-write by another program
    expect((await new SettingsStore(file).load()).preferences).toEqual(DEFAULT_PREFERENCES);
  });

  it('writes atomically: concurrent updates leave one complete JSON file and no temp files', async () => {
    const file = path.join(dir, 'c', 'settings.json');
    const s = new SettingsStore(file);
    await s.load();
    await Promise.all(Array.from({ length: 25 }, (_, i) => s.update({ imageQuality: i + 1 })));
    const stored = JSON.parse(await readFile(file, 'utf8')) as { preferences: { imageQuality: number } };
    expect(stored.preferences.imageQuality).toBe(25);
    expect(await readdir(path.dirname(file))).toEqual(['settings.json']);
  });

  it('rejects invalid updates without touching the file', async () => {
    const file = path.join(dir, 'd.json');
    const s = new SettingsStore(file);
    await s.load();
    await s.update({ theme: 'light' });
    await expect(s.update({ imageQuality: 500 } as never)).rejects.toThrow();
    expect((await new SettingsStore(file).load()).preferences.theme).toBe('light');
    expect(s.get().preferences.imageQuality).toBe(DEFAULT_PREFERENCES.imageQuality);
  });
});
