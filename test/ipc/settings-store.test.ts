// Settings survive restarts, are written atomically, and a damaged file never stops the app.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, SettingsUpdateSchema } from '../../main/ipc/contract.ts';
import { createDispatcher } from '../../main/ipc/dispatch.ts';
import { FileRegistry } from '../../main/ipc/file-registry.ts';
import { createHandlers, type EngineHost } from '../../main/ipc/handlers.ts';
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

  it('refuses an invalid value without touching the file', async () => {
    const file = path.join(dir, 'd.json');
    const s = new SettingsStore(file);
    await s.load();
    await s.update({ theme: 'light' });
    const { rejected } = await s.update({ imageQuality: 500 });
    expect(rejected).toEqual([{ field: 'imageQuality', message: expect.any(String) }]);
    expect((await new SettingsStore(file).load()).preferences.theme).toBe('light');
    expect(s.get().preferences.imageQuality).toBe(DEFAULT_PREFERENCES.imageQuality);
  });

  it('applies the valid fields of a patch and names the invalid ones (one bad field used to drop the whole patch)', async () => {
    const file = path.join(dir, 'e.json');
    const s = new SettingsStore(file);
    await s.load();
    const { settings, rejected } = await s.update({ imageFormat: 'png', audioFormat: 'flac', audioSampleFormat: 'pcm24', namePattern: 'sub/{name}', imageQuality: 0 });
    expect(settings.preferences).toMatchObject({ imageFormat: 'png', audioFormat: 'flac', audioSampleFormat: 'pcm24', namePattern: DEFAULT_PREFERENCES.namePattern, imageQuality: DEFAULT_PREFERENCES.imageQuality });
    expect(rejected.map((r) => r.field).sort()).toEqual(['imageQuality', 'namePattern']);
    expect(rejected.find((r) => r.field === 'namePattern')?.message).toMatch(/path separators/);
    expect((await new SettingsStore(file).load()).preferences).toMatchObject({ imageFormat: 'png', audioSampleFormat: 'pcm24' });
  });
});

describe('settings:set through the dispatcher', () => {
  const engine: EngineHost = {
    api: () => {
      throw new Error('settings never reach the engine');
    },
    status: () => ({ state: 'ready', backend: null, message: null, restarts: 0, at: 0 }),
    onStatus: () => () => undefined,
  };

  it('answers the settings in force and the refused fields by name; unknown keys are still an invalid request', async () => {
    const store = new SettingsStore(path.join(dir, 'f.json'));
    await store.load();
    const handlers = createHandlers({
      engine,
      registry: new FileRegistry(),
      settings: store,
      emit: () => undefined,
      pickOutputFolder: async () => null,
      reveal: async () => false,
      app: { name: 'Hush', version: 'test', transport: 'web', platform: process.platform, versions: {}, capabilities: { reveal: false, pickFolders: false, outputFolder: 'dialog' } },
    });
    const d = createDispatcher(handlers.map);
    const reply = await d.dispatch('settings:set', { imageFormat: 'webp', audioSampleFormat: 'float32', namePattern: '{nam' }, { transport: 'web' });
    expect(reply.ok).toBe(true);
    const value = SettingsUpdateSchema.parse(reply.ok ? reply.value : null);
    expect(value.settings).toMatchObject({ imageFormat: 'webp', audioSampleFormat: 'float32', namePattern: DEFAULT_PREFERENCES.namePattern });
    expect(value.rejected).toEqual([{ field: 'namePattern', message: expect.stringMatching(/\{name\} or \{index\}/) }]);
    const unknown = await d.dispatch('settings:set', { imageFormat: 'png', wallpaper: 'cats' }, { transport: 'web' });
    expect(unknown.ok === false && unknown.error.code).toBe('invalid-request');
    handlers.dispose();
  });
});
