// Bench inputs, made once and cached in the temp folder: noisy photos of N megapixels (a real photo
// from ../shared/data scaled to size, Gaussian noise σ = 25, JPEG q95) and 48 kHz stereo 16-bit WAVs
// of real noisy speech (vctk-p287 noisy takes, looped to the length asked for).
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openAudioReader } from '../main/engine/audio/index.ts';
import { mulberry32 } from '../ml/image/rng.ts';

export const INPUT_DIR = path.join(tmpdir(), 'hush-bench-inputs');
const PHOTO = path.resolve('../shared/data/images/train/free-photos/Dune.jpg');
const SPEECH = path.resolve('../shared/data/audio/pairs/vctk-p287/noisy');
export const BENCH_SIGMA = 25;

/** 3:2 dimensions (multiples of 2) of about `mp` megapixels. */
export function dimsFor(mp: number): { width: number; height: number } {
  const width = 2 * Math.round(Math.sqrt(mp * 1e6 * 1.5) / 2);
  return { width, height: 2 * Math.round((mp * 1e6) / width / 2) };
}

export async function noisyPhoto(mp: number): Promise<string> {
  await mkdir(INPUT_DIR, { recursive: true });
  const file = path.join(INPUT_DIR, `photo-${mp}mp.jpg`);
  if (existsSync(file)) return file;
  const { width, height } = dimsFor(mp);
  const clean = await sharp(PHOTO).removeAlpha().resize(width, height, { fit: 'cover' }).raw().toBuffer();
  const next = mulberry32(mp);
  // Box–Muller pairs, σ on the 0–255 scale, clipped to 8 bits.
  for (let i = 0; i < clean.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next() + 1e-12)) * BENCH_SIGMA;
    const t = 2 * Math.PI * next();
    clean[i] = Math.max(0, Math.min(255, Math.round(clean[i] + r * Math.cos(t))));
    if (i + 1 < clean.length) clean[i + 1] = Math.max(0, Math.min(255, Math.round(clean[i + 1] + r * Math.sin(t))));
  }
  await sharp(clean, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toFile(file + '.tmp');
  await rename(file + '.tmp', file);
  return file;
}

/** About a minute of real noisy speech at 48 kHz, mono. */
async function speechMinute(): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  let total = 0;
  for (const f of (await readdir(SPEECH)).filter((n) => n.endsWith('.flac')).sort()) {
    const r = await openAudioReader(path.join(SPEECH, f));
    try {
      const chunks: Float32Array[] = [];
      for (;;) {
        const c = await r.read(1 << 16);
        if (c.length === 0 || c[0].length === 0) break;
        chunks.push(c[0]);
      }
      const n = chunks.reduce((s, c) => s + c.length, 0);
      const x = new Float32Array(n);
      let o = 0;
      for (const c of chunks) { x.set(c, o); o += c.length; }
      // Linear resampling to 48 kHz is plenty for a speed benchmark.
      const ratio = r.info.sampleRate / 48000;
      const y = new Float32Array(Math.floor(n / ratio));
      for (let i = 0; i < y.length; i++) {
        const p = i * ratio, k = Math.floor(p), f2 = p - k;
        y[i] = x[k] * (1 - f2) + (x[Math.min(n - 1, k + 1)] ?? 0) * f2;
      }
      parts.push(y);
      total += y.length;
    } finally {
      await r.close();
    }
  }
  const minute = new Float32Array(60 * 48000);
  for (let o = 0; o < minute.length;) {
    for (const p of parts) {
      const n = Math.min(p.length, minute.length - o);
      minute.set(p.subarray(0, n), o);
      o += n;
      if (o >= minute.length) break;
    }
    if (total === 0) break;
  }
  return minute;
}

/** 48 kHz stereo PCM16 WAV of `minutes` minutes (right channel = the speech 0.37 s later). */
export async function noisyRecording(minutes: number): Promise<string> {
  await mkdir(INPUT_DIR, { recursive: true });
  const file = path.join(INPUT_DIR, `speech-${minutes}min-48k-stereo.wav`);
  if (existsSync(file)) return file;
  const m = await speechMinute();
  const frames = minutes * m.length;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + frames * 4, 4); header.write('WAVE', 8);
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(2, 22);
  header.writeUInt32LE(48000, 24); header.writeUInt32LE(48000 * 4, 28); header.writeUInt16LE(4, 32); header.writeUInt16LE(16, 34);
  header.write('data', 36); header.writeUInt32LE(frames * 4, 40);
  const interleaved = new Int16Array(m.length * 2);
  const lag = Math.round(0.37 * 48000);
  for (let i = 0; i < m.length; i++) {
    interleaved[2 * i] = Math.round(Math.max(-1, Math.min(1, m[i])) * 32767);
    interleaved[2 * i + 1] = Math.round(Math.max(-1, Math.min(1, m[(i + lag) % m.length])) * 32767);
  }
  const out = createWriteStream(file + '.tmp');
  let failed: Error | undefined;
  out.on('error', (e) => (failed = e));
  const write = async (b: Buffer): Promise<void> => {
    if (failed) throw failed;
    if (!out.write(b)) await new Promise<void>((res) => out.once('drain', () => res()));
  };
  await write(header);
  const block = Buffer.from(interleaved.buffer);
  for (let k = 0; k < minutes; k++) await write(block);
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  await rename(file + '.tmp', file);
  return file;
}
