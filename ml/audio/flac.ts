// Minimal FLAC loader for training/eval tools: decodes with @wasm-audio-decoders/flac (the same
// decoder the app uses) and mixes to mono. The app's streaming decoders live in main/engine/audio.
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { readFile } from 'node:fs/promises';

export interface MonoAudio {
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

let decoder: FLACDecoder | undefined;

async function getDecoder(): Promise<FLACDecoder> {
  if (!decoder) {
    decoder = new FLACDecoder();
    await decoder.ready;
  }
  return decoder;
}

/** Decodes a whole FLAC file and averages its channels to mono. */
export async function readFlacMono(path: string): Promise<MonoAudio> {
  const d = await getDecoder();
  const bytes = await readFile(path);
  const r = await d.decodeFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  await d.reset();
  if (r.errors.length > 0) throw new Error(`${path}: FLAC decode errors: ${r.errors.map((e) => e.message).join('; ')}`);
  if (r.samplesDecoded === 0 || r.channelData.length === 0) throw new Error(`${path}: no audio`);
  const n = r.samplesDecoded;
  if (r.channelData.length === 1) return { samples: r.channelData[0].slice(0, n), sampleRate: r.sampleRate };
  const out = new Float32Array(n);
  for (const ch of r.channelData) for (let i = 0; i < n; i++) out[i] += ch[i];
  const k = 1 / r.channelData.length;
  for (let i = 0; i < n; i++) out[i] *= k;
  return { samples: out, sampleRate: r.sampleRate };
}
