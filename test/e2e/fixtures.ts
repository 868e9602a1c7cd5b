// Test inputs made from ../shared/data at run time (never copied into the project), and the quality
// metrics the e2e test checks outputs with: PSNR for photos, SI-SDR for recordings.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { encodeWavBuffer, openAudioReader } from '../../main/engine/audio/index.ts';
import { mulberry32 } from '../../ml/image/rng.ts';

export const DATA = path.resolve(import.meta.dirname, '../../../shared/data');

/** Deterministic standard-normal samples (mulberry32 + Box–Muller). */
export function gaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => {
    const u = Math.max(1e-12, uniform());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export async function decodeRgb(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

export function psnr(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size mismatch ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  let se = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    se += d * d;
  }
  const mse = se / a.data.length;
  return 10 * Math.log10((255 * 255) / Math.max(mse, 1e-12));
}

/** Scale-invariant SDR (zero-mean), in dB, over the common length. */
export function siSdr(estimate: Float32Array, reference: Float32Array): number {
  const n = Math.min(estimate.length, reference.length);
  let me = 0;
  let mr = 0;
  for (let i = 0; i < n; i++) {
    me += estimate[i];
    mr += reference[i];
  }
  me /= n;
  mr /= n;
  let dot = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    dot += (estimate[i] - me) * (reference[i] - mr);
    rr += (reference[i] - mr) ** 2;
  }
  const alpha = dot / Math.max(rr, 1e-20);
  let t = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const target = alpha * (reference[i] - mr);
    const err = estimate[i] - me - target;
    t += target * target;
    e += err * err;
  }
  return 10 * Math.log10(t / Math.max(e, 1e-20));
}

export async function readMono(file: string, maxSeconds = Infinity): Promise<{ samples: Float32Array; sampleRate: number }> {
  const r = await openAudioReader(file);
  try {
    const rate = r.info.sampleRate;
    const want = Math.min(r.info.frames, Math.floor(maxSeconds * rate));
    const out = new Float32Array(want);
    let got = 0;
    while (got < want) {
      const chunk = await r.read(Math.min(65536, want - got));
      if (chunk.length === 0 || chunk[0].length === 0) break;
      const n = chunk[0].length;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (const ch of chunk) s += ch[i];
        out[got + i] = s / chunk.length;
      }
      got += n;
    }
    return { samples: out.subarray(0, got), sampleRate: rate };
  } finally {
    await r.close();
  }
}

export interface Inputs {
  dir: string;
  photo: string;
  photoClean: RgbImage;
  photoNoisyPsnr: number;
  wav: string;
  speechClean: Float32Array;
  speechNoisySiSdr: number;
}

/** A 256×256 CBSD68 crop with Gaussian noise σ=25, and 4 s of a real noisy VCTK recording as WAV. */
export async function makeInputs(dir: string): Promise<Inputs> {
  await mkdir(dir, { recursive: true });
  const src = path.join(DATA, 'images/eval/CBSD68/101087.png');
  const meta = await sharp(src).metadata();
  const left = Math.floor(((meta.width ?? 256) - 256) / 2);
  const top = Math.floor(((meta.height ?? 256) - 256) / 2);
  const { data, info } = await sharp(src).extract({ left, top, width: 256, height: 256 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const clean: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height };
  const noise = gaussian(25);
  const noisy = new Uint8Array(clean.data.length);
  for (let i = 0; i < noisy.length; i++) noisy[i] = Math.max(0, Math.min(255, Math.round(clean.data[i] + 25 * noise())));
  const photo = path.join(dir, 'noisy photo σ25.png');
  await sharp(Buffer.from(noisy), { raw: { width: 256, height: 256, channels: 3 } }).png().toFile(photo);

  const seconds = 4;
  const noisySpeech = await readMono(path.join(DATA, 'audio/pairs/vctk-p287/noisy/p287_003.flac'), seconds);
  const cleanSpeech = await readMono(path.join(DATA, 'audio/pairs/vctk-p287/clean/p287_003.flac'), seconds);
  const wav = path.join(dir, 'noisy speech p287_003.wav');
  await writeFile(wav, encodeWavBuffer([noisySpeech.samples], noisySpeech.sampleRate, 'pcm16', false));
  const reread = await readMono(wav);
  return {
    dir,
    photo,
    photoClean: clean,
    photoNoisyPsnr: psnr(await decodeRgb(photo), clean),
    wav,
    speechClean: cleanSpeech.samples,
    speechNoisySiSdr: siSdr(reread.samples, cleanSpeech.samples),
  };
}
