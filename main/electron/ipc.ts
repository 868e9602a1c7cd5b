// ipcMain side of the contract: one ipcMain.handle per channel (every channel of the dispatcher,
// nothing else), each reply a typed Reply, calls accepted only from the app's own page. Plus the two
// Electron-only channels: dropped paths (resolved by the preload with webUtils.getPathForFile) and
// the open dialog.
import type { BrowserWindow, Dialog, IpcMain, IpcMainInvokeEvent, OpenDialogOptions, WebContents } from 'electron';
import { ACCEPTED_EXTENSIONS, events, ipcEventName, ipcName, type AnyChannel, type ElectronChannel, type EventName, type EventPayload, type Reply } from '../ipc/contract.ts';
import type { CallContext, Dispatcher, HandlerMap } from '../ipc/dispatch.ts';
import type { FileRegistry } from '../ipc/file-registry.ts';
import { isAppUrl } from './security.ts';

const CONTEXT: CallContext = { transport: 'electron' };

/** Where an invoke came from; a frame that is not the app's page (or is gone) is refused. */
export function senderUrl(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): string {
  try {
    return event.senderFrame?.url ?? '';
  } catch {
    return '';
  }
}

/** Register a handler for every channel the dispatcher serves. Returns a function that removes them. */
export function registerIpc<C extends AnyChannel>(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, dispatcher: Dispatcher<C>): () => void {
  for (const channel of dispatcher.channels) {
    ipcMain.handle(ipcName(channel), async (event, payload: unknown): Promise<Reply<unknown>> => {
      if (!isAppUrl(senderUrl(event))) return { ok: false, error: { code: 'invalid-request', message: 'Refused: the request did not come from the Hush window.' } };
      return dispatcher.dispatch(channel, payload, CONTEXT);
    });
  }
  return () => {
    for (const channel of dispatcher.channels) ipcMain.removeHandler(ipcName(channel));
  };
}

/** Send a contract event to a window, checked against its schema first. */
export function sendEvent<E extends EventName>(contents: Pick<WebContents, 'send' | 'isDestroyed'>, event: E, payload: EventPayload<E>): void {
  const checked = events[event].safeParse(payload);
  if (!checked.success || contents.isDestroyed()) return;
  contents.send(ipcEventName(event), checked.data);
}

export function openDialogOptions(folders: boolean): OpenDialogOptions {
  return folders
    ? { title: 'Add a folder of photos and recordings', properties: ['openDirectory', 'multiSelections'] }
    : {
        title: 'Add photos and recordings',
        properties: ['openFile', 'multiSelections'],
        filters: [
          { name: 'Photos and recordings', extensions: [...ACCEPTED_EXTENSIONS.image, ...ACCEPTED_EXTENSIONS.audio] },
          { name: 'Photos', extensions: [...ACCEPTED_EXTENSIONS.image] },
          { name: 'Recordings', extensions: [...ACCEPTED_EXTENSIONS.audio] },
        ],
      };
}

export function electronHandlers(deps: { registry: FileRegistry; dialog: Pick<Dialog, 'showOpenDialog'>; window: () => BrowserWindow | null }): HandlerMap<ElectronChannel> {
  return {
    // Only the preload calls this, with paths webUtils.getPathForFile gave for real dropped files.
    'files:add-paths': async ({ paths }) => deps.registry.addPaths(paths, 'drop'),
    'files:open-dialog': async ({ folders }) => {
      const win = deps.window();
      const options = openDialogOptions(folders);
      const picked = win ? await deps.dialog.showOpenDialog(win, options) : await deps.dialog.showOpenDialog(options);
      if (picked.canceled || picked.filePaths.length === 0) return { added: [], rejected: [] };
      return deps.registry.addPaths(picked.filePaths, 'dialog');
    },
  };
}
