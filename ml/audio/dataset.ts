// Loads a subset's speech and noise at the training rate, trims silence-only files and keeps
// everything in memory (the whole audio set is < 1 h, ~200 MB as float32 at 16 kHz).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readFlacMono } from './flac.ts';
import { resample } from './resample.ts';
import { noiseFiles, speechFiles, type Subset } from './split.ts';

export interface Clip {
  readonly name: string;
  readonly samples: Float32Array;
}

/**
 * Audio bandwidth (Hz) of a speech source. The two Asterisk voices were decoded from G.722 and
 * hold nothing above 7 kHz: training must not learn from them that 7–8 kHz is always noise.
 */
export function sourceBandwidthHz(name: string, rate: number): number {
  return /en-female-allison|it-male-carlo/.test(name) ? 7000 : rate / 2;
}

export interface AudioSet {
  readonly rate: number;
  readonly speech: Clip[];
  readonly noise: Clip[];
}

export async function loadClips(files: string[], rate: number): Promise<Clip[]> {
  const out: Clip[] = [];
  for (const f of files) {
    const a = await readFlacMono(f);
    const x = a.sampleRate === rate ? a.samples : resample(a.samples, a.sampleRate, rate);
    let peak = 0;
    for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]));
    if (peak < 1e-4 || x.length < rate * 0.1) continue; // silent or too short to be useful
    out.push({ name: f, samples: x });
  }
  return out;
}

/** Decoded + resampled clips of a subset, cached in .cache/audio (git-ignored) to skip resampling. */
async function cachedClips(kind: 'speech' | 'noise', subset: Subset, files: string[], rate: number): Promise<Clip[]> {
  const dir = path.join(process.cwd(), '.cache', 'audio');
  const key = createHash('sha1').update(JSON.stringify({ kind, subset, files, rate, v: 1 })).digest('hex').slice(0, 12);
  const file = path.join(dir, `${kind}-${subset}-${rate}-${key}.bin`);
  if (existsSync(file)) {
    const buf = await readFile(file);
    const headerLen = buf.readUInt32LE(0);
    const names = JSON.parse(buf.subarray(4, 4 + headerLen).toString('utf8')) as { name: string; n: number }[];
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 4 + headerLen, buf.byteOffset + buf.byteLength));
    let off = 0;
    return names.map(({ name, n }) => {
      const c = { name, samples: data.subarray(off, off + n) };
      off += n;
      return c;
    });
  }
  const clips = await loadClips(files, rate);
  const header = Buffer.from(JSON.stringify(clips.map((c) => ({ name: c.name, n: c.samples.length }))), 'utf8');
  const pad = (4 - ((4 + header.length) % 4)) % 4;
  const headerPadded = Buffer.concat([header, Buffer.from(' '.repeat(pad))]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(headerPadded.length, 0);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, Buffer.concat([len, headerPadded, ...clips.map((c) => Buffer.from(c.samples.buffer, c.samples.byteOffset, c.samples.byteLength))]));
  await rename(tmp, file);
  return clips;
}

export async function loadSubset(subset: Subset, rate: number): Promise<AudioSet> {
  // sequential: the FLAC decoder instance is shared
  const speech = await cachedClips('speech', subset, speechFiles(subset), rate);
  const noise = await cachedClips('noise', subset, noiseFiles(subset), rate);
  return { rate, speech, noise };
}
