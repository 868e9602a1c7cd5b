// `npm run bench [-- --quick] [--sizes 1,4] [--audio-minutes 1,60] [--threaded]`
// Speed and memory of the engine on this machine (issue 5): every measurement runs in a fresh child
// process (bench/child.ts) so its peak RSS is its own. Prints a table and writes
// bench-results/bench-<time>.json. Models: resources/ (or $HUSH_RESOURCES_DIR).
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { noisyPhoto, noisyRecording } from './inputs.ts';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const list = (name: string, dflt: number[]): number[] => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1].split(',').map(Number) : dflt;
};
const quick = flag('quick');
const sizes = list('sizes', quick ? [1] : [1, 4, 12, 24, 48]);
const scaleMp = quick ? 1 : 4;
const audioMinutes = list('audio-minutes', quick ? [1] : [1, 60]);
const workers = list('workers', [os.availableParallelism()])[0];
const outDir = path.resolve('bench-results');

type Row = Record<string, unknown> & { mode: string; peakRssMb: number };

function child(args: string[], env: Record<string, string> = {}): Promise<Row> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/child.ts'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH '));
      if (code !== 0 || !line) reject(new Error(`bench child ${args.join(' ')} exited with ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice(6)) as Row);
    });
  });
}

const fmt = (v: unknown, d = 2): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(d)) : String(v ?? ''));

function table(title: string, header: string[], rows: unknown[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => fmt(c)))];
  const w = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  for (const [k, r] of cells.entries()) {
    console.log(r.map((c, i) => String(c).padStart(w[i])).join('  '));
    if (k === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const load = os.loadavg()[0];
  console.log(`hush bench${quick ? ' --quick' : ''}: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${load.toFixed(1)} at start, node ${process.version}`);
  const photos = new Map<number, string>();
  for (const mp of [...new Set([...sizes, scaleMp])]) photos.set(mp, await noisyPhoto(mp));
  const recordings = new Map<number, string>();
  for (const m of audioMinutes) recordings.set(m, await noisyRecording(m));
  const w = String(workers);

  const kernels = await child(['kernels']);
  const images: Row[] = [];
  for (const mp of sizes) images.push(await child(['image', photos.get(mp)!, os.tmpdir()], { HUSH_WORKERS: w }));
  // Speed-up: the same photo on 1 worker vs the full pool (and, optionally, threaded wasm in-process).
  const one = await child(['image', photos.get(scaleMp)!, os.tmpdir()], { HUSH_WORKERS: '1' });
  const full = images.find((r) => r.mp !== undefined && Math.abs((r.mp as number) - scaleMp) < 0.1) ?? (await child(['image', photos.get(scaleMp)!, os.tmpdir()], { HUSH_WORKERS: w }));
  const threaded = flag('threaded') || !quick ? await child(['image', photos.get(scaleMp)!, os.tmpdir(), '--threads', w], { HUSH_WORKERS: '0' }) : undefined;
  const preview = await child(['preview', photos.get(sizes.includes(12) ? 12 : scaleMp)!], { HUSH_WORKERS: w });
  const nlm = await child(['nlm', photos.get(1) ?? photos.get(sizes[0])!]);
  const audio: Row[] = [];
  for (const m of audioMinutes) audio.push(await child(['audio', recordings.get(m)!, os.tmpdir()], { HUSH_WORKERS: w }));
  const rnnoise = await child(['rnnoise', recordings.get(audioMinutes[0])!, ...(quick ? ['--seconds', '20'] : [])]);

  const peak = kernels.conv2dPeakGflops as number;
  const mac = kernels.macPerPixel as number;
  const achieved = (r: Row): number => (2 * mac * (r.mpPerSec as number) * 1e6) / 1e9;
  // Useful GFLOP (output pixels × MAC/pixel, tile overlap not counted) per CPU-second of the whole
  // process: independent of other load on the machine, comparable with the (CPU-time) conv2d peak.
  const perCpu = (r: Row): number => (2 * mac * 1e6) / (r.cpuSecPerMp as number) / 1e9;
  const workersOf = (r: Row): number => Math.max(1, (r.workers as number) || (r.wasmThreads as number) || 1);
  table('Images (σ = 25, JPEG in/out, whole engine: decode → tiles → encode)', ['MP', 'seconds', 'MP/s', 'CPU-s/MP', 'pool busy %', 'peak RSS MB', 'backend', 'workers', 'GFLOP/s', '% of peak×workers', 'GFLOP/CPU-s', '% of peak'],
    images.map((r) => [r.mp, r.seconds, r.mpPerSec, r.cpuSecPerMp, 100 * ((r.utilisation as number) ?? NaN), r.peakRssMb, `${r.backend}${r.simd ? '+simd' : ''}`, r.workers, achieved(r), (100 * achieved(r)) / (peak * workersOf(r)), perCpu(r), (100 * perCpu(r)) / peak]));
  const rows: unknown[][] = [
    ['1 worker', one.seconds, one.mpPerSec, one.cpuSecPerMp, one.peakRssMb, 1],
    [`${full.workers} workers`, full.seconds, full.mpPerSec, full.cpuSecPerMp, full.peakRssMb, (one.seconds as number) / (full.seconds as number)],
  ];
  if (threaded) rows.push([`threaded wasm ×${threaded.wasmThreads} (in-process)`, threaded.seconds, threaded.mpPerSec, threaded.cpuSecPerMp, threaded.peakRssMb, (one.seconds as number) / (threaded.seconds as number)]);
  table(`Scaling (${fmt(one.mp)} MP)`, ['run', 'seconds', 'MP/s', 'CPU-s/MP', 'peak RSS MB', 'speed-up vs 1'], rows);
  const i24 = images.find((r) => Math.abs((r.mp as number) - 24) < 0.5);
  const i48 = images.find((r) => Math.abs((r.mp as number) - 48) < 0.5);
  table('Preview and model', ['measure', 'value'], [
    ['512×512 preview (warm, median of 5), ms', preview.ms],
    ['model MAC/pixel', mac],
    ['conv2d peak, 1 wasm thread, GFLOP per CPU-s', peak],
    ['model on a 512² tile, 1 thread, GFLOP per CPU-s', kernels.modelGflops],
    ['model tile / conv2d peak, %', 100 * (kernels.fractionOfPeak as number)],
    ...(i24 && i48 ? [['48 MP time / 24 MP time', (i48.seconds as number) / (i24.seconds as number)]] : []),
  ]);
  table('Audio (48 kHz stereo WAV → WAV, 18 dB)', ['minutes', 'seconds', 'RTF', 'CPU-s per audio-s', 'peak RSS MB', 'workers'],
    audio.map((r) => [(r.durationSec as number) / 60, r.seconds, r.rtf, r.cpuRtf, r.peakRssMb, r.workers]));
  table('Peers (same inputs)', ['method', 'input', 'seconds', 'speed', 'peak RSS MB'], [
    ['NLM (ml/image/nlm.ts, JS)', `${fmt(nlm.mp)} MP`, nlm.seconds, `${fmt(nlm.mpPerSec, 3)} MP/s`, nlm.peakRssMb],
    ['Hush image DAE', `${fmt(images[0].mp)} MP`, images[0].seconds, `${fmt(images[0].mpPerSec, 3)} MP/s`, images[0].peakRssMb],
    ['RNNoise (wasm, per channel)', `${fmt((rnnoise.durationSec as number) / 60)} min`, rnnoise.seconds, `RTF ${fmt(rnnoise.rtf, 4)}`, rnnoise.peakRssMb],
    ['Hush audio DAE', `${fmt((audio[0].durationSec as number) / 60)} min`, audio[0].seconds, `RTF ${fmt(audio[0].rtf, 4)}`, audio[0].peakRssMb],
  ]);
  const kernelMs = kernels.kernelMs as Record<string, number>;
  console.log(`\nOne 512² tile on one thread, ms by kernel: ${Object.entries(kernelMs).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`\nbench took ${seconds.toFixed(0)} s; load average ${os.loadavg()[0].toFixed(1)} at the end (other processes on this machine skew timings)`);
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), quick, cores: os.cpus().length, loadAtStart: load, loadAtEnd: os.loadavg()[0], node: process.version, kernels, images, scaling: { one, full, threaded }, preview, audio, peers: { nlm, rnnoise }, seconds }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

await main();
