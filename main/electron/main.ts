// Electron main process: app lifecycle (single instance), the secure window, the app menu, the
// engine in a utilityProcess, and the IPC handlers — the same handlers the web bridge serves.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, screen, session, shell, utilityProcess } from 'electron';
import type { EventName, EventPayload } from '../ipc/contract.ts';
import { createDispatcher } from '../ipc/dispatch.ts';
import { FileRegistry } from '../ipc/file-registry.ts';
import { createHandlers } from '../ipc/handlers.ts';
import { SettingsStore } from '../ipc/settings-store.ts';
import { APP_SCHEME_PRIVILEGES, registerAppProtocol } from './app-protocol.ts';
import { startEngineProcess } from './engine-process.ts';
import { electronHandlers, registerIpc, sendEvent } from './ipc.ts';
import { buildMenuTemplate } from './menu.ts';
import { APP_ORIGIN, secureSession, secureWebContents } from './security.ts';
import { clampToDisplays, loadWindowState, mainWindowOptions, trackWindowState } from './window.ts';

// Built layout (see main/electron/build.ts) under the app folder (the repo, or app.asar when
// packaged): dist/main/electron/main.js, dist/preload/index.cjs, dist/engine/engine-process.js,
// dist/renderer/index.html. Models, wasm and icons sit outside the asar in process.resourcesPath.
const distDir = path.join(app.getAppPath(), 'dist');
const resourcesDir = app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'resources');

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  let win: BrowserWindow | null = null;
  const pendingOsFiles: string[] = [];

  // Files handed over by the OS (open-with, drop on the dock icon) before or after start-up.
  app.on('open-file', (event, file) => {
    event.preventDefault();
    pendingOsFiles.push(file);
    void flushOsFiles();
  });
  app.on('second-instance', (_event, argv) => {
    pendingOsFiles.push(...filesFromArgv(argv));
    void flushOsFiles();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  pendingOsFiles.push(...filesFromArgv(process.argv));

  // Every WebContents (including any the app did not plan for) gets the navigation rules.
  app.on('web-contents-created', (_event, contents) => secureWebContents(contents, (url) => void shell.openExternal(url)));

  await app.whenReady();
  secureSession(session.defaultSession);
  registerAppProtocol(protocol, path.join(distDir, 'renderer'));

  const userData = app.getPath('userData');
  const settings = new SettingsStore(path.join(userData, 'settings.json'));
  await settings.load();
  const registry = new FileRegistry();
  const engine = startEngineProcess((modulePath, args, options) => utilityProcess.fork(modulePath, args, options), {
    entry: path.join(distDir, 'engine', 'engine-process.js'),
    resourcesDir,
    ...(app.isPackaged ? { wasmDir: path.join(process.resourcesPath, 'wasm') } : {}),
  });

  const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    for (const w of BrowserWindow.getAllWindows()) sendEvent(w.webContents, event, payload);
  };
  const handlers = createHandlers({
    engine,
    registry,
    settings,
    emit,
    async pickOutputFolder() {
      const last = settings.get().outputFolder;
      const options = {
        title: 'Choose where the cleaned files go',
        properties: ['openDirectory', 'createDirectory', 'promptToCreate'] as ('openDirectory' | 'createDirectory' | 'promptToCreate')[],
        ...(last && existsSync(last) ? { defaultPath: last } : {}),
      };
      const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
    async reveal(file) {
      shell.showItemInFolder(file);
      return true;
    },
    app: {
      name: 'Hush',
      version: app.getVersion(),
      transport: 'electron',
      platform: process.platform,
      versions: { electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '', node: process.versions.node },
      capabilities: { reveal: true, pickFolders: true, outputFolder: 'dialog' },
    },
  });
  const dispatcher = createDispatcher({ ...handlers.map, ...electronHandlers({ registry, dialog, window: () => win }) });
  registerIpc(ipcMain, dispatcher);

  async function flushOsFiles(): Promise<void> {
    if (!app.isReady() || pendingOsFiles.length === 0) return;
    const files = pendingOsFiles.splice(0);
    const result = await registry.addPaths(files, 'dialog');
    if (result.added.length > 0) emit('files:added', result.added);
  }

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        appName: 'Hush',
        dev: !app.isPackaged,
        send: (command) => emit('menu:command', command),
      }),
    ),
  );

  const createWindow = async (): Promise<void> => {
    const stateFile = path.join(userData, 'window-state.json');
    const state = clampToDisplays(await loadWindowState(stateFile), screen.getAllDisplays().map((d) => d.workArea));
    const icon = path.join(resourcesDir, 'icons', '512x512.png');
    win = new BrowserWindow(mainWindowOptions(state, path.join(distDir, 'preload', 'index.cjs'), {
      ...(existsSync(icon) ? { icon } : {}),
      darkBackground: nativeTheme.shouldUseDarkColors,
    }));
    if (state.maximized) win.maximize();
    trackWindowState(win, stateFile);
    win.once('ready-to-show', () => win?.show());
    win.webContents.once('did-finish-load', () => void flushOsFiles());
    win.on('closed', () => {
      win = null;
    });
    await win.loadURL(`${APP_ORIGIN}/index.html`);
  };

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    handlers.dispose();
    // Let the engine finish its current write and exit cleanly (it never leaves partial outputs).
    void engine.stop().finally(() => app.quit());
  });

  await createWindow();
}

/** File arguments (not flags, not the app itself) from a command line. */
function filesFromArgv(argv: readonly string[]): string[] {
  const args = argv.slice(app.isPackaged ? 1 : 2);
  return args.filter((a) => !a.startsWith('-') && path.isAbsolute(a) && existsSync(a));
}
