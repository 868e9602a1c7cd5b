// `hush` end to end, as a user runs it: bin/hush.mjs in a subprocess, the real engine process and the
// shipped models, on a real CBSD68 photo (with σ = 25 noise) and the real noisy VCTK recordings.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psnr } from '../../ml/image/metrics.ts';
import { siSdr } from '../../ml/audio/metrics-basic.ts';
import { CBSD68, decodeAudio, decodeRgb, VCTK, writeNoisyPng } from '../engine/engine-helpers.ts';

const run = promisify(execFile);
const BIN = path.resolve('bin/hush.mjs');

async function hush(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hush-cli-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hush CLI end to end', () => {
  it('hush info names the backend and the models', async () => {
    const r = await hush(['info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backend: wasm \(SIMD\)/);
    expect(r.stdout).toMatch(/image model: .*parameters/);
    expect(r.stdout).toMatch(/audio model: .*parameters/);
  });

  it('denoises a real photo and real recordings into files that decode and are less noisy', async () => {
    const clean = await decodeRgb(path.join(CBSD68, '102061.png'));
    const photo = path.join(dir, '102061.png');
    await writeNoisyPng(clean, 25, photo, 7);
    const names = ['p287_001', 'p287_002', 'p287_003', 'p287_004', 'p287_005', 'p287_006'];
    const speech = names.map((n) => path.join(VCTK, `noisy/${n}.flac`));
    const out = path.join(dir, 'out');

    const r = await hush(['denoise', photo, ...speech, '--out', out, '--sigma', '25']);
    expect(r.stderr).not.toMatch(/FAILED|hush:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/7 done, 0 failed/);
    expect((await readdir(out)).sort()).toEqual(['102061.png', ...names.map((n) => `${n}.flac`)]);

    const noisy = await decodeRgb(photo);
    const denoised = await decodeRgb(path.join(out, '102061.png'));
    const gain = psnr(clean.data, denoised.data) - psnr(clean.data, noisy.data);
    expect(gain).toBeGreaterThan(3);

    // SI-SDR against the clean recordings, averaged over the pairs (as the issue measures it).
    let before = 0;
    let after = 0;
    for (const n of names) {
      const ref = (await decodeAudio(path.join(VCTK, `clean/${n}.flac`))).channels[0];
      before += siSdr(ref, (await decodeAudio(path.join(VCTK, `noisy/${n}.flac`))).channels[0]) / names.length;
      after += siSdr(ref, (await decodeAudio(path.join(out, `${n}.flac`))).channels[0]) / names.length;
    }
    expect(after).toBeGreaterThan(before + 0.3);
  });
});
