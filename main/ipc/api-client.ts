// One HushApi over any request/event transport. The preload (ipcRenderer) and the web bridge's
// browser client (WebSocket) both build their API here, so the two cannot drift: same method →
// channel mapping, same reply and event validation. Browser-safe and Node-free: the sandboxed
// preload bundles it, and it may import nothing but the contract.
import {
  allChannels,
  apiErrorToError,
  events,
  replySchema,
  type AnyChannel,
  type Channel,
  type EventName,
  type EventPayload,
  type HushApi,
  type RequestOf,
  type ResponseOf,
  type Unsubscribe,
} from './contract.ts';

/** What a front needs from its wire: one request/reply call per channel, and event subscriptions. */
export interface ApiTransport {
  // Function-typed properties, not methods: buildHushApi destructures them, so they must not rely on `this`.
  invoke: <C extends Channel>(channel: C, request: RequestOf<C>) => Promise<ResponseOf<C>>;
  subscribe: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => Unsubscribe;
}

/** How files reach main differs per front (paths from disk vs uploads), so each brings its own. */
export type FileIntake = Pick<HushApi, 'addFiles' | 'openFiles'>;

/** The value of a wire reply, validated against the channel's response; throws the API error otherwise. */
export function unwrapReply<C extends AnyChannel>(channel: C, raw: unknown): ResponseOf<C> {
  const reply = replySchema(allChannels[channel].response).safeParse(raw);
  if (!reply.success) throw apiErrorToError({ code: 'internal', message: `Malformed reply to ${channel}.` });
  if (!reply.data.ok) throw apiErrorToError(reply.data.error);
  return reply.data.value as ResponseOf<C>;
}

/** An event's payload when it matches the contract; undefined for anything else (dropped). */
export function checkEvent<E extends EventName>(event: E, payload: unknown): { payload: EventPayload<E> } | undefined {
  const checked = events[event].safeParse(payload);
  return checked.success ? { payload: checked.data as EventPayload<E> } : undefined;
}

export function buildHushApi(transport: ApiTransport, intake: FileIntake): HushApi {
  const { invoke, subscribe } = transport;
  return {
    addFiles: (...a) => intake.addFiles(...a),
    openFiles: (...a) => intake.openFiles(...a),
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
  };
}
