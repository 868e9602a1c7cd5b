// The real engine in its own process (tsx child, shipped models): killing it mid-batch fails only the
// running file, leaves no partial output, and the batch finishes on a fresh process.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, type CrashInfo } from '../../main/host/engine-client.ts';
import { CBSD68, decodeRgb, FREE_PHOTOS, writeNoisyPng } from '../engine/engine-helpers.ts';

let dir: string;
let client: EngineClient;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hush-host-real-'));
  client = new EngineClient();
});
afterAll(async () => {
  await client?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('engine host with the real engine', () => {
  it('survives a kill mid-batch: the running file fails as engine-crashed, the rest complete', async () => {
    const big = path.join(dir, 'big.png');
    await sharp(path.join(FREE_PHOTOS, 'Garden.jpg')).resize(1600).png().toFile(big);
    const small = path.join(dir, 'small.png');
    await writeNoisyPng(await decodeRgb(path.join(CBSD68, '101087.png')), 25, small);
    const out = path.join(dir, 'out');
    const crashes: CrashInfo[] = [];
    client.onCrash((c) => crashes.push(c));
    const firstPid = (await client.info()).pid;
    let killed = false;
    const summary = await client.denoise({ files: [{ path: big }, { path: small }], outDir: out, sigma: 20 }, (e) => {
      if (!killed && e.type === 'progress' && e.index === 0 && e.stage === 'denoising' && e.fraction > 0.2) {
        killed = true;
        process.kill(firstPid, 'SIGKILL');
      }
    }).result;
    expect(killed).toBe(true);
    expect(summary.outcomes.map((o) => (o.status === 'failed' ? o.error.code : o.status))).toEqual(['engine-crashed', 'done']);
    expect(crashes).toHaveLength(1);
    expect(crashes[0].signal).toBe('SIGKILL');
    expect(client.pid).not.toBe(firstPid);
    // Give the sweep of the dead process's temp files a moment (it runs as the crash is handled).
    expect(await readdir(out)).toEqual(['small.png']);
  });
});
