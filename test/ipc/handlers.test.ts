// The handlers both transports serve, on the real engine (a Node child process) and real data: a
// CBSD68 photo with Gaussian noise σ = 25 added (seeded), a CC15 real camera-noise photo, and a VCTK
// noisy/clean speech pair. Checks that
// previews and exports really are cleaner than the inputs, that outputs land only in the chosen
// folder and never over an input, and that progress, cancel and the preview cache behave.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAudioReader } from '../../main/engine/audio/audio-reader.ts';
import { EngineClient } from '../../main/host/engine-client.ts';
import type { Channel, EventName, EventPayload, ExportProgress, ExportRequest, ExportSummary, RequestOf, ResponseOf } from '../../main/ipc/contract.ts';
import { createDispatcher } from '../../main/ipc/dispatch.ts';
import { EngineSupervisor } from '../../main/ipc/engine-supervisor.ts';
import { FileRegistry } from '../../main/ipc/file-registry.ts';
import { createHandlers, type Handlers } from '../../main/ipc/handlers.ts';
import { SettingsStore } from '../../main/ipc/settings-store.ts';

const data = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const cleanPhoto = path.join(data, 'images/eval/CBSD68/101085.png');
const realNoisy = path.join(data, 'images/eval/CC15-real/d800_iso6400_1_real.png');
let noisyPhoto: string; // cleanPhoto + N(0, 25²), written in beforeAll
let photoW = 0;
let photoH = 0;
const vctk = path.join(data, 'audio/pairs/vctk-p287');

let tmp: string;
let out: string;
let engine: EngineSupervisor;
let client: EngineClient;
let registry: FileRegistry;
let handlers: Handlers;
const events: { event: EventName; payload: unknown }[] = [];
let call: <C extends Channel>(channel: C, request: RequestOf<C>) => Promise<ResponseOf<C>>;
let photoId: string;
let realId: string;
let speechId: string;
let speechName: string;
let folderId: string;

async function rgb(input: string | Buffer, region?: { left: number; top: number; width: number; height: number }): Promise<Float64Array> {
  let img = sharp(input).removeAlpha().toColourspace('srgb');
  if (region) img = img.extract(region);
  const { data: px } = await img.raw().toBuffer({ resolveWithObject: true });
  return Float64Array.from(px);
}
const psnr = (a: Float64Array, b: Float64Array): number => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
};
const dataUrlBytes = (url: string): Buffer => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');

async function mono(file: string): Promise<Float64Array> {
  const r = await openAudioReader(file);
  const chunks: Float32Array[] = [];
  for (;;) {
    const ch = await r.read(1 << 16);
    if (ch.length === 0 || ch[0].length === 0) break;
    chunks.push(ch[0]);
  }
  await r.close();
  const outArr = new Float64Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    outArr.set(c, o);
    o += c.length;
  }
  return outArr;
}
/** Scale-invariant SDR of `est` against `ref` (dB). */
function siSdr(est: Float64Array, ref: Float64Array): number {
  const n = Math.min(est.length, ref.length);
  let dot = 0, rr = 0;
  for (let i = 0; i < n; i++) {
    dot += est[i] * ref[i];
    rr += ref[i] * ref[i];
  }
  const a = dot / rr;
  let s = 0, e = 0;
  for (let i = 0; i < n; i++) {
    const t = a * ref[i];
    s += t * t;
    e += (est[i] - t) ** 2;
  }
  return 10 * Math.log10(s / e);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hush-handlers-'));
  out = path.join(tmp, 'out');
  await mkdir(out);
  registry = new FileRegistry();
  const settings = new SettingsStore(path.join(tmp, 'settings.json'));
  await settings.load();
  client = new EngineClient();
  engine = new EngineSupervisor(client, { restartDelayMs: 100 });
  engine.start();
  handlers = createHandlers({
    engine,
    registry,
    settings,
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => events.push({ event, payload }),
    pickOutputFolder: async () => out,
    reveal: async () => true,
    app: { name: 'Hush', version: 'test', transport: 'web', platform: process.platform, versions: {}, capabilities: { reveal: true, pickFolders: true, outputFolder: 'dialog' } },
  });
  const d = createDispatcher(handlers.map);
  call = async (channel, request) => {
    const reply = await d.dispatch(channel, request, { transport: 'web' });
    if (!reply.ok) throw new Error(`[${reply.error.code}] ${reply.error.message}`);
    return reply.value as never;
  };
  // Seeded Gaussian noise (Box–Muller on a xorshift stream), rounded and clipped like a saved photo.
  const { data: px, info } = await sharp(cleanPhoto).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let seed = 0x9e3779b9;
  const uniform = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) + 0.5) / 4294967296;
  };
  const noisy = Buffer.alloc(px.length);
  for (let i = 0; i < px.length; i++) {
    const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    noisy[i] = Math.max(0, Math.min(255, Math.round(px[i] + 25 * g)));
  }
  noisyPhoto = path.join(tmp, 'bsd-101085-noisy25.png');
  await sharp(noisy, { raw: { width: info.width, height: info.height, channels: info.channels } }).png().toFile(noisyPhoto);
  [photoW, photoH] = [info.width, info.height];
  speechName = (await readdir(path.join(vctk, 'noisy'))).sort()[0];
  const added = await registry.addPaths([noisyPhoto, path.join(vctk, 'noisy', speechName), realNoisy], 'dialog');
  [photoId, speechId, realId] = added.added.map((f) => f.id);
  folderId = (await call('output:choose-folder', {}))!.id;
}, 120_000);

afterAll(async () => {
  handlers.dispose();
  await engine.stop();
  await rm(tmp, { recursive: true, force: true });
});

const exportRequest = (items: ExportRequest['items'], extra: Partial<ExportRequest> = {}): ExportRequest => ({
  outputFolderId: folderId,
  items,
  image: { format: 'png', quality: 92 },
  audio: { format: 'wav', sampleFormat: 'float32' },
  namePattern: '{name}-denoised',
  collision: 'unique',
  ...extra,
});

describe('handlers on the real engine', () => {
  it('reports the engine and what the app accepts', async () => {
    const info = await call('app:info', {});
    expect(info.engine?.backend).toMatch(/wasm|tensorflow|cpu/);
    expect(info.accepts.image).toContain('png');
    expect((await call('engine:status', {})).backend).toBeTruthy();
  });

  it('makes a thumbnail that matches the photo', async () => {
    const t = await call('files:thumbnail', { fileId: photoId, maxSide: 128 });
    const meta = await sharp(noisyPhoto).metadata();
    expect([t.sourceWidth, t.sourceHeight]).toEqual([meta.width, meta.height]);
    const thumb = await sharp(dataUrlBytes(t.dataUrl)).metadata();
    expect(Math.max(thumb.width!, thumb.height!)).toBe(128);
    expect([thumb.width, thumb.height]).toEqual([t.width, t.height]);
  });

  it('draws the waveform and spectrogram of a recording', async () => {
    const o = await call('files:audio-overview', { fileId: speechId, columns: 400 });
    expect(o.sampleRate).toBe(16000);
    const samples = await mono(path.join(vctk, 'noisy', speechName));
    expect(o.durationSec).toBeCloseTo(samples.length / 16000, 2);
    expect(o.waveform.min).toHaveLength(400);
    expect(Math.max(...o.waveform.max)).toBeGreaterThan(0.05);
    const png = await sharp(dataUrlBytes(o.spectrogram.dataUrl)).metadata();
    expect([png.width, png.height]).toEqual([o.spectrogram.width, o.spectrogram.height]);
  });

  it('estimates the noise of a photo (synthetic σ = 25 and real camera noise) and of a recording', async () => {
    const img = await call('files:estimate', { fileId: photoId });
    expect(img.kind === 'image' && Math.abs(img.sigma - 25)).toBeLessThan(5);
    const real = await call('files:estimate', { fileId: realId });
    expect(real.kind === 'image' && real.sigma).toBeGreaterThan(1);
    const aud = await call('files:estimate', { fileId: speechId });
    expect(aud.kind === 'audio' && Number.isFinite(aud.snrDb)).toBe(true);
  });

  it('previews an image region: the denoised crop is closer to the clean reference', async () => {
    const region = { left: 128, top: 128, width: 192, height: 160 };
    const p = await call('preview:image', { fileId: photoId, region, sigma: 25 });
    expect(p.region).toEqual(region);
    const ref = await rgb(cleanPhoto, region);
    const before = await rgb(dataUrlBytes(p.before));
    const after = await rgb(dataUrlBytes(p.after));
    expect(before.length).toBe(ref.length);
    expect(psnr(after, ref)).toBeGreaterThan(psnr(before, ref) + 2);
    // A region hanging over the edge is clamped to the image.
    const edge = await call('preview:image', { fileId: photoId, region: { left: 1000, top: 1000, width: 64, height: 64 }, sigma: 25 });
    expect(edge.region).toEqual({ left: photoW - 64, top: photoH - 64, width: 64, height: 64 });
  });

  it('previews an audio excerpt as playable WAVs of the asked length', async () => {
    const p = await call('preview:audio', { fileId: speechId, startSec: 0.5, durationSec: 1.5, reductionDb: 'auto' });
    expect(p.startSec).toBeCloseTo(0.5, 2);
    expect(p.durationSec).toBeCloseTo(1.5, 1);
    for (const wav of [p.before, p.after]) expect(dataUrlBytes(wav).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('renders a full preview once and serves it from the cache after', async () => {
    const first = await call('preview:full', { fileId: photoId, strength: 20 });
    const second = await call('preview:full', { fileId: photoId, strength: 20 });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.ms).toBeLessThan(first.ms);
    expect(first.kind === 'image' && [first.width, first.height]).toEqual([photoW, photoH]);
  });

  it('exports a batch: cleaner outputs in the chosen folder, progress to 100 %, a summary', async () => {
    events.length = 0;
    const summary: ExportSummary = await call('export:start', exportRequest([{ fileId: photoId, strength: 25 }, { fileId: speechId, strength: 'auto' }]));
    expect(summary.succeeded).toBe(2);
    expect(summary.failed).toBe(0);
    expect(summary.results.map((r) => r.outputName)).toEqual(['bsd-101085-noisy25-denoised.png', `${path.parse(speechName).name}-denoised.wav`]);
    for (const r of summary.results) expect(path.dirname(r.outputDisplayPath!)).toBe(out);

    const ref = await rgb(cleanPhoto);
    expect(psnr(await rgb(summary.results[0].outputDisplayPath!), ref)).toBeGreaterThan(psnr(await rgb(noisyPhoto), ref) + 2);
    const clean = await mono(path.join(vctk, 'clean', speechName));
    const noisy = await mono(path.join(vctk, 'noisy', speechName));
    const denoised = await mono(summary.results[1].outputDisplayPath!);
    expect(siSdr(denoised, clean)).toBeGreaterThan(siSdr(noisy, clean));

    const progress = events.filter((e) => e.event === 'export:progress').map((e) => e.payload as ExportProgress);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({ completed: 2, total: 2, overallFraction: 1 });
    for (let i = 1; i < progress.length; i++) expect(progress[i].overallFraction).toBeGreaterThanOrEqual(progress[i - 1].overallFraction - 1e-9);
    // The written files can be revealed by id.
    expect(await call('shell:reveal', { id: summary.results[0].outputId! })).toEqual({ revealed: true });
  });

  it('never writes over an input, even one sitting in the output folder under the output name', async () => {
    const inside = path.join(out, 'lamp.png');
    await copyFile(noisyPhoto, inside);
    const original = await readFile(inside);
    const { added } = await registry.addPaths([inside], 'drop');
    const summary = await call('export:start', exportRequest([{ fileId: added[0].id, strength: 10 }], { namePattern: '{name}', collision: 'overwrite-previous' }));
    expect(summary.results[0].status).toBe('done');
    expect(summary.results[0].outputDisplayPath).not.toBe(inside);
    expect(await readFile(inside)).toEqual(original);
  });

  it('cancels a running export, leaving no partial files', async () => {
    const copies: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = path.join(tmp, `copy-${i}.png`);
      await copyFile(noisyPhoto, p);
      copies.push(p);
    }
    const { added } = await registry.addPaths(copies, 'drop');
    events.length = 0;
    const running = call('export:start', exportRequest(added.map((f) => ({ fileId: f.id, strength: 25 }))));
    await expect(call('export:start', exportRequest([{ fileId: photoId, strength: 5 }]))).rejects.toThrow(/\[busy\]/);
    while (!events.some((e) => e.event === 'export:progress')) await new Promise((r) => setTimeout(r, 20));
    await call('export:cancel', {});
    const summary = await running;
    expect(summary.cancelled).toBe(true);
    expect(summary.results.some((r) => r.status === 'cancelled')).toBe(true);
    const leftovers = (await readdir(out)).filter((f) => f.startsWith('.') || f.includes('.tmp') || f.includes('partial'));
    expect(leftovers).toEqual([]);
  });

  it('survives the engine being killed mid-batch: says which files were done, goes on, leaves no partials', async () => {
    const dir = path.join(tmp, 'kill');
    await mkdir(dir);
    const copies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = path.join(dir, `shot-${i}.png`);
      await copyFile(noisyPhoto, p);
      copies.push(p);
    }
    const { added } = await registry.addPaths(copies, 'drop');
    events.length = 0;
    const running = call('export:start', exportRequest(added.map((f) => ({ fileId: f.id, strength: 25 })), { namePattern: '{name}-killed' }));
    // Kill the engine process while the second photo is being denoised.
    while (!events.some((e) => e.event === 'export:progress' && (e.payload as ExportProgress).index === 1 && (e.payload as ExportProgress).stage === 'denoising')) {
      await new Promise((r) => setTimeout(r, 10));
    }
    client.kill();
    const summary = await running;
    expect(summary.results.map((r) => r.status)).toEqual(['done', 'failed', 'done']);
    expect(summary.results[1].error?.code).toBe('engine-crashed');
    const states = events.filter((e) => e.event === 'engine:status').map((e) => (e.payload as { state: string }).state);
    expect(states).toContain('crashed');
    const written = (await readdir(out)).filter((f) => f.includes('-killed'));
    expect(written.sort()).toEqual(['shot-0-killed.png', 'shot-2-killed.png']);
    expect((await readdir(out)).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
