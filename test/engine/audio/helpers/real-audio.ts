// Real recordings from ../shared/data, decoded with our readers, for pipeline tests.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openAudioReader } from '../../../../main/engine/audio/index.ts';

export const DATA = '../shared/data/audio';

export async function decodeFile(path: string): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  const r = await openAudioReader(path);
  const parts: Float32Array[][] = [];
  try {
    for (;;) {
      const b = await r.read(1 << 16);
      if (b[0].length === 0) break;
      parts.push(b);
    }
  } finally {
    await r.close();
  }
  const n = parts.reduce((s, p) => s + p[0].length, 0);
  const channels = Array.from({ length: r.info.channels }, (_, c) => {
    const out = new Float32Array(n);
    let o = 0;
    for (const p of parts) (out.set(p[c], o), (o += p[c].length));
    return out;
  });
  return { channels, sampleRate: r.info.sampleRate };
}

export function flacFiles(dir: string): string[] {
  return readdirSync(join(DATA, dir))
    .filter((f) => f.endsWith('.flac'))
    .sort()
    .map((f) => join(DATA, dir, f));
}

/** Concatenates mono recordings (all at `rate`) until `seconds` is reached, looping if needed. */
export async function realMono(dir: string, rate: number, seconds: number): Promise<Float32Array> {
  const out = new Float32Array(Math.round(rate * seconds));
  let o = 0;
  const files = flacFiles(dir);
  for (let i = 0; o < out.length; i++) {
    const { channels, sampleRate } = await decodeFile(files[i % files.length]);
    if (sampleRate !== rate) continue;
    const x = channels[0].subarray(0, out.length - o);
    out.set(x, o);
    o += x.length;
    if (i > 10 * files.length) throw new Error(`no ${rate} Hz files in ${dir}`);
  }
  return out;
}
