// One measurement in a fresh process (so its peak RSS is its own), run by bench/bench.ts:
//   image <file> <outDir>          one photo through the engine (HUSH_WORKERS workers; 0 = in-process)
//   preview <file>                 512×512 region preview latency (warm), median of 5
//   audio <file> <outDir>          one recording through the engine
//   kernels                        conv2d peak and the image model's achieved GFLOP/s, one wasm thread
//   nlm <file>                     classical NLM peer (ml/image/nlm.ts) on the photo
//   rnnoise <file>                 RNNoise wasm peer on the recording, channel by channel
// `--threads N` runs the threaded wasm build in-process instead (compare with the pool).
// Prints one line: BENCH {json}.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openAudioReader } from '../main/engine/audio/index.ts';
import { createEngine } from '../main/engine/engine.ts';
import { loadImageDenoiser } from '../main/engine/models/image-denoiser.ts';
import { imageDaeCost } from '../main/engine/models/image-dae.ts';
import { loadLayersModelFromDir } from '../main/engine/tf/file-io.ts';
import { initBackend } from '../main/engine/tf/backend.ts';
import { BENCH_SIGMA } from './inputs.ts';

const [mode, file, outArg] = process.argv.slice(2);
const threadsArg = process.argv.indexOf('--threads');
const threads = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : 1;
const resourcesDir = process.env.HUSH_RESOURCES_DIR ?? path.resolve('resources');

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function emit(result: Record<string, unknown>): void {
  console.log(`BENCH ${JSON.stringify({ mode, ...result, peakRssMb: Math.round(rssMb()) })}`);
}

async function engine() {
  const b = await initBackend({ prefer: 'wasm', threads });
  const e = await createEngine({ backend: 'wasm', resourcesDir });
  return { e, b };
}

async function imageRun(): Promise<void> {
  const { e, b } = await engine();
  const d = await e.imageDenoiser(); // load outside the timing
  const meta = await sharp(file).metadata();
  const out = await mkdtemp(path.join(outArg ?? tmpdir(), 'img-'));
  const pool = (d as { pool?: { busyMs: number } }).pool;
  const busy0 = pool?.busyMs ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await e.denoise({ files: [{ path: file }], outDir: out, sigma: BENCH_SIGMA }).result;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (s.done !== 1) throw new Error(`image run failed: ${JSON.stringify(s)}`);
  const mp = (meta.width * meta.height) / 1e6;
  const workers = (d as { parallelism?: number }).parallelism ?? 0;
  // CPU time (all threads) is what the work costs whatever else runs on the machine; utilisation
  // is the share of the run each worker held a tile (how well the pipeline keeps the pool fed).
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const utilisation = pool ? ((pool.busyMs ?? 0) - busy0) / 1000 / seconds / Math.max(1, workers) : undefined;
  emit({ mp, seconds, mpPerSec: mp / seconds, cpuSeconds, cpuSecPerMp: cpuSeconds / mp, utilisation, backend: b.name, simd: b.simd, workers, wasmThreads: b.threads });
  await rm(out, { recursive: true, force: true });
  await e.dispose();
}

async function previewRun(): Promise<void> {
  const { e, b } = await engine();
  const meta = await sharp(file).metadata();
  const region = { left: Math.floor(meta.width / 2) - 256, top: Math.floor(meta.height / 2) - 256, width: 512, height: 512 };
  await e.previewImage({ path: file, sigma: BENCH_SIGMA, region }); // warm: model loaded, wasm kernels compiled
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await e.previewImage({ path: file, sigma: BENCH_SIGMA + i, region });
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const d = await e.imageDenoiser();
  emit({ ms: times[2], msMin: times[0], msMax: times[4], backend: b.name, workers: (d as { parallelism?: number }).parallelism ?? 0 });
  await e.dispose();
}

async function audioRun(): Promise<void> {
  const { e, b } = await engine();
  const d = await e.audioDenoiser();
  const r = await openAudioReader(file);
  const durationSec = r.info.durationSec;
  await r.close();
  const out = await mkdtemp(path.join(outArg ?? tmpdir(), 'aud-'));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await e.denoise({ files: [{ path: file }], outDir: out, reductionDb: 18, audioFormat: 'wav' }).result;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (s.done !== 1) throw new Error(`audio run failed: ${JSON.stringify(s)}`);
  emit({
    durationSec, seconds, rtf: seconds / durationSec, cpuRtf: (cpu.user + cpu.system) / 1e6 / durationSec,
    backend: b.name, workers: (d as { parallelism?: number }).parallelism ?? 0,
    modelMacsPerSec: (d as { macsPerSecond?: number }).macsPerSecond,
  });
  await rm(out, { recursive: true, force: true });
  await e.dispose();
}

/** CPU milliseconds of this process since `from` (this mode runs one thread, so ≈ that thread's time). */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

// Times are CPU time, not wall time: on a shared machine a descheduled thread would otherwise count.
function gflops(macs: number, ms: number): number {
  return (2 * macs) / (ms / 1000) / 1e9;
}

async function kernelsRun(): Promise<void> {
  const b = await initBackend({ prefer: 'wasm', threads });
  // conv2d peak: the best of a few 3×3 shapes like the model's, each warm, best of 5.
  const shapes: Array<[number, number]> = [[256, 32], [128, 64], [64, 128]];
  const peaks: Record<string, number> = {};
  for (const [s, c] of shapes) {
    const x = tf.randomNormal([1, s, s, c]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, c, c]) as tf.Tensor4D;
    tf.conv2d(x, w, 1, 'same').dispose();
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = process.cpuUsage();
      const y = tf.conv2d(x, w, 1, 'same');
      y.dataSync();
      best = Math.min(best, cpuMs(t0));
      y.dispose();
    }
    peaks[`${s}x${s}x${c}`] = gflops(s * s * 9 * c * c, best);
    x.dispose();
    w.dispose();
  }
  const peak = Math.max(...Object.values(peaks));
  const dir = path.join(resourcesDir, 'models', 'image-dae');
  const model = await loadLayersModelFromDir(dir);
  const cost = imageDaeCost(model);
  model.dispose();
  const den = await loadImageDenoiser(dir);
  const side = 512;
  const tile = { data: new Float32Array(side * side * 3).fill(0.5), width: side, height: side };
  await den.denoise(tile, BENCH_SIGMA);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.cpuUsage();
    await den.denoise(tile, BENCH_SIGMA);
    best = Math.min(best, cpuMs(t0));
  }
  const modelGflops = gflops(cost.macPerPixel * side * side, best);
  // Where a tile's time goes: per-op timing from one profiled run.
  const model2 = await loadLayersModelFromDir(dir);
  const x = tf.tensor4d(new Float32Array(side * side * 4).fill(0.1), [1, side, side, 4]);
  const prof = await tf.profile(() => model2.predict(x) as tf.Tensor);
  const byKernel: Record<string, number> = {};
  // Composite ops (name__op) wrap the kernels they run: count only the leaves.
  for (const k of prof.kernels.filter((q) => !q.name.endsWith("__op"))) byKernel[k.name] = (byKernel[k.name] ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0);
  emit({
    backend: b.name, simd: b.simd, wasmThreads: b.threads, conv2dPeakGflops: peak, peaks, macPerPixel: cost.macPerPixel, params: cost.params,
    tileMs: best, tileSide: side, modelGflops, fractionOfPeak: modelGflops / peak, kernelMs: byKernel,
  });
}

async function nlmRun(): Promise<void> {
  const { nlmDenoise } = await import('../ml/image/nlm.ts');
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const src = Float32Array.from(data);
  const t0 = performance.now();
  nlmDenoise(src, info.width, info.height, BENCH_SIGMA);
  const seconds = (performance.now() - t0) / 1000;
  const mp = (info.width * info.height) / 1e6;
  emit({ mp, seconds, mpPerSec: mp / seconds, backend: 'js', workers: 0 });
}

async function rnnoiseRun(): Promise<void> {
  const { rnnoiseDenoise } = await import('../ml/audio/baselines.ts');
  const r = await openAudioReader(file);
  const { sampleRate, channels, durationSec } = r.info;
  const secIdx = process.argv.indexOf('--seconds');
  const limit = secIdx > 0 ? Math.round(Number(process.argv[secIdx + 1]) * sampleRate) : Infinity;
  const chans: Float32Array[][] = Array.from({ length: channels }, () => []);
  for (let got = 0; got < limit;) {
    const c = await r.read(Math.min(1 << 18, limit - got));
    got += c[0]?.length ?? 0;
    if (c.length === 0 || c[0].length === 0) break;
    c.forEach((x, i) => chans[i].push(x));
  }
  await r.close();
  const t0 = performance.now();
  for (const parts of chans) {
    const n = parts.reduce((s, p) => s + p.length, 0);
    const x = new Float32Array(n);
    let o = 0;
    for (const p of parts) { x.set(p, o); o += p.length; }
    await rnnoiseDenoise(x, sampleRate);
  }
  const seconds = (performance.now() - t0) / 1000;
  const processed = Math.min(durationSec, limit / sampleRate);
  emit({ durationSec: processed, seconds, rtf: seconds / processed, backend: 'wasm (rnnoise)', workers: 0 });
}

const modes: Record<string, () => Promise<void>> = { image: imageRun, preview: previewRun, audio: audioRun, kernels: kernelsRun, nlm: nlmRun, rnnoise: rnnoiseRun };
const run = modes[mode];
if (!run) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
await run();
