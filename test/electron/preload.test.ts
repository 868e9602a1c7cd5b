// The preload against a stand-in contextBridge/ipcRenderer/webUtils: it exposes exactly the HushApi,
// each method uses one invoke on its own channel, errors keep their code, events are validated and
// unsubscribable, and files without a real path never reach main.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiErrorCode, apiErrorText, ipcEventName, ipcName, methodChannels, subscriptionEvents, type EngineStatus, type HushApi } from '../../main/ipc/contract.ts';

const bridge = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invokes: [] as { channel: string; payload: unknown }[],
  replies: new Map<string, unknown>(),
  listeners: new Map<string, ((event: unknown, payload: unknown) => void)[]>(),
  paths: new Map<unknown, string>(),
}));

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => bridge.exposed.set(key, api),
  },
  ipcRenderer: {
    invoke: async (channel: string, payload: unknown) => {
      bridge.invokes.push({ channel, payload });
      return bridge.replies.get(channel) ?? { ok: true, value: null };
    },
    on: (channel: string, l: (event: unknown, payload: unknown) => void) => {
      bridge.listeners.set(channel, [...(bridge.listeners.get(channel) ?? []), l]);
    },
    removeListener: (channel: string, l: (event: unknown, payload: unknown) => void) => {
      bridge.listeners.set(channel, (bridge.listeners.get(channel) ?? []).filter((x) => x !== l));
    },
  },
  webUtils: { getPathForFile: (file: unknown) => bridge.paths.get(file) ?? '' },
}));

let api: HushApi;
beforeAll(async () => {
  await import('../../preload/index.ts');
  api = bridge.exposed.get('hush') as HushApi;
});
beforeEach(() => {
  bridge.invokes.length = 0;
  bridge.replies.clear();
});

const status: EngineStatus = { state: 'ready', backend: 'wasm', message: null, restarts: 0, at: 1 };

describe('preload', () => {
  it('exposes exactly the HushApi methods as window.hush, and nothing else', () => {
    expect([...bridge.exposed.keys()]).toEqual(['hush']);
    const expected = ['addFiles', 'openFiles', ...Object.keys(methodChannels), ...Object.keys(subscriptionEvents)].sort();
    expect(Object.keys(api).sort()).toEqual(expected);
    for (const k of expected) expect(typeof (api as unknown as Record<string, unknown>)[k]).toBe('function');
    expect(Object.keys(api)).not.toContain('send');
    expect(Object.keys(api)).not.toContain('invoke');
  });

  it('maps each request method to one invoke on its own channel', async () => {
    bridge.replies.set(ipcName('engine:status'), { ok: true, value: status });
    expect(await api.getEngineStatus()).toEqual(status);
    await api.removeFiles(['f_AAAAAAAAAAAA']);
    await api.revealItem('o_AAAAAAAAAAAA').catch(() => undefined);
    await api.openFiles({ folders: true }).catch(() => undefined);
    expect(bridge.invokes).toEqual([
      { channel: 'hush:engine:status', payload: {} },
      { channel: 'hush:files:remove', payload: { ids: ['f_AAAAAAAAAAAA'] } },
      { channel: 'hush:shell:reveal', payload: { id: 'o_AAAAAAAAAAAA' } },
      { channel: 'hush:files:open-dialog', payload: { folders: true } },
    ]);
  });

  it('rejects with the error code and text main replied with; a malformed reply is an internal error', async () => {
    bridge.replies.set(ipcName('files:list'), { ok: false, error: { code: 'unknown-file', message: 'That file is gone.' } });
    const err = await api.listFiles().catch((e: unknown) => e);
    expect(apiErrorCode(err)).toBe('unknown-file');
    expect(apiErrorText(err)).toBe('That file is gone.');
    bridge.replies.set(ipcName('files:list'), { ok: true, value: [{ id: '/etc/passwd' }] });
    expect(apiErrorCode(await api.listFiles().catch((e: unknown) => e))).toBe('internal');
  });

  it('sends only paths webUtils resolved for real dropped files', async () => {
    const real = new File([new Uint8Array([1, 2, 3])], 'photo.png');
    const madeUp = new File([new Uint8Array([1])], '/etc/passwd');
    bridge.paths.set(real, '/home/user/photo.png');
    bridge.replies.set(ipcName('files:add-paths'), { ok: true, value: { added: [], rejected: [] } });
    const result = await api.addFiles([real, madeUp]);
    expect(bridge.invokes).toEqual([{ channel: 'hush:files:add-paths', payload: { paths: ['/home/user/photo.png'] } }]);
    expect(result.rejected).toEqual([{ name: '/etc/passwd', reason: 'not a file from disk' }]);
    bridge.invokes.length = 0;
    await api.addFiles([madeUp]);
    expect(bridge.invokes).toEqual([]);
  });

  it('delivers valid events, drops malformed ones, and unsubscribes', () => {
    const seen: EngineStatus[] = [];
    const off = api.onEngineStatus((s) => seen.push(s));
    const fire = (payload: unknown): void => {
      for (const l of bridge.listeners.get(ipcEventName('engine:status')) ?? []) l({}, payload);
    };
    fire(status);
    fire({ state: 'exploded' });
    expect(seen).toEqual([status]);
    off();
    fire(status);
    expect(seen).toHaveLength(1);
    expect(bridge.listeners.get(ipcEventName('engine:status'))).toEqual([]);
  });
});
