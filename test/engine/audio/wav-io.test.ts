import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { describe, expect, it } from 'vitest';
import { buildWavHeader, createAudioWriter, openAudioReader, parseWavLayout, probeAudio } from '../../../main/engine/audio/index.ts';
import { HushError } from '../../../main/engine/types.ts';
import { tempDir, testSignal, writeWavFixture, type WavFlavour } from './helpers/wav-fixtures.ts';

const { WaveFile } = wavefile;
const dir = tempDir();

async function readAll(path: string, blockFrames = 1000): Promise<{ channels: Float32Array[]; info: Awaited<ReturnType<typeof openAudioReader>>['info'] }> {
  const r = await openAudioReader(path);
  const parts: Float32Array[][] = [];
  for (;;) {
    const b = await r.read(blockFrames);
    if (b[0].length === 0) break;
    parts.push(b);
  }
  await r.close();
  const n = parts.reduce((s, p) => s + p[0].length, 0);
  const channels = Array.from({ length: r.info.channels }, (_, c) => {
    const out = new Float32Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p[c], o);
      o += p[c].length;
    }
    return out;
  });
  return { channels, info: r.info };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function expectHushError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HushError);
  expect((e as HushError).code).toBe(code);
  expect((e as HushError).message).toMatch(message);
}

describe('WAV reading: every flavour decodes to the same samples as wavefile', () => {
  const cases: [string, WavFlavour, number, number, boolean][] = [
    ['8-bit unsigned PCM mono 8 kHz', '8', 1, 8000, false],
    ['16-bit PCM stereo 44.1 kHz', '16', 2, 44100, false],
    ['24-bit PCM stereo 48 kHz', '24', 2, 48000, false],
    ['32-bit int PCM mono 96 kHz', '32', 1, 96000, false],
    ['32-bit float stereo 22.05 kHz', '32f', 2, 22050, false],
    ['64-bit float mono 11.025 kHz', '64', 1, 11025, false],
    ['A-law mono 8 kHz', '8a', 1, 8000, false],
    ['µ-law stereo 8 kHz', '8m', 2, 8000, false],
    ['WAVE_FORMAT_EXTENSIBLE 24-bit 6 channels 48 kHz', '24', 6, 48000, true],
    ['WAVE_FORMAT_EXTENSIBLE float 6 channels 44.1 kHz', '32f', 6, 44100, true],
    ['WAVE_FORMAT_EXTENSIBLE 16-bit stereo, odd rate 37 kHz', '16', 2, 37000, true],
    ['16-bit 6 channels (plain fmt)', '16', 6, 16000, false],
  ];
  it.each(cases)('%s', async (_label, flavour, channels, rate, extensible) => {
    const path = join(dir, `in-${flavour}-${channels}-${rate}-${extensible}.wav`);
    // wavefile counts the pad byte of an odd-length G.711 data chunk as a sample: use an even length.
    const frames = flavour === '8a' || flavour === '8m' ? 3000 : 3001;
    const expected = writeWavFixture(path, flavour, channels, rate, frames, extensible);
    // Odd read sizes exercise block boundaries inside interleaved data.
    const { channels: got, info } = await readAll(path, 777);
    expect(info.container).toBe('wav');
    expect(info.sampleRate).toBe(rate);
    expect(info.channels).toBe(channels);
    expect(info.frames).toBe(frames);
    expect(got.length).toBe(channels);
    for (let c = 0; c < channels; c++) {
      // Float32 output holds ≤24-bit integers exactly; 32-bit ints and float64 round to float32.
      expect(maxAbsDiff(got[c], expected[c])).toBeLessThanOrEqual(flavour === '64' || flavour === '32' ? 1e-7 : 0);
    }
    // The signal really is there (not all zeros): tone + noise has RMS ≈ 0.45.
    const rms = Math.sqrt(got[0].reduce((s, v) => s + v * v, 0) / frames);
    expect(rms).toBeGreaterThan(0.3);
    const probe = await probeAudio(path);
    expect(probe).toMatchObject({ format: 'wav', sampleRate: rate, channels, durationExact: true });
    expect(probe.durationSec).toBeCloseTo(frames / rate, 9);
  });

  it('reads a 10-sample file and an all-silent file', async () => {
    const tiny = join(dir, 'ten.wav');
    const exp = writeWavFixture(tiny, '16', 1, 16000, 10);
    const { channels } = await readAll(tiny);
    expect(channels[0].length).toBe(10);
    expect(maxAbsDiff(channels[0], exp[0])).toBe(0);
    const silent = new WaveFile();
    silent.fromScratch(2, 48000, '16', [new Int16Array(4800), new Int16Array(4800)]);
    writeFileSync(join(dir, 'silent.wav'), silent.toBuffer());
    const s = await readAll(join(dir, 'silent.wav'));
    expect(s.channels[1].length).toBe(4800);
    expect(s.channels.every((c) => c.every((v) => v === 0))).toBe(true);
  });

  it('reads data written after a placeholder size (crashed/streaming recorders)', async () => {
    const path = join(dir, 'placeholder.wav');
    writeWavFixture(path, '16', 2, 44100, 500);
    const bytes = readFileSync(path);
    const layout = await parseWavLayout(async (p, n) => new Uint8Array(bytes.subarray(p, p + n)), bytes.length);
    bytes.writeUInt32LE(0xffffffff, layout.dataOffset - 4);
    writeFileSync(path, bytes);
    const { channels } = await readAll(path);
    expect(channels[0].length).toBe(500);
  });
});

describe('WAV bad input gets a clear HushError', () => {
  it('zero-byte file', async () => {
    writeFileSync(join(dir, 'empty.wav'), new Uint8Array(0));
    await expectHushError(openAudioReader(join(dir, 'empty.wav')), 'empty-file', /empty/);
  });
  it('text file named .wav', async () => {
    writeFileSync(join(dir, 'notes.wav'), 'These are my notes, not a recording.\n'.repeat(20));
    await expectHushError(openAudioReader(join(dir, 'notes.wav')), 'unsupported-format', /not an audio file.*text/);
  });
  it('truncated data chunk', async () => {
    const path = join(dir, 'full.wav');
    writeWavFixture(path, '24', 2, 48000, 4000);
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'trunc.wav'), bytes.subarray(0, bytes.length - 5000));
    await expectHushError(openAudioReader(join(dir, 'trunc.wav')), 'corrupt-file', /truncated/);
    writeFileSync(join(dir, 'header-only.wav'), bytes.subarray(0, 30));
    await expectHushError(openAudioReader(join(dir, 'header-only.wav')), 'corrupt-file', /fmt|truncated|data/);
  });
  it('header with no samples', async () => {
    const w = new WaveFile();
    w.fromScratch(1, 8000, '16', []);
    writeFileSync(join(dir, 'nosamples.wav'), w.toBuffer());
    await expectHushError(openAudioReader(join(dir, 'nosamples.wav')), 'empty-file', /no audio samples/);
  });
  it('compressed WAV (IMA ADPCM) is refused by name', async () => {
    const w = new WaveFile();
    w.fromScratch(1, 8000, '16', new Int16Array(2048).map((_, i) => Math.round(8000 * Math.sin(i / 5))));
    w.toIMAADPCM();
    writeFileSync(join(dir, 'adpcm.wav'), w.toBuffer());
    await expectHushError(openAudioReader(join(dir, 'adpcm.wav')), 'unsupported-format', /IMA ADPCM/);
  });
  it('missing file and folder', async () => {
    await expectHushError(openAudioReader(join(dir, 'nope.wav')), 'unreadable', /does not exist/);
    await expectHushError(openAudioReader(dir), 'unreadable', /folder|cannot be read/);
  });
  it('a WAV named .mp3 is read by content', async () => {
    const path = join(dir, 'really-wav.wav');
    writeWavFixture(path, '16', 1, 16000, 100);
    copyFileSync(path, join(dir, 'really-wav.mp3'));
    const { info } = await readAll(join(dir, 'really-wav.mp3'));
    expect(info.container).toBe('wav');
  });
});

describe('WAV writing', () => {
  const signal = testSignal(3, 4321, 32000).map((c) => Float32Array.from(c));
  it.each(['pcm16', 'pcm24', 'float32'] as const)('%s round-trips through wavefile and our reader', async (sampleFormat) => {
    const path = join(dir, `out-${sampleFormat}.wav`);
    const w = await createAudioWriter(path, { format: 'wav', sampleFormat, sampleRate: 32000, channels: 3 });
    // Uneven blocks, as the pipeline produces them.
    for (const [a, b] of [[0, 1000], [1000, 1001], [1001, 4321]]) await w.write(signal.map((c) => c.subarray(a, b)));
    await w.finish();
    const lsb = sampleFormat === 'pcm16' ? 1 / 32768 : sampleFormat === 'pcm24' ? 1 / 8388608 : 0;
    const { channels, info } = await readAll(path);
    expect(info).toMatchObject({ sampleRate: 32000, channels: 3, frames: 4321 });
    for (let c = 0; c < 3; c++) expect(maxAbsDiff(channels[c], signal[c])).toBeLessThanOrEqual(lsb / 2 + 1e-9);
    // Independent check: wavefile parses the header we wrote (3 channels → WAVE_FORMAT_EXTENSIBLE)…
    const wf = new WaveFile(readFileSync(path));
    const fmt = wf.fmt as { numChannels: number; sampleRate: number; audioFormat: number; subformat: number[]; bitsPerSample: number };
    expect(fmt).toMatchObject({ numChannels: 3, sampleRate: 32000, audioFormat: 0xfffe });
    expect(fmt.subformat[0]).toBe(sampleFormat === 'float32' ? 3 : 1);
    expect(fmt.bitsPerSample).toBe(sampleFormat === 'pcm16' ? 16 : sampleFormat === 'pcm24' ? 24 : 32);
    // …and its integer samples (wavefile does not know float subformats, so PCM only).
    if (sampleFormat !== 'float32') {
      const ref = wf.getSamples(false, Float64Array) as unknown as Float64Array[];
      const scale = sampleFormat === 'pcm16' ? 32768 : 8388608;
      expect(maxAbsDiff(Float32Array.from(ref[2], (v) => v / scale), channels[2])).toBe(0);
    } else {
      const data = readFileSync(path).subarray(-4321 * 3 * 4);
      const f = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
      expect(maxAbsDiff(Float32Array.from({ length: 4321 }, (_, i) => f[i * 3 + 2]), signal[2])).toBe(0);
    }
  });

  it('TPDF dither for 16-bit stays within ±1.5 LSB and is deterministic', async () => {
    const quiet = [Float32Array.from({ length: 20000 }, (_, i) => 0.3 * Math.sin(i / 7) / 32768)];
    const paths = [join(dir, 'd1.wav'), join(dir, 'd2.wav')];
    for (const p of paths) {
      const w = await createAudioWriter(p, { format: 'wav', sampleFormat: 'pcm16', sampleRate: 8000, channels: 1, dither: true });
      await w.write(quiet);
      await w.finish();
    }
    expect(readFileSync(paths[0]).equals(readFileSync(paths[1]))).toBe(true);
    const { channels } = await readAll(paths[0]);
    expect(maxAbsDiff(channels[0], quiet[0])).toBeLessThanOrEqual(1.5 / 32768);
    // Without dither a 0.3-LSB sine rounds to digital silence; with dither it survives as noise.
    expect(channels[0].some((v) => v !== 0)).toBe(true);
  });

  it('headers for more than 4 GiB of samples switch to RF64 (ds64) and parse back', async () => {
    const dataBytes = 6 * 2 ** 30 + 24; // 6 GiB of 6-channel float32
    const small = buildWavHeader(6, 48000, 'float32', 24);
    const big = buildWavHeader(6, 48000, 'float32', dataBytes);
    expect(big.length).toBe(small.length); // patched in place at the end of a streamed write
    expect(Buffer.from(small.subarray(0, 4)).toString()).toBe('RIFF');
    expect(Buffer.from(big.subarray(0, 4)).toString()).toBe('RF64');
    const size = big.length + dataBytes;
    const layout = await parseWavLayout(async (p, n) => (p < big.length ? big.subarray(p, Math.min(big.length, p + n)) : new Uint8Array(Math.min(n, size - p))), size);
    expect(layout).toMatchObject({ encoding: 'float', channels: 6, sampleRate: 48000, dataOffset: big.length, dataBytes, frames: dataBytes / 24, extensible: true });
  });

  it('abort leaves no file behind', async () => {
    const path = join(dir, 'aborted.wav');
    const w = await createAudioWriter(path, { format: 'wav', sampleFormat: 'pcm16', sampleRate: 8000, channels: 1 });
    await w.write([new Float32Array(100)]);
    await w.abort();
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).filter((f) => f.includes('aborted'))).toEqual([]);
  });
});
