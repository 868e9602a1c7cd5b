// Keeps the app's engine process alive and says what it is doing: starting → ready ⇄ busy, and after
// a crash: crashed → restarted. The EngineClient (main/host/engine-client.ts) already starts a fresh
// process on the next call after a crash and carries a running batch over; the supervisor restarts
// it eagerly (with a growing back-off) so previews do not pay the start-up, and reports each step.
// Used by the Electron main process (utilityProcess) and the web bridge (child_process) alike.
import type { EngineApi } from '../engine/engine-api.ts';
import type { EngineStatus } from './contract.ts';
import type { EngineHost } from './handlers.ts';

/** What the supervisor needs from an engine client: the API plus crash/ready notifications. */
export interface SupervisedEngine extends EngineApi {
  onCrash(listener: (info: { readonly message: string }) => void): () => void;
  onReady(listener: (info: { readonly restarts: number }) => void): () => void;
}

export interface SupervisorOptions {
  /** Delay before the first restart; doubles per crash in a row, up to maxRestartDelayMs. */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
  /** After running this long without a crash, the back-off starts over. */
  readonly stableAfterMs?: number;
}

type Listener = (status: EngineStatus) => void;

export class EngineSupervisor implements EngineHost {
  private current: EngineStatus;
  private readonly listeners = new Set<Listener>();
  private inFlight = 0;
  private restarts = 0;
  private crashesInARow = 0;
  private readyAt = 0;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private backend: string | null = null;
  private readonly proxy: EngineApi;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly client: SupervisedEngine, private readonly options: SupervisorOptions = {}) {
    this.current = this.make('starting', null);
    this.proxy = this.makeProxy();
    this.offs.push(
      client.onCrash((info) => this.onCrash(info.message)),
      client.onReady((info) => {
        this.readyAt = Date.now();
        this.restarts = info.restarts;
        if (info.restarts > 0) this.set('restarted', 'The engine was restarted after a crash.');
        // Started by a call rather than start(): learn the backend and say it is ready.
        else if (this.current.state === 'starting') this.warmUp();
      }),
    );
  }

  /** Start the engine process now (rather than on the first call) and learn its backend. */
  start(): void {
    this.warmUp();
  }

  api(): EngineApi {
    return this.proxy;
  }

  status(): EngineStatus {
    return this.current;
  }

  onStatus(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const off of this.offs) off();
    await this.client.dispose();
  }

  private make(state: EngineStatus['state'], message: string | null): EngineStatus {
    return { state, backend: this.backend, message, restarts: this.restarts, at: Date.now() };
  }

  private set(state: EngineStatus['state'], message: string | null = null): void {
    this.current = this.make(state, message);
    for (const l of this.listeners) l(this.current);
  }

  private warmUp(): void {
    if (this.stopped) return;
    this.client.info().then(
      (info) => {
        this.backend = info.backend.name + (info.backend.name === 'wasm' && info.backend.simd ? ' (SIMD)' : '');
        if (this.current.state === 'starting' || this.current.state === 'restarted' || this.current.state === 'crashed') {
          this.set(this.inFlight > 0 ? 'busy' : 'ready');
        }
      },
      () => {
        // The crash listener reports it (and schedules the next try).
      },
    );
  }

  private onCrash(message: string): void {
    if (this.stopped) return;
    if (Date.now() - this.readyAt > (this.options.stableAfterMs ?? 60_000)) this.crashesInARow = 0;
    this.crashesInARow++;
    this.set('crashed', message);
    if (this.restartTimer) return;
    const delay = Math.min((this.options.restartDelayMs ?? 500) * 2 ** (this.crashesInARow - 1), this.options.maxRestartDelayMs ?? 30_000);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.warmUp();
    }, delay);
    this.restartTimer.unref?.();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight++;
    if (this.inFlight === 1 && (this.current.state === 'ready' || this.current.state === 'restarted')) this.set('busy');
    const done = (): void => {
      this.inFlight--;
      if (this.inFlight === 0 && (this.current.state === 'busy' || this.current.state === 'restarted')) this.set('ready');
    };
    p.then(done, done);
    return p;
  }

  private makeProxy(): EngineApi {
    const c = this.client;
    return {
      info: () => c.info(),
      estimate: (p, o) => this.track(c.estimate(p, o)),
      previewImage: (r, o) => this.track(c.previewImage(r, o)),
      thumbnail: (p, s, o) => this.track(c.thumbnail(p, s, o)),
      audioOverview: (r, o) => this.track(c.audioOverview(r, o)),
      previewAudio: (r, o) => this.track(c.previewAudio(r, o)),
      denoise: (request, onEvent) => {
        const handle = c.denoise(request, onEvent);
        void this.track(handle.result); // the caller awaits handle.result itself
        return handle;
      },
      dispose: () => this.stop(),
    };
  }
}
