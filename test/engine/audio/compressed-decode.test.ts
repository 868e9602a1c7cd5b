// FLAC / MP3 / Ogg Vorbis decoding through the wasm decoders, by content. Fixtures in
// test/fixtures/audio are synthetic tones we generated with sox/lame/oggenc (licence-clean):
// left 440 Hz, right 1000 Hz, amplitude 0.5.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAudioReader, probeAudio } from '../../../main/engine/audio/index.ts';
import { HushError } from '../../../main/engine/types.ts';
import { decodeAll } from './helpers/real-audio.ts';
import { tempDir } from './helpers/wav-fixtures.ts';

const FIX = 'test/fixtures/audio';
const DATA = '../shared/data/audio';
const dir = tempDir();

const readAll = (path: string) => decodeAll(path, 4099);

/** Power at `hz` relative to total power (Goertzel), over the middle of the signal. */
function toneShare(x: Float32Array, rate: number, hz: number): number {
  const a = Math.floor(x.length / 4), b = Math.floor((3 * x.length) / 4);
  const w = (2 * Math.PI * hz) / rate;
  let s1 = 0, s2 = 0, total = 0;
  for (let i = a; i < b; i++) {
    const s = x[i] + 2 * Math.cos(w) * s1 - s2;
    s2 = s1;
    s1 = s;
    total += x[i] * x[i];
  }
  const p = s1 * s1 + s2 * s2 - 2 * Math.cos(w) * s1 * s2;
  return (2 * p) / ((b - a) * total);
}

async function expectHushError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(HushError);
  expect((e as HushError).code).toBe(code);
  expect((e as HushError).message).toMatch(message);
}

describe('FLAC', () => {
  it('decodes real 16-bit recordings from ../shared/data losslessly (integers on the 1/32768 grid)', async () => {
    const { channels, info } = await readAll(`${DATA}/pairs/vctk-p287/noisy/p287_001.flac`);
    expect(info).toMatchObject({ container: 'flac', codec: 'flac', sampleRate: 16000, channels: 1, bitDepth: 16, frames: 31367, framesExact: true });
    expect(channels[0].length).toBe(31367);
    let offGrid = 0, energy = 0;
    for (const v of channels[0]) {
      if (v * 32768 !== Math.round(v * 32768)) offGrid++;
      energy += v * v;
    }
    expect(offGrid).toBe(0);
    expect(Math.sqrt(energy / 31367)).toBeGreaterThan(0.01); // speech, not silence
  });

  it('decodes 24-bit stereo 48 kHz with the right tones per channel', async () => {
    const { channels, info } = await readAll(`${FIX}/tone-48k-stereo-24bit.flac`);
    expect(info).toMatchObject({ sampleRate: 48000, channels: 2, bitDepth: 24, frames: 12000 });
    expect(channels[0].every((v) => v * 8388608 === Math.round(v * 8388608))).toBe(true);
    expect(toneShare(channels[0], 48000, 440)).toBeGreaterThan(0.95);
    expect(toneShare(channels[1], 48000, 1000)).toBeGreaterThan(0.95);
    expect(toneShare(channels[0], 48000, 1000)).toBeLessThan(0.01);
  });

  it('refuses a truncated FLAC with a clear message', async () => {
    const bytes = readFileSync(`${DATA}/pairs/vctk-p287/noisy/p287_001.flac`);
    writeFileSync(join(dir, 'cut.flac'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectHushError(readAll(join(dir, 'cut.flac')), 'corrupt-file', /truncated/);
  });
});

describe('MP3', () => {
  it('decodes MPEG-1 Layer III stereo 44.1 kHz (gapless: exact length)', async () => {
    const { channels, info } = await readAll(`${FIX}/tone-44k-stereo.mp3`);
    // The LAME tag's delay/padding make the header length exact.
    expect(info).toMatchObject({ container: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 2, bitDepth: null, frames: 44100, framesExact: true });
    expect(channels[0].length).toBe(44100);
    expect(toneShare(channels[0], 44100, 440)).toBeGreaterThan(0.9);
    expect(toneShare(channels[1], 44100, 1000)).toBeGreaterThan(0.9);
    const probe = await probeAudio(`${FIX}/tone-44k-stereo.mp3`);
    expect(probe.durationSec).toBeGreaterThan(0.99);
    expect(probe.durationSec).toBeLessThan(1.1);
  });

  it('decodes MPEG-2 mono 22.05 kHz as one channel', async () => {
    const { channels, info } = await readAll(`${FIX}/tone-22k-mono-mpeg2.mp3`);
    expect(info).toMatchObject({ sampleRate: 22050, channels: 1 });
    expect(channels.length).toBe(1);
    expect(channels[0].length).toBeGreaterThan(11025);
    expect(toneShare(channels[0], 22050, 440)).toBeGreaterThan(0.9);
  });

  it('refuses a truncated MP3 whose header declares more frames', async () => {
    const bytes = readFileSync(`${FIX}/tone-44k-stereo.mp3`);
    writeFileSync(join(dir, 'cut.mp3'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectHushError(readAll(join(dir, 'cut.mp3')), 'corrupt-file', /truncated/);
  });
});

describe('Ogg Vorbis', () => {
  it('decodes stereo 48 kHz', async () => {
    const { channels, info } = await readAll(`${FIX}/tone-48k-stereo.ogg`);
    expect(info).toMatchObject({ container: 'ogg', codec: 'vorbis', sampleRate: 48000, channels: 2, frames: 48000, framesExact: true });
    expect(channels[0].length).toBe(48000);
    expect(toneShare(channels[0], 48000, 440)).toBeGreaterThan(0.9);
    expect(toneShare(channels[1], 48000, 1000)).toBeGreaterThan(0.9);
  });

  it('refuses a truncated Ogg stream (no end-of-stream page)', async () => {
    const bytes = readFileSync(`${FIX}/tone-48k-stereo.ogg`);
    writeFileSync(join(dir, 'cut.ogg'), bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    await expectHushError(readAll(join(dir, 'cut.ogg')), 'corrupt-file', /truncated/);
  });
});

describe('format detection is by content, not extension', () => {
  it.each([
    ['tone-44k-stereo.mp3', 'disguised.wav', 'mp3'],
    ['tone-48k-stereo.ogg', 'disguised.flac', 'ogg'],
    ['tone-48k-stereo-24bit.flac', 'disguised.mp3', 'flac'],
  ])('%s renamed %s is read as %s', async (src, dst, container) => {
    copyFileSync(join(FIX, src), join(dir, dst));
    const { info, channels } = await readAll(join(dir, dst));
    expect(info.container).toBe(container);
    expect(channels[0].length).toBeGreaterThan(1000);
  });

  /** An ID3v2.4 tag of `size` body bytes (a padding frame), as taggers put before MP3 and FLAC. */
  function id3(size: number): Buffer {
    const h = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, (size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f]);
    return Buffer.concat([h, Buffer.alloc(size)]);
  }

  it.each([
    ['tone-44k-stereo.mp3', 1000, 'mp3'],
    ['tone-48k-stereo-24bit.flac', 1000, 'flac'],
    ['tone-44k-stereo.mp3', 400_000, 'mp3'], // larger than the detection head: read again after it
    ['tone-48k-stereo-24bit.flac', 400_000, 'flac'],
  ] as const)('%s behind a %i-byte ID3v2 tag', async (src, size, container) => {
    const path = join(dir, `id3-${size}-${src}`);
    writeFileSync(path, Buffer.concat([id3(size), readFileSync(join(FIX, src))]));
    const { info, channels } = await readAll(path);
    expect(info.container).toBe(container);
    expect(channels[0].length).toBe(container === 'mp3' ? 44100 : 12000);
  });

  it('random bytes and a PNG are "not audio"', async () => {
    writeFileSync(join(dir, 'noise.flac'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xfe)));
    await expectHushError(openAudioReader(join(dir, 'noise.flac')), 'unsupported-format', /not a recognised audio file/);
    writeFileSync(join(dir, 'image.mp3'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]));
    await expectHushError(openAudioReader(join(dir, 'image.mp3')), 'unsupported-format', /not a recognised audio file/);
  });
});
