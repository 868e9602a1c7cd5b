// The Electron main process, started for real against the stand-in `electron` module: the window's
// security options, session handlers, IPC registrations (every channel, validated), menu, and the
// engine in a "utilityProcess" (a real engine process) that is reported and restarted after a kill.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { channels, electronChannels, ipcEventName, ipcName, webChannels, type EngineStatus, type Reply } from '../../main/ipc/contract.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/electron/security.ts';
import { app, BrowserWindow, ipcMain, session, state, type FakeWebContents } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

const repo = path.resolve(import.meta.dirname, '..', '..');
const photo = path.resolve(repo, '../shared/data/images/eval/Set12/01.png');
const appEvent = { senderFrame: { url: 'app://hush/index.html' } };

async function until<T>(what: () => T | undefined | null | false, timeoutMs = 90_000, label = 'condition'): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = what();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const win = (): BrowserWindow => BrowserWindow.all[0];
const statuses = (contents: FakeWebContents): EngineStatus[] =>
  contents.sent.filter((s) => s.channel === ipcEventName('engine:status')).map((s) => s.payload as EngineStatus);

async function invoke(channel: string, payload: unknown, event: unknown = appEvent): Promise<Reply<unknown>> {
  const handler = ipcMain.handlers.get(ipcName(channel as keyof typeof channels));
  if (!handler) throw new Error(`no handler for ${channel}`);
  return (await handler(event, payload)) as Reply<unknown>;
}

beforeAll(async () => {
  state.userData = await mkdtemp(path.join(os.tmpdir(), 'hush-electron-test-'));
  state.appPath = repo;
  await import('../../main/electron/main.ts');
  await until(() => win()?.loadedUrl, 30_000, 'the window to load');
});

afterAll(async () => {
  // Quitting stops the engine process cleanly.
  app.emit('before-quit', { preventDefault: () => {} });
  await until(() => state.forks.every((f) => f.proc.child.exitCode !== null || f.proc.child.signalCode !== null), 15_000, 'engine exit');
  await rm(state.userData, { recursive: true, force: true });
});

describe('Electron main process (stand-in electron module)', () => {
  it('asks for the single-instance lock and registers app:// as a secure standard scheme before ready', () => {
    expect(state.privilegedSchemes).toContainEqual(
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    );
  });

  it('creates the window with the security checklist options and loads only the app page', () => {
    const o = win().options;
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(o.webPreferences.preload).toBe(path.join(repo, 'dist', 'preload', 'index.cjs'));
    expect(o.minWidth).toBeGreaterThanOrEqual(640);
    expect(win().loadedUrl).toBe('app://hush/index.html');
  });

  it('denies every permission request and check', () => {
    const s = session.defaultSession;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const cb = vi.fn();
      s.permissionRequestHandler!(win().webContents, permission, cb, {});
      expect(cb).toHaveBeenCalledWith(false);
      expect(s.permissionCheckHandler!(win().webContents, permission, 'app://hush')).toBe(false);
    }
    expect(s.devicePermissionHandler!({})).toBe(false);
  });

  it('blocks remote content and puts the strict CSP on every response', () => {
    const s = session.defaultSession;
    const cancelled = (url: string): boolean => {
      let out: boolean | undefined;
      s.requestListener!({ url }, (r) => (out = r.cancel));
      return out!;
    };
    expect(cancelled('https://example.com/tracker.js')).toBe(true);
    expect(cancelled('http://127.0.0.1:8080/')).toBe(true);
    expect(cancelled('file:///etc/passwd')).toBe(true);
    expect(cancelled('app://hush/assets/index.js')).toBe(false);
    expect(cancelled('data:image/png;base64,AAAA')).toBe(false);

    let headers: Record<string, string[]> = {};
    s.headersListener!({ url: 'app://hush/index.html', responseHeaders: { 'content-security-policy': ["default-src *"] } }, (r) => (headers = r.responseHeaders));
    const csp = Object.entries(headers).filter(([k]) => k.toLowerCase() === 'content-security-policy');
    expect(csp).toEqual([['Content-Security-Policy', [CONTENT_SECURITY_POLICY]]]);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|https?:/);
  });

  it('blocks navigation away from the app, new windows and <webview>', () => {
    const contents = win().webContents;
    const nav = (url: string): boolean => {
      const preventDefault = vi.fn();
      contents.emit('will-navigate', { preventDefault }, url);
      return preventDefault.mock.calls.length > 0;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('file:///home/user/')).toBe(true);
    expect(nav('app://hush/index.html')).toBe(false);
    const redirected = vi.fn();
    contents.emit('will-redirect', { preventDefault: redirected }, 'https://evil.example/');
    expect(redirected).toHaveBeenCalled();
    expect(contents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'app://hush/index.html' })).toEqual({ action: 'deny' });
    const webview = vi.fn();
    contents.emit('will-attach-webview', { preventDefault: webview }, {}, {});
    expect(webview).toHaveBeenCalled();
  });

  it('registers a handler for exactly the shared and Electron channels (never the web-only ones)', () => {
    const expected = [...Object.keys(channels), ...Object.keys(electronChannels)].map((c) => ipcName(c as keyof typeof channels)).sort();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(expected);
    for (const c of Object.keys(webChannels)) expect(ipcMain.handlers.has(ipcName(c as keyof typeof webChannels))).toBe(false);
  });

  it('rejects malformed payloads on every channel, and calls from any other page', async () => {
    for (const channel of [...Object.keys(channels), ...Object.keys(electronChannels)]) {
      for (const bad of [{ unexpected: true }, 42, 'x', [1, 2]]) {
        const reply = await invoke(channel, bad);
        expect(reply, `${channel} ${JSON.stringify(bad)}`).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
      }
      const foreign = await invoke(channel, {}, { senderFrame: { url: 'https://evil.example/' } });
      expect(foreign).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    }
    expect(await invoke('settings:get', {})).toMatchObject({ ok: true, value: { theme: 'system', namePattern: '{name}-denoised' } });
  });

  it('adds files only from the dialog or real paths, and refuses forged ones', async () => {
    state.dialogAnswers.push({ canceled: false, filePaths: [photo] });
    const picked = (await invoke('files:open-dialog', { folders: false })) as Reply<{ added: { id: string; name: string }[] }>;
    expect(picked.ok && picked.value.added.map((f) => f.name)).toEqual(['01.png']);
    const forged = (await invoke('files:add-paths', { paths: [`${path.dirname(photo)}/../../../../../../etc/passwd`, 'relative.png'] })) as Reply<{ added: unknown[]; rejected: { reason: string }[] }>;
    expect(forged.ok && forged.value.added).toEqual([]);
    expect(forged.ok && forged.value.rejected.map((r) => r.reason)).toEqual(['path contains a ".." segment', 'path is not absolute']);
    const unknown = await invoke('files:thumbnail', { fileId: 'f_AAAAAAAAAAAAAAAA' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown-file' } });
  });

  it('adds files the OS hands over (open-with, dock drop) and tells the window', async () => {
    const other = path.resolve(repo, '../shared/data/images/eval/Set12/02.png');
    const preventDefault = vi.fn();
    app.emit('open-file', { preventDefault }, other);
    expect(preventDefault).toHaveBeenCalled();
    const added = await until(() => win().webContents.sent.find((s) => s.channel === ipcEventName('files:added')), 10_000, 'files:added');
    expect((added.payload as { name: string }[]).map((f) => f.name)).toEqual(['02.png']);
  });

  it('serves the renderer over app:// from dist/renderer only', async () => {
    const handler = state.protocolHandlers.get('app')!;
    expect((await handler(new Request('app://hush/%2e%2e/package.json'))).status).toBe(404);
    expect((await handler(new Request('app://other/index.html'))).status).toBe(404);
  });

  it('builds the app menu; its items send typed commands to the window', () => {
    const menu = state.appMenu as { template: { label?: string; submenu?: { label?: string; click?: () => void; accelerator?: string }[] }[] };
    const items = menu.template.flatMap((m) => m.submenu ?? []);
    const open = items.find((i) => i.label === '&Open Files…')!;
    expect(open.accelerator).toBe('CmdOrCtrl+O');
    open.click!();
    items.find((i) => i.label === 'Zoom &In')!.click!();
    const commands = win().webContents.sent.filter((s) => s.channel === ipcEventName('menu:command')).map((s) => s.payload);
    expect(commands).toEqual(['open-files', 'zoom-in']);
    expect(menu.template.map((m) => m.label)).toEqual(expect.arrayContaining(['&File', '&Edit', '&View', '&Help']));
  });

  it('runs the engine in a utilityProcess, reports a crash and restarts it', async () => {
    const first = state.forks[0];
    expect(first.modulePath).toBe(path.join(repo, 'dist', 'engine', 'engine-process.js'));
    expect(first.options).toMatchObject({ serviceName: 'Hush engine', env: expect.objectContaining({ HUSH_RESOURCES_DIR: path.join(repo, 'resources') }) });
    const contents = win().webContents;
    await until(() => statuses(contents).some((s) => s.state === 'ready'), 90_000, 'engine ready');
    const reply = (await invoke('engine:status', {})) as Reply<EngineStatus>;
    expect(reply.ok && reply.value.backend).toBeTruthy();

    first.proc.kill();
    const crashed = await until(() => statuses(contents).find((s) => s.state === 'crashed'), 30_000, 'crash report');
    expect(crashed.message).toMatch(/killed|exited/);
    await until(() => statuses(contents).some((s) => s.state === 'restarted'), 90_000, 'restart');
    expect(state.forks.length).toBe(2);
    expect(state.forks[1].modulePath).toBe(first.modulePath);
    const after = (await invoke('engine:status', {})) as Reply<EngineStatus>;
    expect(after.ok && after.value.restarts).toBe(1);
  });
});
