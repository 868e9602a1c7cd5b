// Turns a map of handlers into one validated entry point that every transport (ipcMain, the web
// bridge) calls: request parsed with the contract's schema, handler run, response checked against
// its schema, and every failure turned into a typed reply. `HandlerMap<C>` demands a handler for
// every channel of C, so a channel without a handler is a compile error.
import { allChannels, type AnyChannel, type Reply, type RequestOf, type ResponseOf } from './contract.ts';
import { IpcFailure, toApiError } from './ipc-failure.ts';

export interface CallContext {
  readonly transport: 'electron' | 'web';
}

export type ChannelHandler<C extends AnyChannel> = (request: RequestOf<C>, context: CallContext) => Promise<ResponseOf<C>>;
export type HandlerMap<C extends AnyChannel> = { readonly [K in C]: ChannelHandler<K> };

export interface Dispatcher<C extends AnyChannel> {
  /** The channels this dispatcher serves (exactly the keys of its handler map). */
  readonly channels: readonly C[];
  serves(channel: string): channel is C;
  /** Validate, run, validate the answer. Never throws. */
  dispatch(channel: string, payload: unknown, context: CallContext): Promise<Reply<unknown>>;
}

const describeIssues = (issues: readonly { path: readonly PropertyKey[]; message: string }[]): string =>
  issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');

export function createDispatcher<C extends AnyChannel>(handlers: HandlerMap<C>): Dispatcher<C> {
  const served = Object.keys(handlers) as C[];
  const set = new Set<string>(served);
  for (const c of served) if (!(c in allChannels)) throw new Error(`handler for unknown channel ${c}`);
  const serves = (channel: string): channel is C => set.has(channel);
  return {
    channels: served,
    serves,
    async dispatch(channel, payload, context) {
      if (!serves(channel)) return { ok: false, error: { code: 'invalid-request', message: `Unknown request "${String(channel).slice(0, 60)}".` } };
      const def = allChannels[channel];
      // Missing payloads (undefined over IPC, absent in JSON) mean "no arguments".
      const parsed = def.request.safeParse(payload ?? {});
      if (!parsed.success) return { ok: false, error: { code: 'invalid-request', message: `Invalid ${channel} request: ${describeIssues(parsed.error.issues)}` } };
      try {
        const handler = handlers[channel] as ChannelHandler<C>;
        const value = await handler(parsed.data as RequestOf<C>, context);
        const checked = def.response.safeParse(value ?? null);
        if (!checked.success) throw new IpcFailure('internal', `The ${channel} answer broke the contract: ${describeIssues(checked.error.issues)}`);
        return { ok: true, value: checked.data };
      } catch (err) {
        return { ok: false, error: toApiError(err) };
      }
    },
  };
}
