// Pieces of the Electron glue that need no app: serving the renderer over app://, window state
// memory, the dialog filters and event checks.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAppProtocol, resolveAppUrl } from '../../main/electron/app-protocol.ts';
import { openDialogOptions, sendEvent } from '../../main/electron/ipc.ts';
import { CONTENT_SECURITY_POLICY, isAppUrl } from '../../main/electron/security.ts';
import { clampToDisplays, DEFAULT_WINDOW_STATE, loadWindowState, mainWindowOptions, trackWindowState } from '../../main/electron/window.ts';
import { BrowserWindow } from './fake-electron.ts';
import { ipcEventName } from '../../main/ipc/contract.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hush-glue-'));
  await mkdir(path.join(dir, 'renderer', 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>Hush</title>');
  await writeFile(path.join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'secret.txt'), 'do not serve');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('maps app://hush URLs into the renderer folder and nothing outside it', () => {
    const root = path.join(dir, 'renderer');
    expect(resolveAppUrl('app://hush/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppUrl('app://hush/assets/app.js', root)).toBe(path.join(root, 'assets', 'app.js'));
    // URL parsing folds %2e%2e segments away, so this stays inside the folder (and misses).
    expect(resolveAppUrl('app://hush/%2e%2e/secret.txt', root)).toBe(path.join(root, 'secret.txt'));
    expect(resolveAppUrl('app://hush/..%2fsecret.txt', root)).toBeNull();
    expect(resolveAppUrl('app://hush/%00', root)).toBeNull();
    expect(resolveAppUrl('app://evil/index.html', root)).toBeNull();
    expect(resolveAppUrl('file:///etc/passwd', root)).toBeNull();
  });

  it('serves files with their type and the CSP header; 404 for the rest', async () => {
    let handler: ((r: Request) => Promise<Response> | Response) | undefined;
    registerAppProtocol({ handle: (_scheme: string, h: typeof handler) => (handler = h) } as never, path.join(dir, 'renderer'));
    const page = await handler!(new Request('app://hush/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await page.text()).toContain('<title>Hush</title>');
    const js = await handler!(new Request('app://hush/assets/app.js'));
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await handler!(new Request('app://hush/..%2fsecret.txt'))).status).toBe(404);
    expect((await handler!(new Request('app://hush/%2e%2e/secret.txt'))).status).toBe(404);
    expect((await handler!(new Request('app://hush/missing.js'))).status).toBe(404);
  });

  it('recognises only the app origin', () => {
    expect(isAppUrl('app://hush/index.html')).toBe(true);
    expect(isAppUrl('app://hush.evil.example/')).toBe(false);
    expect(isAppUrl('https://hush/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('window', () => {
  it('spells out every security preference', () => {
    const o = mainWindowOptions(DEFAULT_WINDOW_STATE, '/app/dist/preload/index.cjs');
    expect(o.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, navigateOnDragDrop: false });
    expect(o.show).toBe(false);
  });

  it('remembers size and position but never reopens off-screen', async () => {
    const file = path.join(dir, 'window-state.json');
    expect(await loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
    await writeFile(file, JSON.stringify({ x: 100, y: 50, width: 1000, height: 700, maximized: true }));
    const saved = await loadWindowState(file);
    expect(saved).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: true });
    const areas = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(clampToDisplays(saved, areas)).toEqual(saved);
    // A second monitor that is gone: position dropped, size kept.
    expect(clampToDisplays({ ...saved, x: 2500 }, areas)).toEqual({ width: 1000, height: 700, maximized: true });
    // Bigger than the screen now: shrunk to fit.
    expect(clampToDisplays({ ...saved, width: 3000, height: 2000 }, areas)).toMatchObject({ width: 1920, height: 1080 });
    await writeFile(file, '{"width": 5}');
    expect(await loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
  });
});

describe('window state memory', () => {
  it('saves the normal bounds and maximised state when the window closes', async () => {
    const file = path.join(dir, 'state', 'window-state.json');
    const win = new BrowserWindow({ x: 40, y: 30, width: 1100, height: 760 });
    trackWindowState(win as never, file);
    win.maximize();
    win.emit('close');
    await new Promise((r) => setTimeout(r, 100));
    expect(await loadWindowState(file)).toEqual({ x: 40, y: 30, width: 1100, height: 760, maximized: true });
  });
});

describe('IPC helpers', () => {
  it('sends only events that match their schema', () => {
    const sent: unknown[] = [];
    const contents = { send: (c: string, p: unknown) => sent.push([c, p]), isDestroyed: () => false };
    sendEvent(contents, 'menu:command', 'open-files');
    sendEvent(contents, 'menu:command', 'rm -rf' as never);
    expect(sent).toEqual([[ipcEventName('menu:command'), 'open-files']]);
  });

  it('offers photo and recording filters in the open dialog', () => {
    const files = openDialogOptions(false);
    expect(files.properties).toEqual(['openFile', 'multiSelections']);
    expect(files.filters?.[0].extensions).toEqual(expect.arrayContaining(['jpg', 'png', 'wav', 'flac']));
    expect(openDialogOptions(true).properties).toEqual(['openDirectory', 'multiSelections']);
  });
});
