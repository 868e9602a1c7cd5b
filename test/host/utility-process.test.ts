// The engine entry runs unchanged as an Electron utilityProcess: it talks through process.parentPort
// when present, and the client drives it through adaptUtilityProcess (here over an emulated port).
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../main/host/engine-client.ts';
import { adaptUtilityProcess, type UtilityProcessLike } from '../../main/host/transport.ts';

const SHIM = fileURLToPath(new URL('./fixtures/utility-process-shim.ts', import.meta.url));
let sawOnlyParentPort = true;

/** A stand-in for Electron's UtilityProcess built on a Node child running the shim. */
function fakeUtilityProcess(): UtilityProcessLike {
  const child = fork(SHIM, [], { execArgv: ['--import', import.meta.resolve('tsx')], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const events = new EventEmitter();
  child.on('message', (m) => {
    const tagged = m as { viaParentPort?: boolean; message?: unknown };
    if (!tagged.viaParentPort) sawOnlyParentPort = false;
    events.emit('message', tagged.message);
  });
  child.on('exit', (code) => events.emit('exit', code ?? 1));
  return {
    get pid() {
      return child.pid;
    },
    stderr: child.stderr,
    postMessage: (message) => child.send(message as object),
    on: (event: 'message' | 'exit', listener: (arg: never) => void) => events.on(event, listener as (...a: unknown[]) => void),
    kill: () => child.kill('SIGKILL'),
  } as UtilityProcessLike;
}

const client = new EngineClient({ spawn: () => adaptUtilityProcess(fakeUtilityProcess()) });
afterAll(() => client.dispose());

describe('engine entry as an Electron utilityProcess', () => {
  it('answers over parentPort and is restarted after it dies', async () => {
    const info = await client.info();
    expect(info.pid).toBe(client.pid);
    expect(info.backend.name).toBe('wasm');
    expect(sawOnlyParentPort).toBe(true);
    process.kill(info.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const again = await client.info();
    expect(again.pid).not.toBe(info.pid);
    expect(client.restarts).toBe(1);
  });
});
