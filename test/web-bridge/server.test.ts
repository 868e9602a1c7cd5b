// The web bridge: loopback only, refuses sockets without its token (or from another origin/host),
// serves the page only with the token, never serves the Electron-only path channels, and takes
// dropped files as uploads into a private folder — driven through the real browser client.
import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apiErrorCode, UPLOAD_CHUNK_BYTES, type HushApi } from '../../main/ipc/contract.ts';
import { EngineClient } from '../../main/host/engine-client.ts';
import { EngineSupervisor } from '../../main/ipc/engine-supervisor.ts';
import { FileRegistry } from '../../main/ipc/file-registry.ts';
import { SettingsStore } from '../../main/ipc/settings-store.ts';
import { createWebClient, type WebClient } from '../../main/web-bridge/browser-client.ts';
import { startWebBridge, type WebBridge } from '../../main/web-bridge/server.ts';

const data = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const photo = path.join(data, 'images/eval/Set12/01.png');

let tmp: string;
let bridge: WebBridge;
let engine: EngineSupervisor;
let registry: FileRegistry;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hush-bridge-test-'));
  const renderer = path.join(tmp, 'renderer');
  await import('node:fs/promises').then(async (fs) => {
    await fs.mkdir(path.join(renderer, 'assets'), { recursive: true });
    await fs.writeFile(path.join(renderer, 'index.html'), '<!doctype html><html><head><title>Hush</title></head><body></body></html>');
    await fs.writeFile(path.join(renderer, 'assets', 'app.js'), 'export {}');
    await fs.writeFile(path.join(tmp, 'secret.txt'), 'secret');
  });
  registry = new FileRegistry();
  const settings = new SettingsStore(path.join(tmp, 'data', 'settings.json'));
  await settings.load();
  // A real engine client (app:info starts its process; nothing here needs a model).
  engine = new EngineSupervisor(new EngineClient());
  bridge = await startWebBridge({ engine, registry, settings, outputDir: path.join(tmp, 'out'), rendererDir: renderer, uploadTempRoot: tmp });
});

afterAll(async () => {
  await bridge.close();
  await engine.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** Try a WebSocket upgrade; resolves with 'open' or the HTTP status it was refused with. */
function tryConnect(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', (err) => reject(err));
  });
}

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const origin = (): string => `http://127.0.0.1:${bridge.port}`;

describe('web bridge security', () => {
  it('listens on 127.0.0.1 only', async () => {
    const address = bridge.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    // Not reachable through any other interface of this machine.
    const others = Object.values(os.networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal);
    for (const nic of others) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect({ host: nic!.address, port: bridge.port });
        s.on('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.on('error', () => resolve(true));
      });
      expect(refused, nic!.address).toBe(true);
    }
    await expect(startWebBridge({ engine, registry, settings: new SettingsStore(path.join(tmp, 'x.json')), outputDir: tmp, host: '0.0.0.0' as never })).rejects.toThrow(/loopback only/);
  });

  it('refuses sockets without the right token, from other origins or hosts', async () => {
    const ws = bridge.socketUrl;
    expect(await tryConnect(ws)).toBe(401);
    expect(await tryConnect(`${ws}?token=`)).toBe(401);
    expect(await tryConnect(`${ws}?token=${bridge.token.slice(0, -1)}x`)).toBe(401);
    expect(await tryConnect(`${ws}?token=${bridge.token}`, { Origin: 'https://evil.example' })).toBe(403);
    expect(await tryConnect(`${ws}?token=${bridge.token}`, { Origin: origin(), Host: `evil.example:${bridge.port}` })).toBe(421);
    expect(await tryConnect(`ws://127.0.0.1:${bridge.port}/other?token=${bridge.token}`)).toBe(404);
    expect(await tryConnect(`${ws}?token=${bridge.token}`, { Origin: origin() })).toBe('open');
  });

  it('hands the page (with the token injected) only to a URL with the token; never files outside the renderer', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/?token=wrong')).status).toBe(403);
    const page = await get(`/?token=${encodeURIComponent(bridge.token)}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<meta name="hush-bridge-token" content="${bridge.token}" />`);
    expect(String(page.headers['content-security-policy'])).toMatch(/default-src 'none'.*connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await get('/assets/app.js')).status).toBe(200);
    expect((await get('/../secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('/..%2fsecret.txt')).status).toBe(404);
    expect((await get(`/?token=${bridge.token}`, { Host: `rebind.example:${bridge.port}` })).status).toBe(421);
  });
});

describe('web bridge API (through the browser client)', () => {
  let api: WebClient;
  beforeAll(async () => {
    api = createWebClient({ socketUrl: bridge.socketUrl, token: bridge.token, WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket, reconnect: false });
    await api.ready;
  });
  afterAll(() => api.close());

  it('serves the shared handlers', async () => {
    const settings = await api.getSettings();
    expect(settings).toMatchObject({ theme: 'system', outputFolder: { displayPath: path.join(tmp, 'out') } });
    const info = await api.getAppInfo();
    expect(info).toMatchObject({ transport: 'web', capabilities: { reveal: false, outputFolder: 'fixed' } });
    // app:info started the engine process; the status answer waits for it to be up.
    expect((await api.getEngineStatus()).state).toMatch(/^(ready|busy)$/);
  });

  it('does not serve the Electron path channels: a page cannot name server paths', async () => {
    const raw = new WebSocket(`${bridge.socketUrl}?token=${bridge.token}`, { headers: { Origin: origin() } });
    await new Promise((r) => raw.once('open', r));
    const replies: unknown[] = [];
    raw.on('message', (m) => {
      const frame = JSON.parse(m.toString()) as { id?: number };
      if (frame.id !== undefined) replies.push(frame);
    });
    raw.send(JSON.stringify({ id: 1, channel: 'files:add-paths', payload: { paths: ['/etc/passwd'] } }));
    raw.send(JSON.stringify({ id: 2, channel: 'files:open-dialog', payload: { folders: false } }));
    while (replies.length < 2) await new Promise((r) => setTimeout(r, 10));
    expect(replies).toEqual([
      { id: 1, reply: { ok: false, error: { code: 'invalid-request', message: 'Unknown request "files:add-paths".' } } },
      { id: 2, reply: { ok: false, error: { code: 'invalid-request', message: 'Unknown request "files:open-dialog".' } } },
    ]);
    // A frame that is not a request closes the socket.
    const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    raw.send('{"hello": "world"}');
    expect(await closed).toBe(1008);
    expect(registry.list().some((f) => f.displayPath === '/etc/passwd')).toBe(false);
  });

  it('survives fuzzed frames: garbage closes that socket only, the bridge keeps answering', async () => {
    const frames = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ id: fc.oneof(fc.integer(), fc.double(), fc.string()), channel: fc.oneof(fc.constantFrom('files:list', 'export:start', 'upload:chunk', 'files:add-paths'), fc.string()), payload: fc.anything() }),
    );
    const samples = fc.sample(frames, { numRuns: 300, seed: 4 });
    const t0 = performance.now();
    for (let i = 0; i < samples.length; i += 50) {
      const ws = new WebSocket(`${bridge.socketUrl}?token=${bridge.token}`, { headers: { Origin: origin() } });
      await new Promise((r) => ws.once('open', r));
      ws.on('error', () => undefined);
      for (const f of samples.slice(i, i + 50)) if (ws.readyState === ws.OPEN) ws.send(typeof f === 'string' ? f : JSON.stringify(f));
      await new Promise((r) => setTimeout(r, 50));
      ws.terminate();
    }
    console.log(`bridge frame fuzz: ${samples.length} frames in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    expect((await api.getSettings()).theme).toBe('system');
    expect(registry.list().every((f) => !f.displayPath.startsWith('/etc'))).toBe(true);
  });

  it('uploads dropped files into a private folder and grants only them', async () => {
    const bytes = await readFile(photo);
    const file = new File([bytes], 'holiday photo.png');
    const result = await api.addFiles([file, new File(['x'], 'notes.txt')]);
    expect(result.rejected).toEqual([{ name: 'notes.txt', reason: '.txt files are not supported' }]);
    expect(result.added).toHaveLength(1);
    expect(result.added[0]).toMatchObject({ name: 'holiday photo.png', kind: 'image', sizeBytes: bytes.length, displayPath: 'holiday photo.png' });
    const granted = await registry.resolveInput(result.added[0].id);
    expect(path.basename(granted.realPath)).toBe('holiday photo.png');
    expect(await readFile(granted.realPath)).toEqual(bytes);
    const folder = path.dirname(path.dirname(granted.realPath));
    expect(folder.startsWith(path.join(tmp, 'hush-uploads-'))).toBe(true);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await api.listFiles()).map((f) => f.id)).toContain(result.added[0].id);
  });

  it('does not queue the same dropped file twice (issue 12 item 7), but again once it was removed', async () => {
    const bytes = await readFile(photo);
    const file = (): File => new File([bytes], 'again.png', { lastModified: 1_700_000_000_000 });
    const first = await api.addFiles([file()]);
    expect(first.added).toHaveLength(1);
    const before = (await api.listFiles()).length;
    const second = await api.addFiles([file()]);
    expect(second).toEqual({ added: [], rejected: [{ name: 'again.png', reason: 'already in the queue' }] });
    expect((await api.listFiles()).length).toBe(before);
    // A different file with the same name is a new file.
    const other = await api.addFiles([new File([bytes], 'again.png', { lastModified: 1_700_000_000_001 })]);
    expect(other.added).toHaveLength(1);
    await api.removeFiles([first.added[0].id]);
    const third = await api.addFiles([file()]);
    expect(third.added).toHaveLength(1);
  });

  it('uploads a file bigger than one chunk byte for byte', async () => {
    const big = path.join(data, 'audio/noise/misc-real/pomodoro_birds.flac');
    const bytes = await readFile(big);
    expect(bytes.length).toBeGreaterThan(UPLOAD_CHUNK_BYTES); // several chunks, in order
    const result = await api.addFiles([new File([bytes], 'birds.flac')]);
    expect(result.added[0]).toMatchObject({ name: 'birds.flac', kind: 'audio', sizeBytes: bytes.length });
    const granted = await registry.resolveInput(result.added[0].id);
    expect((await readFile(granted.realPath)).equals(bytes)).toBe(true);
  });

  it('refuses chunks out of order or beyond the announced size, and drops that upload', async () => {
    const raw = new WebSocket(`${bridge.socketUrl}?token=${bridge.token}`, { headers: { Origin: origin() } });
    await new Promise((r) => raw.once('open', r));
    const replies = new Map<number, { ok: boolean; value?: { uploadId?: string }; error?: { code: string; message: string } }>();
    raw.on('message', (m) => {
      const f = JSON.parse(m.toString()) as { id?: number; reply?: never };
      if (f.id !== undefined) replies.set(f.id, f.reply!);
    });
    const ask = async (id: number, channel: string, payload: unknown) => {
      raw.send(JSON.stringify({ id, channel, payload }));
      while (!replies.has(id)) await new Promise((r) => setTimeout(r, 5));
      return replies.get(id)!;
    };
    const begun = await ask(1, 'upload:begin', { name: 'x.wav', size: 4 });
    const uploadId = begun.value!.uploadId!;
    expect((await ask(2, 'upload:chunk', { uploadId, offset: 2, data: 'AAA=' })).error?.message).toMatch(/out of order/);
    expect((await ask(3, 'upload:chunk', { uploadId, offset: 0, data: 'AAAAAAAA' })).error?.message).toMatch(/More bytes than announced/);
    expect((await ask(4, 'upload:end', { uploadId })).error?.message).toMatch(/Unknown or finished upload/);
    raw.close();
  });

  it('keeps a hostile upload name inside the private folder', async () => {
    const result = await api.addFiles([new File([await readFile(photo)], '../../../../tmp/evil.png')]);
    const granted = await registry.resolveInput(result.added[0].id);
    expect(path.basename(granted.realPath)).toBe('evil.png');
    expect(granted.realPath.startsWith(path.join(tmp, 'hush-uploads-'))).toBe(true);
  });

  it('gives the fixed output folder instead of a picker', async () => {
    const folder = await api.chooseOutputFolder();
    expect(folder?.displayPath).toBe(path.join(tmp, 'out'));
    expect((await api.getSettings()).outputFolder).toEqual(folder);
  });

  it('answers errors with their codes', async () => {
    const err = await api.getThumbnail({ fileId: 'f_AAAAAAAAAAAAAAAA' }).catch((e: unknown) => e);
    expect(apiErrorCode(err)).toBe('unknown-file');
    const bad = await (api as HushApi).previewImage({ fileId: 'f_AAAAAAAAAAAAAAAA', region: { left: 0, top: 0, width: 5000, height: 10 }, sigma: 25 }).catch((e: unknown) => e);
    expect(apiErrorCode(bad)).toBe('invalid-request');
  });
});

describe('browser client reconnect', () => {
  it('reconnects when the bridge comes back on the same port', async () => {
    const settingsFile = path.join(tmp, 'reconnect-settings.json');
    const token = 'a-fixed-test-token-0123456789';
    const first = await startWebBridge({ engine, registry, settings: new SettingsStore(settingsFile), outputDir: path.join(tmp, 'out2'), token });
    const client = createWebClient({ socketUrl: first.socketUrl, token, WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket });
    await client.ready;
    expect((await client.getSettings()).theme).toBe('system');
    await first.close();
    const second = await startWebBridge({ engine, registry, settings: new SettingsStore(settingsFile), outputDir: path.join(tmp, 'out2'), token, port: first.port });
    try {
      const t0 = Date.now();
      let files: unknown = null;
      while (files === null && Date.now() - t0 < 15_000) {
        files = await client.listFiles().catch(() => null);
        if (files === null) await new Promise((r) => setTimeout(r, 100));
      }
      expect(Array.isArray(files)).toBe(true);
    } finally {
      client.close();
      await second.close();
    }
  });
});
