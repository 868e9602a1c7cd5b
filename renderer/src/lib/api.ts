// Where the HushApi comes from: the preload's `window.hush` in Electron, else the web bridge's
// WebSocket client (loaded only then, so the Electron build never opens a socket).
import type { HushApi } from '../../../main/ipc/contract.ts';

declare global {
  interface Window {
    hush?: HushApi;
  }
}

export async function connectApi(): Promise<HushApi> {
  if (window.hush) return window.hush;
  const mod = await import('../../../main/web-bridge/browser-client.ts');
  return mod.connectFromLocation();
}
