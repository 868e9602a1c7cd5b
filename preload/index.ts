// Preload (sandboxed, context-isolated): exposes exactly the contract's HushApi as `window.hush`.
// One ipcRenderer.invoke per method on its own channel, events wrapped in unsubscribe functions,
// replies and events validated against the contract. There is no generic send/invoke: the page can
// only call these methods, and can only add files the user really dropped or picked —
// webUtils.getPathForFile yields a path only for File objects backed by a file on disk.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  allChannels,
  apiErrorToError,
  events,
  ipcEventName,
  ipcName,
  replySchema,
  type AnyChannel,
  type EventName,
  type EventPayload,
  type HushApi,
  type RequestOf,
  type ResponseOf,
  type Unsubscribe,
} from '../main/ipc/contract.ts';

async function invoke<C extends AnyChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const raw: unknown = await ipcRenderer.invoke(ipcName(channel), request);
  const reply = replySchema(allChannels[channel].response).safeParse(raw);
  if (!reply.success) throw apiErrorToError({ code: 'internal', message: `Malformed reply to ${channel}.` });
  if (!reply.data.ok) throw apiErrorToError(reply.data.error);
  return reply.data.value as ResponseOf<C>;
}

function subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Unsubscribe {
  const handler = (_event: Electron.IpcRendererEvent, payload: unknown): void => {
    const checked = events[event].safeParse(payload);
    if (checked.success) listener(checked.data as EventPayload<E>);
  };
  ipcRenderer.on(ipcEventName(event), handler);
  return () => {
    ipcRenderer.removeListener(ipcEventName(event), handler);
  };
}

export const api = {
  async addFiles(files) {
    const paths: string[] = [];
    const rejected: { name: string; reason: string }[] = [];
    for (const file of files) {
      const p = file instanceof File ? webUtils.getPathForFile(file) : '';
      if (p) paths.push(p);
      else rejected.push({ name: file instanceof File ? file.name : String(file), reason: 'not a file from disk' });
    }
    if (paths.length === 0) return { added: [], rejected };
    const result = await invoke('files:add-paths', { paths });
    return { added: result.added, rejected: [...rejected, ...result.rejected] };
  },
  openFiles: (options) => invoke('files:open-dialog', { folders: options?.folders === true }),
  listFiles: () => invoke('files:list', {}),
  removeFiles: async (ids) => {
    await invoke('files:remove', { ids: [...ids] });
  },
  getThumbnail: (request) => invoke('files:thumbnail', request),
  getAudioOverview: (request) => invoke('files:audio-overview', request),
  estimateNoise: (request) => invoke('files:estimate', request),
  previewImage: (request) => invoke('preview:image', request),
  previewAudio: (request) => invoke('preview:audio', request),
  previewFull: (request) => invoke('preview:full', request),
  chooseOutputFolder: () => invoke('output:choose-folder', {}),
  exportBatch: (request) => invoke('export:start', request),
  cancelExport: async () => {
    await invoke('export:cancel', {});
  },
  revealItem: (id) => invoke('shell:reveal', { id }),
  getSettings: () => invoke('settings:get', {}),
  setSettings: (patch) => invoke('settings:set', patch),
  getAppInfo: () => invoke('app:info', {}),
  getEngineStatus: () => invoke('engine:status', {}),
  onEngineStatus: (listener) => subscribe('engine:status', listener),
  onExportProgress: (listener) => subscribe('export:progress', listener),
  onFilesAdded: (listener) => subscribe('files:added', listener),
  onMenuCommand: (listener) => subscribe('menu:command', listener),
} satisfies HushApi;

contextBridge.exposeInMainWorld('hush', api);
