// The engine host across a real process boundary: a Node child process running the copy-engine
// fixture (real server, transport, queue and output naming; no TF.js).
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../main/engine/jobs/events.ts';
import { HushError } from '../../main/engine/types.ts';
import { EngineClient, type CrashInfo } from '../../main/host/engine-client.ts';
import { jobEventSchema } from '../../main/host/protocol.ts';
import { forkNodeEngine, type ForkOptions } from '../../main/host/transport.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/copy-engine-process.ts', import.meta.url));
const spawnFixture = (extra: Partial<ForkOptions> = {}) => () => forkNodeEngine({ entry: FIXTURE, ...extra });

let dir: string;
let out: string;
const clients: EngineClient[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hush-host-'));
  out = path.join(dir, 'out');
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await rm(dir, { recursive: true, force: true });
});

function client(extra: Partial<ForkOptions> = {}, cancelGraceMs = 15_000): EngineClient {
  const c = new EngineClient({ spawn: spawnFixture(extra), startTimeoutMs: 30_000, cancelGraceMs });
  clients.push(c);
  return c;
}

async function files(...names: string[]): Promise<string[]> {
  return Promise.all(names.map(async (n) => {
    const p = path.join(dir, n);
    await writeFile(p, `content of ${n}`);
    return p;
  }));
}

describe('engine host', () => {
  it('answers calls and streams well-formed batch events', async () => {
    const c = client();
    const info = await c.info();
    expect(info.pid).toBe(c.pid);
    const events: JobEvent[] = [];
    const inputs = await files('a.png', 'b.png');
    const summary = await c.denoise({ files: inputs.map((p) => ({ path: p })), outDir: out }, (e) => events.push(e)).result;
    expect(summary).toMatchObject({ total: 2, done: 2, failed: 0 });
    expect(events.length).toBeGreaterThan(4);
    for (const e of events) expect(jobEventSchema.safeParse(e).success).toBe(true);
    expect((await readdir(out)).sort()).toEqual(['a.png', 'b.png']);
  });

  it('rejects an invalid request before it leaves, with a typed error', async () => {
    const c = client();
    await expect(c.call('denoise', { files: [{ path: '/x\0y' }], outDir: out })).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('invalid denoise request') });
    await expect(c.previewAudio({ path: '/a.wav', reductionDb: 500, startSec: 0, durationSec: 1 })).rejects.toBeInstanceOf(HushError);
  });

  it('survives malformed messages: the engine answers with an error and keeps serving', async () => {
    const child = forkNodeEngine({ entry: FIXTURE });
    const received: unknown[] = [];
    child.onMessage((m) => received.push(m));
    const exited = new Promise<void>((r) => child.onExit(() => r()));
    await new Promise<void>((r) => { const t = setInterval(() => { if (received.length) { clearInterval(t); r(); } }, 10); });
    child.postMessage('garbage');
    child.postMessage({ kind: 'call', id: 5, method: 'denoise', params: { files: 'everything' } });
    child.postMessage({ kind: 'call', id: 6, method: 'rm -rf', params: {} });
    child.postMessage({ kind: 'call', id: 7, method: 'info', params: {} });
    await new Promise<void>((r) => { const t = setInterval(() => { if (received.length >= 5) { clearInterval(t); r(); } }, 10); });
    expect(received[0]).toMatchObject({ kind: 'ready' });
    expect(received).toContainEqual(expect.objectContaining({ kind: 'protocol-error' }));
    expect(received).toContainEqual({ kind: 'error', id: 5, error: { code: 'internal', message: expect.stringContaining('invalid request') } });
    expect(received).toContainEqual(expect.objectContaining({ kind: 'error', id: 6 }));
    expect(received).toContainEqual(expect.objectContaining({ kind: 'result', id: 7 }));
    child.kill();
    await exited;
  });

  it('reports a crash mid-batch, fails only the file that was running, restarts and finishes the rest', async () => {
    const c = client();
    const crashes: CrashInfo[] = [];
    c.onCrash((i) => crashes.push(i));
    const inputs = await files('a.png', 'crash-b.png', 'c.png', 'd.png');
    const events: JobEvent[] = [];
    const summary = await c.denoise({ files: inputs.map((p) => ({ path: p })), outDir: out }, (e) => events.push(e)).result;
    expect(summary.outcomes.map((o) => o.status)).toEqual(['done', 'failed', 'done', 'done']);
    const failed = summary.outcomes[1];
    expect(failed.status === 'failed' && failed.error.code).toBe('engine-crashed');
    expect(crashes).toHaveLength(1);
    expect(crashes[0].code).toBe(9);
    expect(c.restarts).toBe(1);
    // The crashed process's temp file is swept: only finished outputs remain.
    expect((await readdir(out)).sort()).toEqual(['a.png', 'c.png', 'd.png']);
    // Events stay in request numbering across the restart, and the overall fraction ends at 1.
    const finished = events.filter((e) => e.type === 'file').map((e) => (e.type === 'file' ? e.outcome.index : -1));
    expect(finished.sort()).toEqual([0, 1, 2, 3]);
    expect(events.at(-1)?.overall).toBe(1);
    // ... and never goes back: the crash used to report 0 % for the failed file while one was done.
    for (let i = 1; i < events.length; i++) expect(events[i].overall, `event ${i}`).toBeGreaterThanOrEqual(events[i - 1].overall);
  });

  it('catches an out-of-memory engine as a crash and goes on with the next file', async () => {
    const c = client({ execArgv: ['--max-old-space-size=48'] });
    const crashes: CrashInfo[] = [];
    c.onCrash((i) => crashes.push(i));
    const inputs = await files('a.png', 'oom-b.png', 'c.png');
    const summary = await c.denoise({ files: inputs.map((p) => ({ path: p })), outDir: out }).result;
    expect(summary.outcomes.map((o) => o.status)).toEqual(['done', 'failed', 'done']);
    const failed = summary.outcomes[1];
    expect(failed.status === 'failed' && failed.error.message).toMatch(/out of memory/);
    expect(crashes[0]?.outOfMemory).toBe(true);
  });

  it('rejects calls in flight when the process is killed, and serves the next call from a fresh one', async () => {
    const c = client();
    const [hang] = await files('hang.png');
    const firstPid = (await c.info()).pid;
    const pending = c.estimate(hang);
    setTimeout(() => process.kill(firstPid, 'SIGKILL'), 200);
    await expect(pending).rejects.toMatchObject({ code: 'engine-crashed', message: expect.stringContaining('SIGKILL') });
    const info = await c.info();
    expect(info.pid).not.toBe(firstPid);
  });

  it('cancels a batch: running file aborted without a partial output, queued files cancelled', async () => {
    const c = client();
    const inputs = await files('a.png', 'hang-b.png', 'c.png');
    const handle = c.denoise({ files: inputs.map((p) => ({ path: p })), outDir: out }, (e) => {
      if (e.type === 'progress' && e.index === 1 && e.stage === 'denoising') handle.cancel();
    });
    const summary = await handle.result;
    expect(summary.wasCancelled).toBe(true);
    expect(summary.outcomes.map((o) => o.status)).toEqual(['done', 'cancelled', 'cancelled']);
    expect(await readdir(out)).toEqual(['a.png']);
  });

  it('kills an engine stuck in a computation that cannot hear the cancel, and reports the files as cancelled', async () => {
    const c = client({}, 500);
    const inputs = await files('a.png', 'stuck-b.png', 'c.png');
    const firstPid = (await c.info()).pid;
    const handle = c.denoise({ files: inputs.map((p) => ({ path: p })), outDir: out }, (e) => {
      if (e.type === 'progress' && e.index === 1 && e.stage === 'denoising') handle.cancel();
    });
    const t0 = Date.now();
    const summary = await handle.result;
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(summary.wasCancelled).toBe(true);
    expect(summary.outcomes.map((o) => o.status)).toEqual(['done', 'cancelled', 'cancelled']);
    expect(await readdir(out)).toEqual(['a.png']);
    expect((await c.info()).pid).not.toBe(firstPid);
  });

  it('cancels a single call through its AbortSignal', async () => {
    const c = client();
    const [hang] = await files('hang.png');
    const controller = new AbortController();
    const pending = c.estimate(hang, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });
});
