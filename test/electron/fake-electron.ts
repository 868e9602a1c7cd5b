// Stand-in for the `electron` module (its binary cannot be downloaded here). It records what the
// app's glue does with each API — window options, session handlers, IPC registrations, menus,
// utilityProcess forks — so tests can check the real objects the code built. utilityProcess.fork
// starts a REAL engine process (Node child through tsx) behind the UtilityProcess interface, so the
// engine wiring, crash report and restart are exercised for real.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { ENGINE_ENTRY } from '../../main/host/transport.ts';

type Listener = (...args: any[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.off(event, wrapped);
      return listener(...args);
    };
    return this.on(event, wrapped);
  }
  off(event: string, listener: Listener): this {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l !== listener));
    return this;
  }
  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }
  emit(event: string, ...args: unknown[]): unknown[] {
    return (this.listeners.get(event) ?? []).map((l) => l(...args));
  }
}

export const state = {
  userData: '',
  appPath: '',
  singleInstance: true,
  privilegedSchemes: [] as unknown[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
  appMenu: null as unknown,
  forks: [] as { modulePath: string; args: string[]; options: Record<string, unknown>; proc: FakeUtilityProcess }[],
  shownInFolder: [] as string[],
  openedExternal: [] as string[],
  dialogAnswers: [] as { canceled: boolean; filePaths: string[] }[],
  dialogCalls: [] as unknown[],
};

export class FakeWebContents extends Emitter {
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

export class BrowserWindow extends Emitter {
  static readonly all: BrowserWindow[] = [];
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.all.filter((w) => !w.destroyed);
  }
  readonly webContents = new FakeWebContents();
  loadedUrl: string | null = null;
  destroyed = false;
  maximized = false;
  constructor(readonly options: Record<string, any>) {
    super();
    BrowserWindow.all.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.emit('ready-to-show');
    this.webContents.emit('did-finish-load');
  }
  show(): void {}
  focus(): void {}
  restore(): void {}
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isMinimized(): boolean {
    return false;
  }
  isFullScreen(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getBounds() {
    return { x: this.options.x ?? 10, y: this.options.y ?? 10, width: this.options.width, height: this.options.height };
  }
  getNormalBounds() {
    return this.getBounds();
  }
}

class FakeApp extends Emitter {
  isPackaged = false;
  private ready = false;
  requestSingleInstanceLock(): boolean {
    return state.singleInstance;
  }
  quit(): void {
    this.emit('quit');
  }
  async whenReady(): Promise<void> {
    this.ready = true;
  }
  isReady(): boolean {
    return this.ready;
  }
  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`fake app.getPath(${name})`);
    return state.userData;
  }
  getAppPath(): string {
    return state.appPath;
  }
  getVersion(): string {
    return '0.1.0-test';
  }
}
export const app = new FakeApp();

export const ipcMain = {
  handlers: new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>(),
  handle(channel: string, handler: (event: unknown, payload: unknown) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  },
};

export const dialog = {
  async showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    state.dialogCalls.push(args);
    return state.dialogAnswers.shift() ?? { canceled: true, filePaths: [] };
  },
};

export const Menu = {
  buildFromTemplate(template: unknown[]): { template: unknown[] } {
    return { template };
  },
  setApplicationMenu(menu: unknown): void {
    state.appMenu = menu;
  },
};

export const nativeTheme = { shouldUseDarkColors: false };

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    state.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response> | Response): void {
    state.protocolHandlers.set(scheme, handler);
  },
};

export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
};

export class FakeSession {
  headersListener: ((details: { url: string; responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | null = null;
  requestListener: ((details: { url: string }, cb: (r: { cancel: boolean }) => void) => void) | null = null;
  permissionRequestHandler: ((contents: unknown, permission: string, cb: (granted: boolean) => void, details?: unknown) => void) | null = null;
  permissionCheckHandler: ((contents: unknown, permission: string, origin: string) => boolean) | null = null;
  devicePermissionHandler: ((details: unknown) => boolean) | null = null;
  displayMediaHandler: ((request: unknown, cb: (streams: unknown) => void) => void) | null = null;
  readonly webRequest = {
    onHeadersReceived: (l: FakeSession['headersListener']) => {
      this.headersListener = l;
    },
    onBeforeRequest: (l: FakeSession['requestListener']) => {
      this.requestListener = l;
    },
  };
  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: FakeSession['devicePermissionHandler']): void {
    this.devicePermissionHandler = h;
  }
  setDisplayMediaRequestHandler(h: FakeSession['displayMediaHandler']): void {
    this.displayMediaHandler = h;
  }
}
export const session = { defaultSession: new FakeSession() };

export const shell = {
  showItemInFolder(p: string): void {
    state.shownInFolder.push(p);
  },
  async openExternal(url: string): Promise<void> {
    state.openedExternal.push(url);
  },
};

/** A UtilityProcess backed by a real Node child running the engine's TypeScript entry. */
export class FakeUtilityProcess extends EventEmitter {
  readonly child: ChildProcess;
  readonly stderr: Readable | null;
  /** `entry`: a built JS entry runs on plain Node; default: the TypeScript entry through tsx. */
  constructor(env: NodeJS.ProcessEnv, entry?: string) {
    super();
    this.child = fork(entry ?? ENGINE_ENTRY, [], {
      execArgv: entry ? [] : ['--import', 'tsx'],
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderr = this.child.stderr;
    this.child.on('message', (m) => this.emit('message', m));
    this.child.on('exit', (code, signal) => this.emit('exit', code ?? (signal ? 1 : 0)));
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  postMessage(message: unknown): void {
    if (this.child.connected) this.child.send(message as object);
  }
  kill(): boolean {
    return this.child.kill('SIGKILL');
  }
}

export const utilityProcess = {
  fork(modulePath: string, args: string[] = [], options: Record<string, any> = {}): FakeUtilityProcess {
    const proc = new FakeUtilityProcess({ ...process.env, ...(options.env ?? {}) });
    state.forks.push({ modulePath, args, options, proc });
    return proc;
  },
};

export const webUtils = {
  getPathForFile: (): string => '',
};

export default { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, screen, session, shell, utilityProcess, webUtils };
