// The per-file audio pipeline: read (streaming) → denoise each channel block by block → write
// (streaming, atomically). Output keeps the input's sample rate and channel count.
//
// Non-finite samples (NaN/±Inf, possible only in float WAV): the file is REFUSED with
// HushError('corrupt-file') naming the first position. Replacing them silently would hide damage in a
// user's recording, and one NaN poisons every STFT frame that overlaps it.
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { AudioDenoiser, AudioFormat, AudioSampleFormat, ReductionDb, Stage } from '../types.ts';
import { HushError } from '../types.ts';
import type { AudioInfo, AudioWriter } from './audio-types.ts';
import { openAudioReader, type OpenedAudio } from './audio-reader.ts';
import { createAudioWriter } from './audio-writer.ts';
import { estimateStrength } from './estimate-strength.ts';
import { readAudioMetadataFromPath } from './metadata.ts';
import { checkAborted, denoiseStream } from './stream-denoise.ts';

export interface DenoiseAudioOptions {
  readonly reductionDb: ReductionDb;
  /** Default: from the output's extension (.flac/.wav), else FLAC for FLAC input, else WAV. */
  readonly format?: AudioFormat;
  /** Default: pcm16 for ≤16-bit and lossy sources, pcm24 for 17–24-bit, float32 for float/32-bit. */
  readonly sampleFormat?: AudioSampleFormat;
}

export interface DenoiseAudioContext {
  readonly denoiser: AudioDenoiser;
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: Stage, fraction: number) => void;
}

export interface DenoiseAudioResult {
  /** Attenuation limit applied, dB. */
  readonly reductionDb: number;
  /** With 'auto': the input SNR (dB) the model estimated. */
  readonly estimate?: number;
  readonly sampleRate: number;
  readonly channels: number;
  /** Duration of the audio, seconds. */
  readonly seconds: number;
}

/** Largest attenuation limit accepted (beyond this the floor is effectively silence). */
export const MAX_REDUCTION_DB = 100;

/** Samples per read when copying unprocessed audio. */
const PASSTHROUGH_BLOCK = 1 << 16;

export function defaultSampleFormat(info: AudioInfo): AudioSampleFormat {
  if (info.codec === 'float' || (info.bitDepth ?? 16) > 24) return 'float32';
  if ((info.bitDepth ?? 16) > 16) return 'pcm24';
  return 'pcm16';
}

export function defaultAudioFormat(info: AudioInfo, output: string): AudioFormat {
  const ext = extname(output).toLowerCase();
  if (ext === '.flac') return 'flac';
  if (ext === '.wav' || ext === '.wave') return 'wav';
  return info.container === 'flac' ? 'flac' : 'wav';
}

/** Throws 'would-overwrite-input' when `output` is `input` (same path, symlink or hard link). */
export async function assertNotSameFile(input: string, output: string): Promise<void> {
  const name = basename(input);
  if (resolve(input) === resolve(output)) {
    throw new HushError('would-overwrite-input', `Refusing to write over the original ${name}; choose another output name or folder.`);
  }
  const [a, b] = await Promise.all([stat(input).catch(() => null), stat(output).catch(() => null)]);
  if (a && b && a.dev === b.dev && a.ino === b.ino) {
    throw new HushError('would-overwrite-input', `Refusing to write over the original ${name} (the output path points to the same file).`);
  }
}

function validateReduction(r: ReductionDb): void {
  if (r === 'auto') return;
  if (!Number.isFinite(r) || r < 0 || r > MAX_REDUCTION_DB) {
    throw new HushError('internal', `reductionDb must be 'auto' or a number of dB in [0, ${MAX_REDUCTION_DB}], got ${r}`);
  }
}

/** Wraps a reader so every block is checked for NaN/Inf before it goes anywhere. */
function finiteChecked(reader: OpenedAudio, name: string): (frames: number) => Promise<Float32Array[]> {
  let position = 0;
  return async (frames) => {
    const block = await reader.read(frames);
    for (let c = 0; c < block.length; c++) {
      const ch = block[c];
      for (let i = 0; i < ch.length; i++) {
        const v = ch[i];
        if (v - v !== 0) {
          const at = (position + i) / reader.info.sampleRate;
          throw new HushError(
            'corrupt-file',
            `${name} contains invalid samples (${Number.isNaN(v) ? 'NaN' : 'infinity'}) at ${at.toFixed(3)} s in channel ${c + 1}; the file is damaged. Hush does not guess replacements — repair or re-export it first.`,
          );
        }
      }
    }
    position += block[0]?.length ?? 0;
    return block;
  };
}

export async function denoiseAudioFile(input: string, output: string, opts: DenoiseAudioOptions, ctx: DenoiseAudioContext): Promise<DenoiseAudioResult> {
  validateReduction(opts.reductionDb);
  await assertNotSameFile(input, output);
  const name = basename(input);
  const progress = ctx.onProgress ?? (() => undefined);
  checkAborted(ctx.signal);
  progress('decoding', 0);
  const reader = await openAudioReader(input);
  let writer: AudioWriter | null = null;
  try {
    const info = reader.info;
    let reductionDb: number;
    let estimate: number | undefined;
    if (opts.reductionDb === 'auto') {
      progress('estimating', 0);
      const probe = await openAudioReader(input);
      try {
        const est = await estimateStrength(probe, ctx.denoiser, ctx.signal);
        if (!Number.isFinite(est.reductionDb)) throw new HushError('internal', `The audio model gave no usable strength estimate for ${name}.`);
        reductionDb = Math.max(0, Math.min(MAX_REDUCTION_DB, est.reductionDb));
        estimate = est.snrDb;
      } finally {
        await probe.close();
      }
      progress('estimating', 1);
    } else {
      reductionDb = opts.reductionDb;
    }
    const format = opts.format ?? defaultAudioFormat(info, output);
    const sampleFormat = opts.sampleFormat ?? defaultSampleFormat(info);
    // Dither only when rounding something that is not already on the 16-bit grid.
    const onGrid = reductionDb === 0 && (info.codec === 'pcm' || info.codec === 'flac' || info.codec === 'alaw' || info.codec === 'mulaw') && (info.bitDepth ?? 99) <= 16;
    checkAborted(ctx.signal);
    const metadata = await readAudioMetadataFromPath(input, info.container);
    writer = await createAudioWriter(output, { format, sampleFormat, sampleRate: info.sampleRate, channels: info.channels, dither: !onGrid, metadata });
    const w = writer;
    const pull = finiteChecked(reader, name);
    const expected = Math.max(1, info.frames);
    progress('denoising', 0);
    let frames = 0;
    if (reductionDb === 0) {
      // Passthrough: the samples are copied unchanged (re-encoded to the chosen format).
      for (;;) {
        checkAborted(ctx.signal);
        const block = await pull(PASSTHROUGH_BLOCK);
        const n = block[0]?.length ?? 0;
        if (n === 0) break;
        await w.write(block);
        frames += n;
        progress('denoising', Math.min(1, frames / expected));
      }
    } else {
      frames = await denoiseStream(pull, (out) => w.write(out), {
        denoiser: ctx.denoiser,
        sampleRate: info.sampleRate,
        channels: info.channels,
        maxAttenuationDb: reductionDb,
        signal: ctx.signal,
        onProgress: (done) => progress('denoising', Math.min(1, done / expected)),
      });
    }
    if (frames === 0) throw new HushError('empty-file', `${name} contains no audio samples.`);
    checkAborted(ctx.signal);
    progress('encoding', 1);
    writer = null;
    await w.finish();
    return { reductionDb, estimate, sampleRate: info.sampleRate, channels: info.channels, seconds: frames / info.sampleRate };
  } catch (e) {
    if (writer) await writer.abort();
    throw e;
  } finally {
    await reader.close();
  }
}
