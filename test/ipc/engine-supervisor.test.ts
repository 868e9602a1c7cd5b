// The engine's state as the app shows it, on a real engine process: starting → ready, busy while a
// call runs, crashed with the reason when the process is killed, then restarted without a new call.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../main/host/engine-client.ts';
import type { EngineStatus } from '../../main/ipc/contract.ts';
import { EngineSupervisor } from '../../main/ipc/engine-supervisor.ts';

const photo = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'images/eval/CBSD68/101085.png');
const client = new EngineClient();
const supervisor = new EngineSupervisor(client, { restartDelayMs: 100 });
const seen: EngineStatus[] = [];
supervisor.onStatus((s) => seen.push(s));

afterAll(() => supervisor.stop());

async function until(test: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out; states seen: ${seen.map((s) => s.state).join(' → ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('EngineSupervisor', () => {
  it('reports starting, then ready with the backend', async () => {
    expect(supervisor.status().state).toBe('starting');
    supervisor.start();
    await until(() => supervisor.status().state === 'ready');
    expect(supervisor.status().backend).toMatch(/wasm|tensorflow|cpu/);
  });

  it('is busy while a call runs and ready after', async () => {
    seen.length = 0;
    const thumb = await supervisor.api().thumbnail(photo, 64);
    expect(Math.max(thumb.image.width, thumb.image.height)).toBe(64);
    expect(seen.map((s) => s.state)).toEqual(['busy', 'ready']);
  });

  it('reports a crash with its reason and restarts the engine by itself', async () => {
    seen.length = 0;
    const pid = client.pid;
    client.kill();
    await until(() => seen.some((s) => s.state === 'restarted'));
    await until(() => supervisor.status().state === 'ready');
    const crash = seen.find((s) => s.state === 'crashed')!;
    expect(crash.message).toMatch(/killed \(SIGKILL\)/);
    expect(supervisor.status().restarts).toBe(1);
    expect(client.pid).not.toBe(pid);
    // And it works again.
    const again = await supervisor.api().thumbnail(photo, 32);
    expect(Math.max(again.image.width, again.image.height)).toBe(32);
  });
});
