// The main window: secure web preferences, and size/position/maximised state remembered between
// runs (clamped to a display that still exists, so a window never reopens off-screen).
import { readFile } from 'node:fs/promises';
import type { BrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { z } from 'zod';
import { writeFileAtomic } from '../ipc/settings-store.ts';

export const WindowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(20_000),
  height: z.number().int().min(300).max(20_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };
export const MIN_WIDTH = 720;
export const MIN_HEIGHT = 520;

/**
 * BrowserWindow options. Security settings are spelled out even where they are Electron's default,
 * so a test (and a reader) can see them and a future default change cannot loosen them.
 */
export function mainWindowOptions(state: WindowState, preloadPath: string, opts: { icon?: string; darkBackground?: boolean } = {}): BrowserWindowConstructorOptions {
  return {
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false, // shown on 'ready-to-show': no white flash
    title: 'Hush',
    backgroundColor: opts.darkBackground ? '#16171d' : '#f6f6f8',
    ...(opts.icon ? { icon: opts.icon } : {}),
    autoHideMenuBar: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: true,
    },
  };
}

/** Keep a remembered window inside the work area of some display. */
export function clampToDisplays(state: WindowState, workAreas: readonly Rectangle[]): WindowState {
  if (state.x === undefined || state.y === undefined || workAreas.length === 0) return state;
  const { x, y } = state;
  const visible = workAreas.find((a) => x + 80 > a.x && x < a.x + a.width - 80 && y >= a.y - 10 && y < a.y + a.height - 60);
  if (!visible) return { width: state.width, height: state.height, maximized: state.maximized };
  return { ...state, width: Math.min(state.width, visible.width), height: Math.min(state.height, visible.height) };
}

export async function loadWindowState(file: string): Promise<WindowState> {
  try {
    const parsed = WindowStateSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : DEFAULT_WINDOW_STATE;
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
}

/** Save the window's state when it moves, resizes or closes (debounced). */
export function trackWindowState(win: BrowserWindow, file: string): void {
  let timer: NodeJS.Timeout | null = null;
  const capture = (): WindowState => {
    const maximized = win.isMaximized();
    const b = maximized ? win.getNormalBounds() : win.getBounds();
    return { x: b.x, y: b.y, width: Math.max(400, b.width), height: Math.max(300, b.height), maximized };
  };
  const save = (): void => {
    if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
    void writeFileAtomic(file, JSON.stringify(capture())).catch(() => undefined);
  };
  const later = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 400);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('maximize', later);
  win.on('unmaximize', later);
  win.on('close', () => {
    if (timer) clearTimeout(timer);
    save();
  });
}
