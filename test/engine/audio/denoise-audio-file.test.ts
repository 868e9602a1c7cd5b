// The per-file pipeline: formats in/out, rate/channel preservation, strength handling, safety.
import { existsSync, linkSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { describe, expect, it } from 'vitest';
import { createAudioWriter, denoiseAudioFile, openAudioReader, TEMP_SUFFIX } from '../../../main/engine/audio/index.ts';
import { HushError, type Stage } from '../../../main/engine/types.ts';
import { MinStatsDenoiser } from './helpers/min-stats-denoiser.ts';
import { DATA, decodeFile } from './helpers/real-audio.ts';
import { tempDir, writeWavFixture } from './helpers/wav-fixtures.ts';

const { WaveFile } = wavefile;
const FIX = 'test/fixtures/audio';
const den = new MinStatsDenoiser(8);

async function expectHushError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(HushError);
  expect((e as HushError).code).toBe(code);
  expect((e as HushError).message).toMatch(message);
}

function snrDb(clean: Float32Array, test: Float32Array): number {
  let s = 0, e = 0;
  for (let i = 0; i < clean.length; i++) {
    s += clean[i] * clean[i];
    e += (test[i] - clean[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
}

/** No output and no temporary file may remain in `dir` apart from `keep`. */
function expectOnly(dir: string, keep: string[]): void {
  expect(readdirSync(dir).sort()).toEqual([...keep].sort());
}

describe('denoiseAudioFile', () => {
  it('improves real noisy speech (vctk-p287 pair) and keeps rate and channels', async () => {
    const dir = tempDir();
    const out = join(dir, 'p287_003.wav');
    const res = await denoiseAudioFile(`${DATA}/pairs/vctk-p287/noisy/p287_003.flac`, out, { reductionDb: 15, sampleFormat: 'float32' }, { denoiser: den });
    expect(res).toMatchObject({ reductionDb: 15, sampleRate: 16000, channels: 1 });
    const clean = (await decodeFile(`${DATA}/pairs/vctk-p287/clean/p287_003.flac`)).channels[0];
    const noisy = (await decodeFile(`${DATA}/pairs/vctk-p287/noisy/p287_003.flac`)).channels[0];
    const got = await decodeFile(out);
    expect(got.sampleRate).toBe(16000);
    expect(got.channels[0].length).toBe(noisy.length);
    // A classical min-statistics Wiener gain is no DAE, but it must not make things worse here.
    expect(snrDb(clean, got.channels[0])).toBeGreaterThan(snrDb(clean, noisy));
  });

  it.each([
    ['tone-44k-stereo.mp3', 44100, 2],
    ['tone-48k-stereo.ogg', 48000, 2],
    ['tone-22k-mono-mpeg2.mp3', 22050, 1],
    ['tone-48k-stereo-24bit.flac', 48000, 2],
  ] as const)('%s → WAV at the input rate and channel count', async (name, rate, channels) => {
    const dir = tempDir();
    const out = join(dir, 'out.wav');
    const res = await denoiseAudioFile(join(FIX, name), out, { reductionDb: 12 }, { denoiser: den });
    expect(res).toMatchObject({ sampleRate: rate, channels });
    const r = await openAudioReader(out);
    expect(r.info).toMatchObject({ container: 'wav', sampleRate: rate, channels });
    // 24-bit FLAC keeps 24 bits by default, lossy sources become 16-bit.
    expect(r.info.bitDepth).toBe(name.endsWith('24bit.flac') ? 24 : 16);
    await r.close();
  });

  it('6-channel 24-bit extensible WAV → FLAC keeps all channels, each processed', async () => {
    const dir = tempDir();
    const input = join(dir, 'surround.wav');
    writeWavFixture(input, '24', 6, 48000, 48000, true);
    const out = join(dir, 'surround.flac');
    const res = await denoiseAudioFile(input, out, { reductionDb: 10 }, { denoiser: den });
    expect(res).toMatchObject({ channels: 6, sampleRate: 48000 });
    expect(res.seconds).toBeCloseTo(1, 9);
    const r = await openAudioReader(out);
    expect(r.info).toMatchObject({ container: 'flac', channels: 6, sampleRate: 48000, bitDepth: 24, frames: 48000 });
    const inp = await decodeFile(input);
    const got = await r.read(48000);
    await r.close();
    for (let c = 0; c < 6; c++) {
      let diff = 0;
      for (let i = 0; i < 48000; i++) diff = Math.max(diff, Math.abs(got[c][i] - inp.channels[c][i]));
      expect(diff).toBeGreaterThan(1e-3); // every channel changed
    }
  });

  it('reductionDb 0 is a bit-exact passthrough (16-bit in, 16-bit out, no dither)', async () => {
    const dir = tempDir();
    const out = join(dir, 'same.wav');
    const calls = den.gainCalls;
    await denoiseAudioFile(`${DATA}/pairs/vctk-p287/noisy/p287_001.flac`, out, { reductionDb: 0 }, { denoiser: den });
    const a = await decodeFile(`${DATA}/pairs/vctk-p287/noisy/p287_001.flac`);
    const b = await decodeFile(out);
    expect(Buffer.from(b.channels[0].buffer).equals(Buffer.from(a.channels[0].buffer))).toBe(true);
    expect(den.gainCalls).toBe(calls); // the model was not run
  });

  it("'auto' asks the model and reports its estimate", async () => {
    const dir = tempDir();
    const stages: Stage[] = [];
    const fractions: number[] = [];
    const res = await denoiseAudioFile(
      `${DATA}/pairs/vctk-p287/noisy/p287_004.flac`,
      join(dir, 'auto.wav'),
      { reductionDb: 'auto' },
      { denoiser: den, onProgress: (s, f) => (stages.push(s), s === 'denoising' && fractions.push(f)) },
    );
    expect(typeof res.estimate).toBe('number');
    expect(Number.isFinite(res.estimate)).toBe(true);
    expect(res.reductionDb).toBeGreaterThanOrEqual(6);
    expect(res.reductionDb).toBeLessThanOrEqual(30);
    expect(stages).toContain('estimating');
    expect(stages.at(-1)).toBe('encoding');
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
  });

  it('refuses to overwrite its input (same path, symlink, hard link) and leaves it intact', async () => {
    const dir = tempDir();
    const input = join(dir, 'take1.wav');
    writeWavFixture(input, '16', 1, 16000, 4000);
    const before = readFileSync(input);
    symlinkSync(input, join(dir, 'link.wav'));
    linkSync(input, join(dir, 'hard.wav'));
    for (const out of [input, join(dir, '.', 'take1.wav'), join(dir, 'link.wav'), join(dir, 'hard.wav')]) {
      await expectHushError(denoiseAudioFile(input, out, { reductionDb: 10 }, { denoiser: den }), 'would-overwrite-input', /Refusing to write over the original take1\.wav/);
    }
    expect(readFileSync(input).equals(before)).toBe(true);
    expectOnly(dir, ['take1.wav', 'link.wav', 'hard.wav']);
  });

  it('refuses NaN/Inf float WAV with the position, leaving no output or temp file', async () => {
    const dir = tempDir();
    const input = join(dir, 'glitch.wav');
    const x = new Float64Array(32000).map((_, i) => 0.3 * Math.sin(i / 9));
    x[20000] = NaN;
    const w = new WaveFile();
    w.fromScratch(1, 16000, '32f', x);
    writeFileSync(input, w.toBuffer());
    await expectHushError(denoiseAudioFile(input, join(dir, 'out.wav'), { reductionDb: 10 }, { denoiser: den }), 'corrupt-file', /NaN.*1\.250 s.*channel 1/);
    x[20000] = Infinity;
    w.fromScratch(1, 16000, '32f', x);
    writeFileSync(input, w.toBuffer());
    await expectHushError(denoiseAudioFile(input, join(dir, 'out.wav'), { reductionDb: 0 }, { denoiser: den }), 'corrupt-file', /infinity/);
    expectOnly(dir, ['glitch.wav']);
  });

  it('all-silent and 10-sample files come out with the same length', async () => {
    const dir = tempDir();
    const silent = join(dir, 'silent.wav');
    const w = new WaveFile();
    w.fromScratch(2, 44100, '16', [new Int16Array(44100), new Int16Array(44100)]);
    writeFileSync(silent, w.toBuffer());
    await denoiseAudioFile(silent, join(dir, 'silent-out.wav'), { reductionDb: 20 }, { denoiser: den });
    const s = await decodeFile(join(dir, 'silent-out.wav'));
    expect(s.channels[0].length).toBe(44100);
    expect(s.channels.every((c) => c.every((v) => Math.abs(v) <= 1 / 32768))).toBe(true);
    const tiny = join(dir, 'tiny.wav');
    writeWavFixture(tiny, '16', 1, 8000, 10);
    const res = await denoiseAudioFile(tiny, join(dir, 'tiny-out.wav'), { reductionDb: 20 }, { denoiser: den });
    expect(res.seconds).toBeCloseTo(10 / 8000, 12);
    expect((await decodeFile(join(dir, 'tiny-out.wav'))).channels[0].length).toBe(10);
  });

  it('cancel mid-file leaves nothing behind', async () => {
    const dir = tempDir();
    const input = join(dir, 'long.wav');
    const wr = await createAudioWriter(input, { format: 'wav', sampleFormat: 'pcm16', sampleRate: 16000, channels: 1 });
    for (let k = 0; k < 6; k++) await wr.write([Float32Array.from({ length: 160_000 }, (_, i) => 0.2 * Math.sin(i / 5) + 0.01 * Math.sin(i * 1.7))]);
    await wr.finish();
    const ac = new AbortController();
    await expectHushError(
      denoiseAudioFile(input, join(dir, 'out.wav'), { reductionDb: 12 }, { denoiser: den, signal: ac.signal, onProgress: (s, f) => s === 'denoising' && f > 0 && ac.abort() }),
      'cancelled',
      /Cancelled/,
    );
    expectOnly(dir, ['long.wav']);
  });

  it('non-ASCII, space-filled and very long paths work', async () => {
    const base = tempDir();
    const { mkdirSync } = await import('node:fs');
    const deep = join(base, 'Aufnahmen – März 2026', '声音 録音', 'x'.repeat(200));
    mkdirSync(deep, { recursive: true });
    const input = join(deep, '  interview   café №1 .wav');
    writeWavFixture(input, '16', 2, 22050, 5000);
    const out = join(deep, '  interview   café №1 (denoised).flac');
    const res = await denoiseAudioFile(input, out, { reductionDb: 9 }, { denoiser: den });
    expect(res).toMatchObject({ channels: 2, sampleRate: 22050 });
    const r = await openAudioReader(out);
    expect(r.info).toMatchObject({ container: 'flac', frames: 5000 });
    await r.close();
    // A 240-byte file name (close to NAME_MAX): the temporary name must still fit.
    const longName = join(deep, `${'ü'.repeat(116)}.wav`);
    await denoiseAudioFile(input, longName, { reductionDb: 9 }, { denoiser: den });
    expect(existsSync(longName)).toBe(true);
  });

  it('bad inputs and outputs get clear errors', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty.wav'), '');
    await expectHushError(denoiseAudioFile(join(dir, 'empty.wav'), join(dir, 'o1.wav'), { reductionDb: 10 }, { denoiser: den }), 'empty-file', /empty/);
    writeFileSync(join(dir, 'text.mp3'), 'hello, this is not audio at all\n');
    await expectHushError(denoiseAudioFile(join(dir, 'text.mp3'), join(dir, 'o2.wav'), { reductionDb: 10 }, { denoiser: den }), 'unsupported-format', /not an audio file/);
    await expectHushError(
      denoiseAudioFile(join(FIX, 'tone-48k-stereo.ogg'), join(dir, 'missing-folder', 'o3.wav'), { reductionDb: 10 }, { denoiser: den }),
      'output-unwritable',
      /does not exist/,
    );
    const six = join(dir, 'nine.wav');
    const w = new WaveFile();
    w.fromScratch(9, 8000, '16', Array.from({ length: 9 }, () => new Int16Array(100)));
    writeFileSync(six, w.toBuffer());
    await expectHushError(denoiseAudioFile(six, join(dir, 'o4.flac'), { reductionDb: 10 }, { denoiser: den }), 'unsupported-format', /FLAC stores 1–8 channels/);
    expectOnly(dir, ['empty.wav', 'text.mp3', 'nine.wav']);
    expect(existsSync(join(dir, 'o4.flac' + TEMP_SUFFIX))).toBe(false);
  });
});
