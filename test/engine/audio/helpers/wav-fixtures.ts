// Test WAV files built with wavefile's own (slow, independent) sample packing, so our fast
// converters are checked against a separate implementation.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';

const { WaveFile } = wavefile;

export function tempDir(prefix = 'hush-audio-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Deterministic test signal in [-0.9, 0.9]: a tone per channel plus LCG noise, with extremes. */
export function testSignal(channels: number, frames: number, sampleRate: number, seed = 1): Float64Array[] {
  let s = seed >>> 0;
  const rnd = (): number => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  return Array.from({ length: channels }, (_, c) => {
    const x = new Float64Array(frames);
    const f = 220 * (c + 1);
    for (let i = 0; i < frames; i++) x[i] = 0.6 * Math.sin((2 * Math.PI * f * i) / sampleRate) + 0.2 * rnd();
    if (frames > 4) {
      x[1] = 0.999;
      x[2] = -1;
    }
    return x;
  });
}

export type WavFlavour = '8' | '16' | '24' | '32' | '32f' | '64' | '8a' | '8m';

/**
 * Writes a WAV with wavefile and returns the values a correct reader must produce (wavefile's own
 * decoding of the file it wrote, scaled to [-1, 1)). `extensible` forces WAVE_FORMAT_EXTENSIBLE.
 */
export function writeWavFixture(
  path: string,
  flavour: WavFlavour,
  channels: number,
  sampleRate: number,
  frames: number,
  extensible = false,
): Float64Array[] {
  const signal = testSignal(channels, frames, sampleRate);
  const wav = new WaveFile();
  const pcmBits = flavour === '8a' || flavour === '8m' ? '16' : flavour;
  const isFloat = pcmBits === '32f' || pcmBits === '64';
  const max = isFloat ? 1 : 2 ** (Number(pcmBits) - 1);
  const ints = signal.map((ch) =>
    Float64Array.from(ch, (v) => {
      if (isFloat) return v;
      if (pcmBits === '8') return Math.max(0, Math.min(255, Math.round(v * 128 + 128)));
      return Math.max(-max, Math.min(max - 1, Math.round(v * max)));
    }),
  );
  wav.fromScratch(channels, sampleRate, pcmBits, ints);
  if (flavour === '8a') wav.toALaw();
  if (flavour === '8m') wav.toMuLaw();
  if (extensible) {
    const fmt = wav.fmt as { audioFormat: number; chunkSize: number; cbSize: number; validBitsPerSample: number; dwChannelMask: number; subformat: number[] };
    const code = isFloat ? 3 : flavour === '8a' ? 6 : flavour === '8m' ? 7 : 1;
    fmt.chunkSize = 40;
    fmt.cbSize = 22;
    fmt.validBitsPerSample = (wav.fmt as { bitsPerSample: number }).bitsPerSample;
    fmt.dwChannelMask = channels === 6 ? 63 : channels === 2 ? 3 : channels === 1 ? 4 : 0;
    fmt.subformat = [code, 1048576, 2852126848, 1905997824];
    fmt.audioFormat = 0xfffe;
  }
  const bytes = wav.toBuffer();
  writeFileSync(path, bytes);
  // Float: the written values themselves (wavefile cannot decode extensible float); others: wavefile's decode.
  if (isFloat) return signal.map((ch) => (pcmBits === '32f' ? Float64Array.from(ch, Math.fround) : ch));
  const check = new WaveFile(bytes);
  if (flavour === '8a' || flavour === '8m') {
    if (flavour === '8a') check.fromALaw();
    else check.fromMuLaw();
  }
  const raw = check.getSamples(false, Float64Array) as unknown as Float64Array[] | Float64Array;
  const planar = channels === 1 && !(raw as Float64Array[])[0]?.length ? [raw as Float64Array] : (raw as Float64Array[]);
  const scale = isFloat ? 1 : flavour === '8' ? 128 : flavour === '8a' || flavour === '8m' ? 32768 : max;
  return planar.map((ch) => Float64Array.from(ch, (v) => (flavour === '8' ? (v - 128) / scale : v / scale)));
}
