// The web bridge under bad frames and lost connections: one socket's invalid UTF-8 or oversized
// frame closes that socket only (it used to take down the bridge and its engine), a tab that stops
// answering pings is dropped, and the page's client notices a dead, frozen or restarted bridge
// within seconds and says which (a restarted bridge has a new token: the old link cannot work).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineStatus } from '../../main/ipc/contract.ts';
import type { EngineHost } from '../../main/ipc/handlers.ts';
import { FileRegistry } from '../../main/ipc/file-registry.ts';
import { SettingsStore } from '../../main/ipc/settings-store.ts';
import { createWebClient, type BridgeConnection, type WebClient } from '../../main/web-bridge/browser-client.ts';
import { MAX_FRAME_BYTES, startWebBridge, type WebBridge } from '../../main/web-bridge/server.ts';

/** Nothing here reaches the engine: settings and pings are answered by the bridge itself. */
const engine: EngineHost = {
  api: () => {
    throw new Error('no engine in this test');
  },
  status: (): EngineStatus => ({ state: 'ready', backend: 'cpu', message: null, restarts: 0, at: Date.now() }),
  onStatus: () => () => undefined,
};
const WS = WebSocket as unknown as typeof globalThis.WebSocket;

let tmp: string;
let bridge: WebBridge;
const start = (extra: { token?: string; port?: number; socketPingMs?: number } = {}): Promise<WebBridge> =>
  startWebBridge({ engine, registry: new FileRegistry(), settings: new SettingsStore(path.join(tmp, 'settings.json')), outputDir: path.join(tmp, 'out'), uploadTempRoot: tmp, ...extra });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hush-bridge-resilience-'));
  bridge = await start();
});
afterAll(async () => {
  await bridge.close();
  await rm(tmp, { recursive: true, force: true });
});

function open(url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
const closed = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));
const until = async (what: () => boolean, ms: number): Promise<number> => {
  const t0 = Date.now();
  while (!what()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
};

async function settingsStillServed(b: WebBridge): Promise<void> {
  const client = createWebClient({ socketUrl: b.socketUrl, token: b.token, WebSocketImpl: WS, reconnect: false });
  try {
    await client.ready;
    expect((await client.getSettings()).outputFolder?.displayPath).toBe(path.join(tmp, 'out'));
  } finally {
    client.close();
  }
}

describe('one bad socket never takes down the bridge', () => {
  it('closes only the socket that sent invalid UTF-8 (1007)', async () => {
    const bystander = await open(`${bridge.socketUrl}?token=${bridge.token}`);
    const bad = await open(`${bridge.socketUrl}?token=${bridge.token}`);
    const code = closed(bad);
    bad.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    expect(await code).toBe(1007);
    expect(bystander.readyState).toBe(WebSocket.OPEN);
    bystander.close();
    await settingsStillServed(bridge);
  });

  it(`closes only the socket that sent a frame over ${MAX_FRAME_BYTES / 1024 ** 2} MiB (1009)`, async () => {
    const bad = await open(`${bridge.socketUrl}?token=${bridge.token}`);
    const code = closed(bad);
    bad.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect(await code).toBe(1009);
    await settingsStillServed(bridge);
  });

  it('drops a socket that stops answering protocol pings', async () => {
    const b = await start({ socketPingMs: 100 });
    try {
      const silent = await open(`${b.socketUrl}?token=${b.token}`, { autoPong: false });
      const code = closed(silent);
      const t0 = Date.now();
      await code;
      expect(Date.now() - t0).toBeLessThan(2000);
      await settingsStillServed(b);
    } finally {
      await b.close();
    }
  });

  it('answers /health 204 for its token and 403 for another (a restarted bridge)', async () => {
    expect((await fetch(`${bridge.url}/health?token=${bridge.token}`)).status).toBe(204);
    expect((await fetch(`${bridge.url}/health?token=stale-token-from-an-old-link`)).status).toBe(403);
  });
});

/** A TCP relay in front of a bridge that can freeze (stop passing bytes, like a hung process). */
async function relayTo(port: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const pairs: [Socket, Socket][] = [];
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(port, '127.0.0.1');
    client.on('data', (d) => !frozen && upstream.write(d));
    upstream.on('data', (d) => !frozen && client.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => (frozen = true),
    close: async () => {
      for (const [a, b] of pairs) (a.destroy(), b.destroy());
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('the page notices a dead bridge', () => {
  const watch = (client: WebClient): BridgeConnection[] => {
    const seen: BridgeConnection[] = [];
    client.onConnection((s) => seen.push(s));
    return seen;
  };

  it('a frozen bridge: the heartbeat goes unanswered and the client says so within the dead-after time', async () => {
    const relay = await relayTo(bridge.port);
    // Through the relay, but saying the bridge's own Host (the bridge refuses any other).
    const host = `127.0.0.1:${bridge.port}`;
    class ViaRelay extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { Host: host } });
      }
    }
    const client = createWebClient({ socketUrl: `ws://127.0.0.1:${relay.port}/ws`, token: bridge.token, WebSocketImpl: ViaRelay as unknown as typeof globalThis.WebSocket, pingIntervalMs: 100, deadAfterMs: 500 });
    try {
      const seen = watch(client);
      await client.ready;
      expect((await client.getSettings()).theme).toBe('system');
      relay.freeze();
      const waited = await until(() => client.connection().state !== 'connected', 3000);
      expect(waited).toBeLessThan(1500);
      expect(seen.map((x) => x.state)).toEqual(['connecting', 'connected', 'reconnecting']);
      expect((client.connection() as { message: string }).message).toMatch(/stopped answering/);
    } finally {
      client.close();
      await relay.close();
    }
  });

  it('a stopped bridge: reconnecting at once, with what to do', async () => {
    const b = await start();
    const client = createWebClient({ socketUrl: b.socketUrl, token: b.token, WebSocketImpl: WS, pingIntervalMs: 200, deadAfterMs: 1000 });
    try {
      await client.ready;
      expect(client.connection().state).toBe('connected');
      await b.close();
      await until(() => client.connection().state === 'reconnecting', 1000);
      await until(() => /not answering/.test((client.connection() as { message?: string }).message ?? ''), 2000);
    } finally {
      client.close();
    }
  });

  it('a bridge restarted with a new token: the client gives up within seconds and says the link changed', async () => {
    const first = await start({ token: 'first-token-0123456789abcdef' });
    const client = createWebClient({ socketUrl: first.socketUrl, token: first.token, WebSocketImpl: WS, pingIntervalMs: 200, deadAfterMs: 1000 });
    let second: WebBridge | null = null;
    try {
      await client.ready;
      await first.close();
      second = await start({ token: 'second-token-0123456789abcdef', port: first.port });
      const waited = await until(() => client.connection().state === 'lost', 5000);
      expect(waited).toBeLessThan(5000);
      const c = client.connection();
      expect(c.state === 'lost' && c.reason).toBe('token-rejected');
      expect(c.state === 'lost' && c.message).toMatch(/npm run dev:web/);
      await expect(client.listFiles()).rejects.toThrow(/link/);
    } finally {
      client.close();
      await second?.close();
    }
  });
});
