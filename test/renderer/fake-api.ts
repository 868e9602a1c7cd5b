// An in-memory HushApi for renderer tests: every call is recorded in `calls`; answers come from
// `handlers` (set what a test needs; an unset method rejects, so a test cannot pass by accident on
// a call it did not expect). `hold(method)` parks that method's answers until `release()`.
import type { HushApi } from '../../main/ipc/contract.ts';

type Method = { [K in keyof HushApi]: HushApi[K] extends (...a: never[]) => Promise<unknown> ? K : never }[keyof HushApi];
type Handler<K extends Method> = (...args: Parameters<HushApi[K]>) => Awaited<ReturnType<HushApi[K]>> | Promise<Awaited<ReturnType<HushApi[K]>>>;

export interface Call {
  readonly method: keyof HushApi;
  readonly args: readonly unknown[];
}

export class FakeApi {
  readonly calls: Call[] = [];
  readonly handlers: { [K in Method]?: Handler<K> } = {};
  private readonly held = new Map<Method, (() => void)[]>();
  private readonly listeners = new Map<string, Set<(v: never) => void>>();

  /** Calls of one method, in order. */
  callsOf(method: keyof HushApi): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => [...c.args]);
  }

  hold(method: Method): void {
    if (!this.held.has(method)) this.held.set(method, []);
  }

  /** Let the oldest held answer of `method` through (all of them when `all`). */
  release(method: Method, all = false): void {
    const q = this.held.get(method);
    if (!q) return;
    do q.shift()?.();
    while (all && q.length);
  }

  /** Stop holding `method` and let everything parked through. */
  unhold(method: Method): void {
    this.release(method, true);
    this.held.delete(method);
  }

  emit(event: 'onEngineStatus' | 'onExportProgress' | 'onFilesAdded' | 'onMenuCommand', value: unknown): void {
    for (const l of this.listeners.get(event) ?? []) (l as (v: unknown) => void)(value);
  }

  private async answer<K extends Method>(method: K, args: Parameters<HushApi[K]>): Promise<Awaited<ReturnType<HushApi[K]>>> {
    this.calls.push({ method, args });
    const q = this.held.get(method);
    if (q) await new Promise<void>((r) => q.push(r));
    const h = this.handlers[method] as Handler<K> | undefined;
    if (!h) throw new Error(`[internal] FakeApi: ${method} not faked`);
    return h(...args);
  }

  private subscribe(event: string, l: (v: never) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(l);
    this.listeners.set(event, set);
    return () => set.delete(l);
  }

  /** The HushApi the app and components see. */
  readonly api: HushApi = {
    addFiles: (...a) => this.answer('addFiles', a),
    openFiles: (...a) => this.answer('openFiles', a),
    listFiles: (...a) => this.answer('listFiles', a),
    removeFiles: (...a) => this.answer('removeFiles', a),
    getThumbnail: (...a) => this.answer('getThumbnail', a),
    getAudioOverview: (...a) => this.answer('getAudioOverview', a),
    estimateNoise: (...a) => this.answer('estimateNoise', a),
    previewImage: (...a) => this.answer('previewImage', a),
    previewAudio: (...a) => this.answer('previewAudio', a),
    previewFull: (...a) => this.answer('previewFull', a),
    chooseOutputFolder: (...a) => this.answer('chooseOutputFolder', a),
    exportBatch: (...a) => this.answer('exportBatch', a),
    cancelExport: (...a) => this.answer('cancelExport', a),
    revealItem: (...a) => this.answer('revealItem', a),
    getSettings: (...a) => this.answer('getSettings', a),
    setSettings: (...a) => this.answer('setSettings', a),
    getAppInfo: (...a) => this.answer('getAppInfo', a),
    getEngineStatus: (...a) => this.answer('getEngineStatus', a),
    onEngineStatus: (l) => this.subscribe('onEngineStatus', l),
    onExportProgress: (l) => this.subscribe('onExportProgress', l),
    onFilesAdded: (l) => this.subscribe('onFilesAdded', l),
    onMenuCommand: (l) => this.subscribe('onMenuCommand', l),
  };
}
