// The engine process's side of the protocol: validates every incoming message, runs the call on the
// engine, streams batch events, answers with a validated result or a typed error, and never dies of
// a malformed message. Kept apart from engine-process.ts so it can be driven with any EngineApi.
import type { EngineApi } from '../engine/engine-api.ts';
import { toErrorInfo } from '../engine/jobs/errors.ts';
import type { ErrorInfo } from '../engine/jobs/events.ts';
import {
  describeIssues, methods, parentMessageSchema, type CallMessage, type ChildMessage, type MethodName,
} from './protocol.ts';
import type { ParentLink } from './transport.ts';

export interface ServeOptions {
  /** Called after a 'shutdown' message once the engine is disposed (default: process.exit(0)). */
  readonly exit?: () => void;
}

/** Best effort to find the call id of a message that failed validation, to answer that call. */
function idOf(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { id, kind } = raw as { id?: unknown; kind?: unknown };
  return kind === 'call' && typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

export function serveEngine(link: ParentLink, getEngine: () => Promise<EngineApi>, options: ServeOptions = {}): void {
  const running = new Map<number, AbortController>();
  const send = (message: ChildMessage): void => {
    try {
      link.post(message);
    } catch (err) {
      // A value that cannot be cloned is our bug; answer the call instead of leaving it hanging.
      if (message.kind === 'result') {
        link.post({ kind: 'error', id: message.id, error: { code: 'internal', message: `could not send the result: ${toErrorInfo(err).message}` } });
      }
    }
  };
  const fail = (id: number, error: ErrorInfo): void => send({ kind: 'error', id, error });

  async function run(call: CallMessage, signal: AbortSignal): Promise<unknown> {
    const engine = await getEngine();
    switch (call.method) {
      case 'info':
        return engine.info();
      case 'denoise': {
        const handle = engine.denoise(call.params, (event) => send({ kind: 'event', id: call.id, event }));
        if (signal.aborted) handle.cancel();
        else signal.addEventListener('abort', () => handle.cancel(), { once: true });
        return handle.result;
      }
      case 'estimate':
        return engine.estimate(call.params.path, { signal });
      case 'previewImage':
        return engine.previewImage(call.params, { signal });
      case 'thumbnail':
        return engine.thumbnail(call.params.path, call.params.maxSide, { signal });
      case 'audioOverview':
        return engine.audioOverview(call.params, { signal });
      case 'previewAudio':
        return engine.previewAudio(call.params, { signal });
    }
  }

  async function handleCall(call: CallMessage): Promise<void> {
    const controller = new AbortController();
    running.set(call.id, controller);
    try {
      const value = await run(call, controller.signal);
      const checked = methods[call.method as MethodName].result.safeParse(value);
      if (checked.success) send({ kind: 'result', id: call.id, value: checked.data });
      else fail(call.id, { code: 'internal', message: `engine produced an invalid ${call.method} result: ${describeIssues(checked.error)}` });
    } catch (err) {
      fail(call.id, toErrorInfo(err));
    } finally {
      running.delete(call.id);
    }
  }

  link.onMessage((raw) => {
    const parsed = parentMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = idOf(raw);
      const message = `invalid request: ${describeIssues(parsed.error)}`;
      if (id !== undefined && !running.has(id)) fail(id, { code: 'internal', message });
      else send({ kind: 'protocol-error', message });
      return;
    }
    const msg = parsed.data;
    if (msg.kind === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    if (msg.kind === 'shutdown') {
      for (const c of running.values()) c.abort();
      void getEngine()
        .then((e) => e.dispose())
        .catch(() => {})
        .finally(() => (options.exit ?? (() => process.exit(0)))());
      return;
    }
    if (running.has(msg.id)) {
      send({ kind: 'protocol-error', message: `call id ${msg.id} is already in use` });
      return;
    }
    void handleCall(msg as CallMessage);
  });
  link.onDisconnect(() => {
    for (const c of running.values()) c.abort();
    process.exit(0);
  });
  send({ kind: 'ready', pid: process.pid });
}
