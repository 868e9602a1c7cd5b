// Rebuilds the bundled samples from their sources, deterministically (seeded noise):
//   npx tsx resources/samples/make-samples.ts <astronaut.png> <speech.wav>
// astronaut.png: ../shared/data/images/train/free-photos/astronaut.png (NASA, public domain)
// speech.wav:    espeak-ng -v en-us -s 150 -w speech.wav "<the sentence in README.md here>"
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { encodeWavBuffer, openAudioReader } from '../../main/engine/audio/index.ts';
import { mulberry32 } from '../../ml/image/rng.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

async function makePhoto(source: string): Promise<void> {
  const crop = { left: 150, top: 20, width: 320, height: 240 };
  const { data, info } = await sharp(source).extract(crop).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const g = gaussian(mulberry32(25));
  const noisy = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) noisy[i] = Math.max(0, Math.min(255, Math.round(data[i] + 25 * g())));
  const out = path.join(here, 'noisy-astronaut.jpg');
  await sharp(noisy, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toFile(out);
  console.log(`wrote ${out} (${info.width}x${info.height}, Gaussian noise sigma 25)`);
}

async function makeRecording(source: string): Promise<void> {
  const reader = await openAudioReader(source);
  const parts: Float32Array[] = [];
  for (;;) {
    const block = await reader.read(1 << 15);
    if (block[0].length === 0) break;
    parts.push(block[0]);
  }
  const rate = reader.info.sampleRate;
  await reader.close();
  const speech = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    speech.set(p, o);
    o += p.length;
  }
  // Fan-like noise: white noise through a one-pole low-pass (more energy low, like real hiss/hum),
  // plus a faint 100 Hz hum, mixed at 5 dB SNR over the whole clip.
  const g = gaussian(mulberry32(287));
  const noise = new Float32Array(speech.length);
  let lp = 0;
  for (let i = 0; i < noise.length; i++) {
    lp = 0.85 * lp + 0.15 * g();
    noise[i] = 0.6 * lp + 0.25 * g() + 0.05 * Math.sin((2 * Math.PI * 100 * i) / rate);
  }
  const power = (x: Float32Array): number => x.reduce((s, v) => s + v * v, 0) / x.length;
  const snrDb = 5;
  const scale = Math.sqrt(power(speech) / (power(noise) * 10 ** (snrDb / 10)));
  const mixed = new Float32Array(speech.length);
  let peak = 0;
  for (let i = 0; i < mixed.length; i++) {
    mixed[i] = speech[i] + scale * noise[i];
    peak = Math.max(peak, Math.abs(mixed[i]));
  }
  const gain = 0.9 / peak;
  for (let i = 0; i < mixed.length; i++) mixed[i] *= gain;
  const out = path.join(here, 'noisy-speech.wav');
  await writeFile(out, encodeWavBuffer([mixed], rate, 'pcm16', false));
  console.log(`wrote ${out} (${(mixed.length / rate).toFixed(2)} s at ${rate} Hz, ${snrDb} dB SNR)`);
}

const [photo, speech] = process.argv.slice(2);
if (!photo || !speech) {
  console.error('usage: npx tsx resources/samples/make-samples.ts <astronaut.png> <speech.wav>');
  process.exit(2);
}
await makePhoto(photo);
await makeRecording(speech);
