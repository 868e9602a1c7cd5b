// The web bridge: the SAME handlers the Electron main process registers, served to a browser over a
// WebSocket on loopback only. A random token guards it: the page is served only to a URL carrying
// the token (which is then injected into the page), and the socket accepts only connections with
// the token, from the bridge's own origin (or ones allowed explicitly), to the bridge's own Host
// (against DNS rebinding). Dropped files arrive as uploads into a private temp folder; the output
// folder is fixed at start, so a page can never name a server path.
import { timingSafeEqual, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { events, type Channel, type EventName, type EventPayload, type WebChannel } from '../ipc/contract.ts';
import { createDispatcher, type CallContext, type Dispatcher } from '../ipc/dispatch.ts';
import type { FileRegistry } from '../ipc/file-registry.ts';
import { contentTypeOf, fileInside } from '../ipc/renderer-files.ts';
import { createHandlers, type EngineHost, type Handlers } from '../ipc/handlers.ts';
import type { SettingsStore } from '../ipc/settings-store.ts';
import { UploadStore } from './uploads.ts';

export interface WebBridgeOptions {
  readonly engine: EngineHost;
  readonly registry: FileRegistry;
  readonly settings: SettingsStore;
  /** Folder exports go to ("choose output folder" returns it). */
  readonly outputDir: string;
  /** Built renderer (dist/renderer); without it only the socket is served. */
  readonly rendererDir?: string;
  /** 127.0.0.1 (default) or ::1 — nothing else is accepted. */
  readonly host?: '127.0.0.1' | '::1';
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Fixed token (tests); default 32 random bytes. */
  readonly token?: string;
  /** Extra page origins allowed to open the socket (e.g. a Vite dev server on loopback). */
  readonly allowOrigins?: readonly string[];
  /** Parent of the private upload folder (default: OS temp). */
  readonly uploadTempRoot?: string;
  readonly version?: string;
  /** How often the bridge pings each socket; a socket that misses a pong by the next round is dropped (default 10 s). */
  readonly socketPingMs?: number;
}

export interface WebBridge {
  readonly url: string;
  /** Page URL carrying the token (what to open in a browser). */
  readonly pageUrl: string;
  readonly socketUrl: string;
  readonly token: string;
  readonly port: number;
  readonly server: Server;
  readonly dispatcher: Dispatcher<Channel | WebChannel>;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): Promise<void>;
}

const CONTEXT: CallContext = { transport: 'web' };
/** Largest request frame; a bigger one closes that socket (1009), never the bridge. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** A request frame: `id` echoes back in the reply. */
const RequestFrameSchema = z.strictObject({ id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), channel: z.string().max(64), payload: z.unknown() });

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function pageCsp(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export async function startWebBridge(options: WebBridgeOptions): Promise<WebBridge> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') throw new Error('the web bridge listens on loopback only');
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (token.length < 16) throw new Error('the bridge token must have at least 16 characters');
  const sockets = new Set<WebSocket>();

  const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    const checked = events[event].safeParse(payload);
    if (!checked.success) return;
    const frame = JSON.stringify({ event, payload: checked.data });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  };

  // The output folder is fixed for this run: settings show it from the start (a folder remembered
  // from another run with another --output-dir must not be used).
  const outputDir = path.resolve(options.outputDir);
  await mkdir(outputDir, { recursive: true });
  await options.settings.setOutputFolder(outputDir);

  const uploads = new UploadStore(options.registry, options.uploadTempRoot ? { tempRoot: options.uploadTempRoot } : {});
  const handlers: Handlers = createHandlers({
    engine: options.engine,
    registry: options.registry,
    settings: options.settings,
    emit,
    pickOutputFolder: async () => {
      await mkdir(outputDir, { recursive: true });
      return outputDir;
    },
    reveal: async () => false,
    app: {
      name: 'Hush',
      version: options.version ?? '0.0.0',
      transport: 'web',
      platform: process.platform,
      versions: { node: process.versions.node },
      capabilities: { reveal: false, pickFolders: true, outputFolder: 'fixed' },
    },
  });
  // Shared channels + uploads. Deliberately NOT the Electron channels: a page that could send
  // 'files:add-paths' would name any file on this machine.
  const dispatcher = createDispatcher({ ...handlers.map, ...uploads.handlers(), 'bridge:ping': async () => ({ at: Date.now() }) });

  let port = 0;
  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const allowedOrigins = (): Set<string> => new Set([...[...allowedHosts()].map((h) => `http://${h}`), ...(options.allowOrigins ?? [])]);

  const server = createServer((req, res) => {
    void serveHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Wrong host.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname === '/health') {
      // A page that lost its socket asks here whether the bridge is gone (network error) or was
      // restarted with another token (403: its link is stale), to tell the user which.
      res.writeHead(tokensEqual(url.searchParams.get('token') ?? '', token) ? 204 : 403, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!options.rendererDir || rel.includes('\0')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found.');
      return;
    }
    const isPage = rel === '/' || rel === '/index.html';
    if (isPage) {
      // The page is handed only to whoever already has the token (the URL printed at start).
      const given = url.searchParams.get('token') ?? '';
      if (!tokensEqual(given, token)) {
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Hush web bridge: open the URL with the token that was printed when the bridge started.');
        return;
      }
      const html = await readFile(path.join(options.rendererDir, 'index.html'), 'utf8');
      const injected = html.replace(/<head>/i, `<head>\n    <meta name="hush-bridge-token" content="${token}" />`);
      res.writeHead(200, {
        'Content-Type': contentTypeOf('index.html'),
        'Content-Security-Policy': pageCsp(port),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : injected);
      return;
    }
    const file = fileInside(options.rendererDir, rel);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found.');
      return;
    }
    res.writeHead(200, {
      'Content-Type': contentTypeOf(file),
      'Content-Length': st.size,
      'Cache-Control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : await readFile(file));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  // Protocol-level ping/pong: a tab that vanished without closing (sleep, killed browser) is dropped.
  const ponged = new WeakMap<WebSocket, boolean>();
  const pinger = setInterval(() => {
    for (const ws of sockets) {
      if (ponged.get(ws) === false) {
        ws.terminate();
        continue;
      }
      ponged.set(ws, false);
      ws.ping();
    }
  }, options.socketPingMs ?? 10_000);
  pinger.unref();

  /** Refuse an upgrade before any WebSocket exists. */
  const refuse = (socket: Duplex, status: number, text: string): void => {
    socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://bridge');
    if (url.pathname !== '/ws') return refuse(socket, 404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(socket, 421, 'Misdirected Request');
    const origin = req.headers.origin;
    // Browsers always send Origin; a page from elsewhere (or a rebinding attack) is refused here.
    if (origin !== undefined && !allowedOrigins().has(origin)) return refuse(socket, 403, 'Forbidden');
    if (!tokensEqual(url.searchParams.get('token') ?? '', token)) return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket): void {
    sockets.add(ws);
    ponged.set(ws, true);
    ws.on('close', () => sockets.delete(ws));
    // A frame ws refuses (invalid UTF-8: 1007, over maxPayload: 1009) or a broken connection is
    // that socket's failure: ws closes it after this event. Without a listener the 'error' event
    // would throw and take down the whole bridge and its engine.
    ws.on('error', () => sockets.delete(ws));
    ws.on('pong', () => ponged.set(ws, true));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let frame: z.infer<typeof RequestFrameSchema>;
      try {
        const parsed = RequestFrameSchema.safeParse(JSON.parse(data.toString()));
        if (!parsed.success) return ws.close(1008, 'malformed request frame');
        frame = parsed.data;
      } catch {
        return ws.close(1007, 'not JSON');
      }
      void dispatcher.dispatch(frame.channel, frame.payload, CONTEXT).then((reply) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: frame.id, reply }));
      });
    });
    // The page learns the engine's state at once (it may have crashed before the page opened).
    ws.send(JSON.stringify({ event: 'engine:status', payload: options.engine.status() }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const hostInUrl = host === '::1' ? '[::1]' : host;
  const base = `http://${hostInUrl}:${port}`;

  return {
    url: base,
    pageUrl: `${base}/?token=${encodeURIComponent(token)}`,
    socketUrl: `ws://${hostInUrl}:${port}/ws`,
    token,
    port,
    server,
    dispatcher,
    emit,
    async close() {
      clearInterval(pinger);
      handlers.dispose();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await uploads.dispose();
    },
  };
}
