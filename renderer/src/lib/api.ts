// Where the HushApi comes from: the preload's `window.hush` in Electron, else the web bridge's
// WebSocket client (loaded only then, so the Electron build never opens a socket).
import type { HushApi } from '../../../main/ipc/contract.ts';
import type { BridgeWatch } from './app.svelte.ts';

declare global {
  interface Window {
    hush?: HushApi;
  }
}

export interface Connected {
  readonly api: HushApi;
  /** Web only: the socket's state, so the page can say when the bridge is gone. */
  readonly watchBridge?: BridgeWatch;
}

export async function connectApi(): Promise<Connected> {
  if (window.hush) return { api: window.hush };
  const mod = await import('../../../main/web-bridge/browser-client.ts');
  const client = await mod.connectFromLocation();
  return { api: client, watchBridge: (listener) => client.onConnection(listener) };
}
