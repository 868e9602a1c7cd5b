// Preload (sandboxed, context-isolated): exposes exactly the contract's HushApi as `window.hush`.
// One ipcRenderer.invoke per method on its own channel, events wrapped in unsubscribe functions,
// replies and events validated against the contract (main/ipc/api-client.ts, shared with the web
// bridge's client). There is no generic send/invoke: the page can only call these methods, and can
// only add files the user really dropped or picked — webUtils.getPathForFile yields a path only for
// File objects backed by a file on disk.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildHushApi, checkEvent, unwrapReply } from '../main/ipc/api-client.ts';
import { ipcEventName, ipcName, type AnyChannel, type EventName, type EventPayload, type RequestOf, type ResponseOf, type Unsubscribe } from '../main/ipc/contract.ts';

async function invoke<C extends AnyChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  return unwrapReply(channel, await ipcRenderer.invoke(ipcName(channel), request));
}

function subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Unsubscribe {
  const handler = (_event: Electron.IpcRendererEvent, payload: unknown): void => {
    const checked = checkEvent(event, payload);
    if (checked) listener(checked.payload);
  };
  ipcRenderer.on(ipcEventName(event), handler);
  return () => {
    ipcRenderer.removeListener(ipcEventName(event), handler);
  };
}

export const api = buildHushApi(
  { invoke, subscribe },
  {
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
  },
);

contextBridge.exposeInMainWorld('hush', api);
