// HushApi over the web bridge's WebSocket, for the renderer running in a normal browser (no
// window.hush). Browser-safe: no Node imports. Replies and events are validated against the same
// contract the preload uses; dropped files are uploaded in chunks to the bridge, which keeps them in
// a private temp folder and grants them.
import { buildHushApi, checkEvent, unwrapReply } from '../ipc/api-client.ts';
import {
  ACCEPTED_EXTENSIONS,
  BRIDGE_DEAD_AFTER_MS,
  BRIDGE_PING_INTERVAL_MS,
  UPLOAD_CHUNK_BYTES,
  apiErrorToError,
  events,
  kindOfExtension,
  type AddFilesResult,
  type Channel,
  type EventName,
  type EventPayload,
  type FileEntry,
  type HushApi,
  type RequestOf,
  type ResponseOf,
  type Unsubscribe,
  type WebChannel,
} from '../ipc/contract.ts';

type Callable = Channel | WebChannel;

interface Pending {
  readonly channel: Callable;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export interface WebClientOptions {
  /** ws://host:port/ws of the bridge. */
  readonly socketUrl: string;
  readonly token: string;
  /** WebSocket implementation (default: the browser's). */
  readonly WebSocketImpl?: typeof WebSocket;
  /** Reconnect after a dropped connection (default true). */
  readonly reconnect?: boolean;
  /** Heartbeat: ping this often, and count the bridge as gone when a ping waits longer than deadAfterMs. */
  readonly pingIntervalMs?: number;
  readonly deadAfterMs?: number;
  /** fetch used to ask the bridge's /health why the socket is gone (default: the global fetch). */
  readonly fetchImpl?: typeof fetch;
}

/**
 * The page's link to the bridge. 'reconnecting': the socket dropped or stopped answering and the
 * client is trying again. 'lost': it gave up — the bridge is not running ('unreachable') or it was
 * restarted and no longer knows this page's token ('token-rejected', the printed link changed).
 */
export type BridgeConnection =
  | { readonly state: 'connecting' | 'connected' }
  | { readonly state: 'reconnecting'; readonly message: string }
  | { readonly state: 'lost'; readonly reason: 'unreachable' | 'token-rejected' | 'closed'; readonly message: string };

export interface WebClient extends HushApi {
  /** Resolves once the socket is open. */
  readonly ready: Promise<void>;
  /** Current link state, and changes to it (also once right away). */
  connection(): BridgeConnection;
  onConnection(listener: (state: BridgeConnection) => void): Unsubscribe;
  close(): void;
}

/** What the page tells the user when the bridge is gone, and how to get back. */
export const BRIDGE_LOST_TEXT = {
  unreachable: 'The Hush bridge stopped. Start it again with `npm run dev:web` and open the new link it prints (this page’s link will not work with a new bridge).',
  'token-rejected': 'The Hush bridge no longer accepts this page’s link (it was restarted, and each start has a new one). Open the link `npm run dev:web` printed last.',
  closed: 'The connection to the Hush bridge was closed.',
} as const;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const extOf = (name: string): string => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

export function createWebClient(options: WebClientOptions): WebClient {
  const WS = options.WebSocketImpl ?? WebSocket;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let closed = false;
  let attempts = 0;
  const lost = (why: string): Error => apiErrorToError({ code: 'unavailable', message: why });
  const pingEvery = options.pingIntervalMs ?? BRIDGE_PING_INTERVAL_MS;
  const deadAfter = options.deadAfterMs ?? BRIDGE_DEAD_AFTER_MS;

  let link: BridgeConnection = { state: 'connecting' };
  const linkListeners = new Set<(state: BridgeConnection) => void>();
  const setLink = (next: BridgeConnection): void => {
    link = next;
    for (const l of linkListeners) l(next);
  };

  // Calls wait at this gate while (re)connecting; it opens with the socket and closes with it.
  interface Gate { promise: Promise<void>; open(): void; fail(err: Error): void; settled: boolean }
  const newGate = (): Gate => {
    const g = { settled: false } as Gate;
    g.promise = new Promise<void>((resolve, reject) => {
      g.open = () => { g.settled = true; resolve(); };
      g.fail = (err) => { g.settled = true; reject(err); };
    });
    g.promise.catch(() => undefined);
    return g;
  };
  let gate = newGate();
  const ready = gate.promise;

  // Heartbeat: one ping in flight at a time. Only an unanswered ping counts, so a background tab
  // whose timers the browser slows down is not mistaken for a dead bridge.
  let pingTimer: ReturnType<typeof setInterval> | null = null;
  let pingSentAt: number | null = null;
  const stopHeartbeat = (): void => {
    if (pingTimer) clearInterval(pingTimer);
    pingTimer = null;
    pingSentAt = null;
  };
  function startHeartbeat(ws: WebSocket): void {
    stopHeartbeat();
    pingTimer = setInterval(() => {
      if (socket !== ws || ws.readyState !== WS.OPEN) return;
      if (pingSentAt !== null) {
        if (Date.now() - pingSentAt > deadAfter) dropped(ws, 'The Hush bridge stopped answering.');
        return;
      }
      pingSentAt = Date.now();
      const id = nextId++;
      pending.set(id, { channel: 'bridge:ping', resolve: () => (pingSentAt = null), reject: () => undefined });
      ws.send(JSON.stringify({ id, channel: 'bridge:ping', payload: {} }));
    }, Math.min(pingEvery, deadAfter / 2));
  }

  /** Why the socket cannot come back: asks the bridge's /health (null: it may, keep trying). */
  async function whyLost(): Promise<'unreachable' | 'token-rejected' | null> {
    const f = options.fetchImpl ?? (typeof fetch === 'function' ? fetch : null);
    if (!f) return null;
    const url = new URL(options.socketUrl);
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    url.pathname = '/health';
    url.search = `?token=${encodeURIComponent(options.token)}`;
    try {
      const res = await f(url.toString(), { cache: 'no-store' });
      return res.status === 403 ? 'token-rejected' : null;
    } catch {
      return 'unreachable';
    }
  }

  /** The socket is gone (closed, or silent past the heartbeat): fail what waits on it, then retry or give up. */
  function dropped(ws: WebSocket, why: string): void {
    if (socket !== ws) return;
    socket = null;
    stopHeartbeat();
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch {
      // already closing
    }
    for (const p of pending.values()) p.reject(lost('Lost the connection to the Hush bridge.'));
    pending.clear();
    if (gate.settled) gate = newGate();
    const giveUp = (reason: 'unreachable' | 'token-rejected' | 'closed'): void => {
      gate.fail(lost(BRIDGE_LOST_TEXT[reason]));
      setLink({ state: 'lost', reason, message: BRIDGE_LOST_TEXT[reason] });
    };
    if (closed || options.reconnect === false) return giveUp(closed ? 'closed' : 'unreachable');
    setLink({ state: 'reconnecting', message: `${why} Reconnecting…` });
    void whyLost().then((reason) => {
      if (closed) return giveUp('closed');
      if (reason === 'token-rejected') return giveUp(reason);
      if (++attempts > 8) return giveUp('unreachable');
      if (reason === 'unreachable') setLink({ state: 'reconnecting', message: 'The Hush bridge is not answering (stopped, or restarting). Retrying…' });
      // The bridge may be restarting: try again with a growing pause.
      setTimeout(connect, Math.min(4000, 125 * 2 ** attempts));
    });
  }

  function connect(): void {
    if (closed) return;
    const ws = new WS(`${options.socketUrl}?token=${encodeURIComponent(options.token)}`);
    socket = ws;
    ws.onopen = () => {
      attempts = 0;
      gate.open();
      setLink({ state: 'connected' });
      startHeartbeat(ws);
    };
    ws.onmessage = (msg: MessageEvent) => {
      if (socket !== ws) return;
      // Any frame shows the bridge is alive, even while a ping reply queues behind a big answer.
      if (pingSentAt !== null) pingSentAt = Date.now();
      if (typeof msg.data !== 'string') return;
      let frame: unknown;
      try {
        frame = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (typeof frame !== 'object' || frame === null) return;
      if ('id' in frame && typeof frame.id === 'number' && 'reply' in frame) {
        const p = pending.get(frame.id);
        if (!p) return;
        pending.delete(frame.id);
        try {
          p.resolve(unwrapReply(p.channel, frame.reply));
        } catch (err) {
          p.reject(err as Error);
        }
        return;
      }
      if ('event' in frame && typeof frame.event === 'string' && frame.event in events) {
        const name = frame.event as EventName;
        const checked = checkEvent(name, 'payload' in frame ? frame.payload : undefined);
        if (!checked) return;
        for (const l of listeners.get(name) ?? []) l(checked.payload);
      }
    };
    ws.onclose = () => dropped(ws, 'Lost the connection to the Hush bridge.');
    // 'close' follows every error; without a listener Node's ws would throw it.
    ws.onerror = () => undefined;
  }

  async function call<C extends Callable>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    if (closed) throw lost('The connection to the Hush bridge is closed.');
    await gate.promise;
    const ws = socket;
    if (!ws || ws.readyState !== WS.OPEN) throw lost('Not connected to the Hush bridge.');
    const id = nextId++;
    return new Promise<ResponseOf<C>>((resolve, reject) => {
      pending.set(id, { channel, resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, channel, payload: request }));
    });
  }

  function subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Unsubscribe {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const wrapped = listener as (payload: unknown) => void;
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  }

  async function uploadOne(file: File): Promise<AddFilesResult> {
    const { uploadId } = await call('upload:begin', { name: file.name, size: file.size });
    try {
      for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
        const bytes = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
        await call('upload:chunk', { uploadId, offset, data: toBase64(bytes) });
      }
      return await call('upload:end', { uploadId });
    } catch (err) {
      await call('upload:abort', { uploadId }).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Files this page uploaded, by what the browser says identifies them (each upload gets a new temp
   * path on the bridge, so the registry cannot tell a re-drop of the same file from a new one).
   */
  const uploaded = new Map<string, FileEntry['id']>();
  const identity = (f: File): string => `${f.name}\u0000${f.size}\u0000${f.lastModified}`;

  async function addFiles(files: readonly File[]): Promise<AddFilesResult> {
    const result: { added: AddFilesResult['added']; rejected: AddFilesResult['rejected'] } = { added: [], rejected: [] };
    // Which earlier uploads are still in the queue (asked once, only when a file looks like one).
    let queued: Set<string> | null = null;
    for (const file of files) {
      const earlier = uploaded.get(identity(file));
      if (earlier !== undefined) {
        queued ??= new Set((await call('files:list', {})).map((e) => e.id));
        if (queued.has(earlier)) {
          result.rejected.push({ name: file.name, reason: 'already in the queue' });
          continue;
        }
        uploaded.delete(identity(file));
      }
      const ext = extOf(file.name);
      if (!kindOfExtension(ext)) {
        // Folders hold other files too: skip them here instead of uploading them first.
        result.rejected.push({ name: file.name, reason: ext ? `.${ext} files are not supported` : 'files without an extension are not supported' });
        continue;
      }
      try {
        const r = await uploadOne(file);
        if (r.added.length === 1) uploaded.set(identity(file), r.added[0].id);
        result.added.push(...r.added);
        result.rejected.push(...r.rejected);
      } catch (err) {
        result.rejected.push({ name: file.name, reason: err instanceof Error ? err.message.replace(/^\[[a-z-]+\] /, '') : String(err) });
      }
    }
    return result;
  }

  function openFiles(opts?: { folders?: boolean }): Promise<AddFilesResult> {
    // Runs synchronously up to input.click(), so the click handler's user activation still counts.
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    if (opts?.folders) input.webkitdirectory = true;
    else input.accept = [...ACCEPTED_EXTENSIONS.image, ...ACCEPTED_EXTENSIONS.audio].map((e) => `.${e}`).join(',');
    input.style.display = 'none';
    document.body.appendChild(input);
    const picked = new Promise<File[]>((resolve) => {
      input.addEventListener('change', () => resolve(input.files ? [...input.files] : []), { once: true });
      input.addEventListener('cancel', () => resolve([]), { once: true });
    });
    input.click();
    return picked.then(async (files) => {
      input.remove();
      return addFiles(files);
    });
  }

  const api: WebClient = {
    ready,
    connection: () => link,
    onConnection(listener) {
      linkListeners.add(listener);
      listener(link);
      return () => {
        linkListeners.delete(listener);
      };
    },
    close() {
      closed = true;
      const ws = socket;
      if (ws) dropped(ws, 'Closed.');
      else setLink({ state: 'lost', reason: 'closed', message: BRIDGE_LOST_TEXT.closed });
    },
    ...buildHushApi({ invoke: call, subscribe }, { addFiles, openFiles }),
  };

  connect();
  return api;
}

/**
 * Connect the way the bridge serves the page: token from the injected
 * <meta name="hush-bridge-token"> (or ?token=), socket on the page's own host (or ?bridge=ws://…,
 * for a Vite dev server started with the bridge's --allow-origin).
 */
export async function connectFromLocation(): Promise<WebClient> {
  const params = new URLSearchParams(location.search);
  const token = document.querySelector<HTMLMetaElement>('meta[name="hush-bridge-token"]')?.content || params.get('token') || '';
  if (!token) throw apiErrorToError({ code: 'unavailable', message: 'No bridge token: open the URL printed by `npm run dev:web`.' });
  const socketUrl = params.get('bridge') || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const client = createWebClient({ socketUrl, token });
  await client.ready;
  return client;
}
