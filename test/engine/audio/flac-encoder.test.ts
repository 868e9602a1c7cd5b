// Our FLAC encoder against libFLAC (its wasm decoder): bit-exact samples and a correct STREAMINFO
// (sample count, format, and the MD5 of the samples computed independently here).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { describe, expect, it } from 'vitest';
import { createAudioWriter, FlacEncoder, openAudioReader } from '../../../main/engine/audio/index.ts';
import { tempDir } from './helpers/wav-fixtures.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
}

/** Integer test signal: tones, noise, a silent stretch (constant subframes) and full-scale extremes. */
function intSignal(channels: number, n: number, bits: number, seed: number): Int32Array[] {
  const r = rng(seed);
  const max = 2 ** (bits - 1);
  return Array.from({ length: channels }, (_, c) => {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let v = 0.5 * max * Math.sin(i * 0.013 * (c + 1)) + (r() - 0.5) * max * 0.02 * (c + 1);
      if (i > n / 3 && i < n / 3 + 6000) v = 0;
      if (i % 1009 === 0) v = c % 2 ? max - 1 : -max;
      a[i] = Math.max(-max, Math.min(max - 1, Math.round(v)));
    }
    return a;
  });
}

function md5Of(ch: Int32Array[], bits: number): string {
  const bytes = bits / 8;
  const n = ch[0].length;
  const b = Buffer.alloc(n * ch.length * bytes);
  let o = 0;
  for (let i = 0; i < n; i++) for (const c of ch) {
      b.writeIntLE(c[i], o, bytes);
      o += bytes;
    }
  return createHash('md5').update(b).digest('hex');
}

function encode(ch: Int32Array[], bits: 16 | 24, rate: number, feed = 5000): Buffer {
  const enc = new FlacEncoder({ sampleRate: rate, channels: ch.length, bitsPerSample: bits });
  const parts: Uint8Array[] = [enc.header()];
  const n = ch[0].length;
  for (let o = 0; o < n; o += feed) parts.push(...enc.encode(ch.map((c) => c.subarray(o, Math.min(n, o + feed))), Math.min(n, o + feed) - o));
  const fin = enc.finish();
  parts.push(...fin.frames);
  const file = Buffer.concat(parts);
  file.set(fin.streamInfo, FlacEncoder.STREAMINFO_OFFSET);
  return file;
}

describe('FLAC encoder', () => {
  it.each([
    [16, 2, 48000 * 2 + 333, 48000],
    [24, 2, 30001, 44100],
    [16, 1, 4096, 16000],
    [24, 6, 20000, 96000],
    [16, 2, 3, 12345],
    [16, 1, 1, 8000],
    [24, 1, 9000, 22050],
  ] as const)('%i-bit, %i ch, %i samples @ %i Hz decodes bit-exactly with libFLAC', async (bits, channels, n, rate) => {
    const ch = intSignal(channels, n, bits, n + channels);
    const file = encode(ch, bits, rate);
    const d = new FLACDecoder();
    await d.ready;
    const r = await d.decodeFile(new Uint8Array(file));
    d.free();
    expect(r.errors).toEqual([]);
    expect(r.samplesDecoded).toBe(n);
    expect(r.sampleRate).toBe(rate);
    expect(r.channelData.length).toBe(channels);
    // The wasm decoder scales by 1/(2^(b-1) − 1).
    const scale = 2 ** (bits - 1) - 1;
    for (let c = 0; c < channels; c++) {
      let bad = 0;
      for (let i = 0; i < n; i++) if (Math.round(r.channelData[c][i] * scale) !== ch[c][i]) bad++;
      expect(bad).toBe(0);
    }
    // STREAMINFO: rate, channels, bits, total samples and MD5 of the samples.
    const si = file.subarray(8, 42);
    expect(((si[10] << 12) | (si[11] << 4) | (si[12] >> 4)) >>> 0).toBe(rate);
    expect(((si[12] >> 1) & 7) + 1).toBe(channels);
    expect((((si[12] & 1) << 4) | (si[13] >> 4)) + 1).toBe(bits);
    expect((si[13] & 0x0f) * 2 ** 32 + si.readUInt32BE(14)).toBe(n);
    expect(Buffer.from(si.subarray(18, 34)).toString('hex')).toBe(md5Of(ch, bits));
  });

  it('compresses real speech (../shared/data) to well under its PCM size', async () => {
    const r = await openAudioReader('../shared/data/audio/speech/librispeech-excerpts/' + (await firstFlac('../shared/data/audio/speech/librispeech-excerpts')));
    const x = (await r.read(16000 * 20))[0];
    await r.close();
    const ints = [Int32Array.from(x, (v) => Math.round(v * 32768))];
    const file = encode(ints, 16, r.info.sampleRate, 16384);
    const ratio = file.length / (ints[0].length * 2);
    expect(ratio).toBeLessThan(0.75);
  });

  it('the FLAC writer streams float blocks and reads back through our reader', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.flac');
    const rate = 44100;
    const sig = [Float32Array.from({ length: 50000 }, (_, i) => 0.5 * Math.sin(i / 10)), Float32Array.from({ length: 50000 }, (_, i) => 0.25 * Math.cos(i / 3))];
    const w = await createAudioWriter(path, { format: 'flac', sampleFormat: 'pcm24', sampleRate: rate, channels: 2 });
    for (let o = 0; o < 50000; o += 7777) await w.write(sig.map((c) => c.subarray(o, Math.min(50000, o + 7777))));
    await w.finish();
    expect(readFileSync(path).subarray(0, 4).toString('latin1')).toBe('fLaC');
    const rd = await openAudioReader(path);
    expect(rd.info).toMatchObject({ container: 'flac', sampleRate: rate, channels: 2, bitDepth: 24, frames: 50000 });
    const back = await rd.read(60000);
    await rd.close();
    for (let c = 0; c < 2; c++) {
      let m = 0;
      for (let i = 0; i < 50000; i++) m = Math.max(m, Math.abs(back[c][i] - sig[c][i]));
      expect(m).toBeLessThanOrEqual(0.5 / 8388608 + 1e-9);
    }
  });
});

async function firstFlac(dirPath: string): Promise<string> {
  const { readdirSync } = await import('node:fs');
  return readdirSync(dirPath).filter((f) => f.endsWith('.flac')).sort()[0];
}
