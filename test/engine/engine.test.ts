// The Engine API in-process with the shipped models: content routing, mixed batches with bad files,
// cancel, estimates, previews. Outputs are decoded and measured, not just checked to exist.
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../main/engine/engine.ts';
import type { JobEvent } from '../../main/engine/jobs/events.ts';
import { jobEventSchema, methods } from '../../main/host/protocol.ts';
import { psnr } from '../../ml/image/metrics.ts';
import { siSdr } from '../../ml/audio/metrics-basic.ts';
import { CBSD68, decodeAudio, decodeRgb, FREE_PHOTOS, VCTK, writeNoisyPng, writeTruncated, type Rgb } from './engine-helpers.ts';

let engine: Engine;
let dir: string;
let clean: Rgb;
let noisyPng: string;

beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
  dir = await mkdtemp(path.join(tmpdir(), 'hush-engine-'));
  clean = await decodeRgb(path.join(CBSD68, '101085.png'));
  noisyPng = path.join(dir, '101085.png');
  await writeNoisyPng(clean, 25, noisyPng);
});
afterAll(async () => {
  await engine?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('engine', () => {
  it('reports its backend, models and versions', async () => {
    const info = await engine.info();
    expect(methods.info.result.safeParse(info).success).toBe(true);
    expect(info.backend.name).toBe('wasm');
    expect(info.backend.simd).toBe(true);
    expect(info.models.image?.params).toBeGreaterThan(10_000);
    expect(info.models.audio?.params).toBeGreaterThan(1_000);
    expect(info.modelErrors).toEqual([]);
    expect(info.versions.libvips).toMatch(/^\d+\.\d+/);
  });

  it('denoises a mixed batch routed by content, reporting bad files with typed errors as it goes on', async () => {
    const inputs = path.join(dir, 'mixed');
    const out = path.join(dir, 'mixed-out');
    await rm(inputs, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(inputs);
    const files = {
      photo: path.join(inputs, 'photo.png'),
      disguised: path.join(inputs, 'disguised.wav'), // a PNG named .wav
      speech: path.join(inputs, 'speech.flac'),
      empty: path.join(inputs, 'empty.wav'),
      text: path.join(inputs, 'notes.jpg'),
      truncated: path.join(inputs, 'truncated.jpg'),
    };
    await copyFile(noisyPng, files.photo);
    await copyFile(noisyPng, files.disguised);
    await copyFile(path.join(VCTK, 'noisy/p287_002.flac'), files.speech);
    await writeFile(files.empty, '');
    await writeFile(files.text, 'this is not a photo\n');
    await writeTruncated(await readFile(path.join(FREE_PHOTOS, 'Garden.jpg')), 4000, files.truncated);

    const events: JobEvent[] = [];
    const order = [files.photo, files.empty, files.disguised, files.text, files.speech, files.truncated];
    const summary = await engine.denoise({ files: order.map((p) => ({ path: p })), outDir: out, sigma: 25, reductionDb: 'auto' }, (e) => events.push(e)).result;

    expect(summary.outcomes.map((o) => (o.status === 'failed' ? o.error.code : o.status))).toEqual([
      'done', 'empty-file', 'done', 'unsupported-format', 'done', 'corrupt-file',
    ]);
    for (const o of summary.outcomes) if (o.status === 'failed') expect(o.error.message).not.toContain('\n');
    for (const e of events) expect(jobEventSchema.safeParse(e).success).toBe(true);
    expect(events.filter((e) => e.type === 'file')).toHaveLength(6);

    // Outputs keep the input name, with the extension of the format actually written.
    expect((await readdir(out)).sort()).toEqual(['disguised.png', 'photo.png', 'speech.flac']);
    const noisy = await decodeRgb(noisyPng);
    const denoised = await decodeRgb(path.join(out, 'photo.png'));
    expect([denoised.width, denoised.height]).toEqual([clean.width, clean.height]);
    const before = psnr(clean.data, noisy.data);
    const after = psnr(clean.data, denoised.data);
    expect(after).toBeGreaterThan(before + 3);

    const cleanSpeech = await decodeAudio(path.join(VCTK, 'clean/p287_002.flac'));
    const noisySpeech = await decodeAudio(files.speech);
    const outSpeech = await decodeAudio(path.join(out, 'speech.flac'));
    expect(outSpeech.sampleRate).toBe(noisySpeech.sampleRate);
    expect(outSpeech.channels[0].length).toBe(noisySpeech.channels[0].length);
    expect(siSdr(cleanSpeech.channels[0], outSpeech.channels[0])).toBeGreaterThan(siSdr(cleanSpeech.channels[0], noisySpeech.channels[0]));
    const done = summary.outcomes[4];
    expect(done.status === 'done' && done.result.estimate).toEqual(expect.any(Number));
  });

  it('cancels mid-batch: nothing half-written is left, later files never start', async () => {
    const out = path.join(dir, 'cancel-out');
    const big = path.join(dir, 'big.png');
    // A photo large enough that denoising takes a while on one core.
    await sharp(path.join(FREE_PHOTOS, 'Garden.jpg')).resize(1600).png().toFile(big);
    const handle = engine.denoise({ files: [{ path: big }, { path: noisyPng }, { path: noisyPng }], outDir: out, sigma: 25 }, (e) => {
      if (e.type === 'progress' && e.index === 0 && e.stage === 'denoising' && e.fraction > 0.2) handle.cancel();
    });
    const summary = await handle.result;
    expect(summary.wasCancelled).toBe(true);
    expect(summary.outcomes.map((o) => o.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    const left = await readdir(out).catch(() => []);
    expect(left).toEqual([]);
  });

  it('estimates the noise of a photo and of a recording', async () => {
    const e = await engine.estimate(noisyPng);
    expect(e.kind).toBe('image');
    if (e.kind === 'image') {
      expect(e.sigma).toBeGreaterThan(18);
      expect(e.sigma).toBeLessThan(32);
    }
    const a = await engine.estimate(path.join(VCTK, 'noisy/p287_003.flac'));
    expect(a.kind).toBe('audio');
    if (a.kind === 'audio') expect(a.reductionDb).toBeGreaterThan(0);
  });

  it('renders image previews and thumbnails, audio overviews and previews, all valid for the protocol', async () => {
    const region = { left: 40, top: 30, width: 128, height: 96 };
    const p = await engine.previewImage({ path: noisyPng, sigma: 25, region });
    expect(methods.previewImage.result.safeParse(p).success).toBe(true);
    expect(p.region).toEqual(region);
    const after = await sharp(p.after.data).raw().toBuffer({ resolveWithObject: true });
    expect([after.info.width, after.info.height]).toEqual([128, 96]);
    // The preview crop is denoised: closer to the clean crop than the noisy one is.
    const cleanCrop = await sharp(path.join(CBSD68, '101085.png')).extract(region).removeAlpha().raw().toBuffer();
    const beforeCrop = await sharp(p.before.data).removeAlpha().raw().toBuffer();
    expect(psnr(cleanCrop, await sharp(p.after.data).removeAlpha().raw().toBuffer())).toBeGreaterThan(psnr(cleanCrop, beforeCrop) + 2);

    const t = await engine.thumbnail(noisyPng, 64);
    expect(methods.thumbnail.result.safeParse(t).success).toBe(true);
    expect(Math.max(t.image.width, t.image.height)).toBe(64);
    expect([t.sourceWidth, t.sourceHeight]).toEqual([clean.width, clean.height]);

    const speech = path.join(VCTK, 'noisy/p287_001.flac');
    const o = await engine.audioOverview({ path: speech, points: 200 });
    expect(methods.audioOverview.result.safeParse(o).success).toBe(true);
    expect(o.min.length).toBe(200);
    expect(o.format).toBe('flac');
    const ap = await engine.previewAudio({ path: speech, reductionDb: 20, startSec: 0.5, durationSec: 1 });
    expect(methods.previewAudio.result.safeParse(ap).success).toBe(true);
    expect(new TextDecoder().decode(ap.after.subarray(0, 4))).toBe('RIFF');
  });
});
