// Compile-time checks (run by `tsc`, see test/electron/typecheck.test.ts): a handler map must have a
// handler for every channel, each taking that channel's request and returning its response.
import type { Channel, ElectronChannel } from '../../main/ipc/contract.ts';
import type { HandlerMap } from '../../main/ipc/dispatch.ts';

declare const full: HandlerMap<Channel>;
const { 'files:list': _omitted, ...missingOne } = full;
// @ts-expect-error a map without 'files:list' is not a HandlerMap<Channel>
export const incomplete: HandlerMap<Channel> = missingOne;

export const wrongResponse: HandlerMap<'engine:status'> = {
  // @ts-expect-error the handler must return an EngineStatus, not a string
  'engine:status': async () => 'ready',
};

export const wrongRequest: HandlerMap<ElectronChannel> = {
  // @ts-expect-error files:add-paths receives { paths: string[] }, not a bare string
  'files:add-paths': async (p: string) => ({ added: [], rejected: [p] }),
  'files:open-dialog': async () => ({ added: [], rejected: [] }),
};
