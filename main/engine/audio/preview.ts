// A short before/after excerpt for A/B listening. The excerpt is denoised with the model's context
// on both sides, so "after" is the same audio the full export will contain at that place.
import type { AudioDenoiser, ReductionDb } from '../types.ts';
import { HushError } from '../types.ts';
import { openAudioReader, type OpenedAudio } from './audio-reader.ts';
import { encodeWavBuffer } from './audio-writer.ts';
import { MAX_REDUCTION_DB } from './denoise-audio-file.ts';
import { estimateStrength } from './estimate-strength.ts';
import { checkAborted, denoiseStream } from './stream-denoise.ts';

export interface AudioPreviewOptions {
  readonly reductionDb: ReductionDb;
  readonly startSec: number;
  readonly durationSec: number;
  readonly denoiser: AudioDenoiser;
  readonly signal?: AbortSignal;
}

export interface AudioPreview {
  /** WAV (float32, the input's rate and channels) of the original excerpt. */
  readonly before: Buffer;
  /** WAV of the same excerpt denoised. */
  readonly after: Buffer;
  readonly sampleRate: number;
  readonly channels: number;
  /** Actual excerpt start and length (clamped to the file). */
  readonly startSec: number;
  readonly durationSec: number;
  readonly reductionDb: number;
  /** With 'auto': the input SNR (dB) the model estimated. */
  readonly estimate?: number;
}

/** Longest excerpt a preview renders (longer requests are refused: export the file instead). */
export const MAX_PREVIEW_SECONDS = 120;
/** Samples (all channels) a preview may decode: 2 min of 48 kHz 8-channel audio. */
const MAX_PREVIEW_SAMPLES = 120 * 48000 * 8;

async function skipTo(reader: OpenedAudio, frame: number, signal?: AbortSignal): Promise<number> {
  if (reader.seek) {
    reader.seek(frame);
    return Math.min(frame, reader.info.frames);
  }
  let at = 0;
  while (at < frame) {
    checkAborted(signal);
    const got = (await reader.read(Math.min(1 << 16, frame - at)))[0].length;
    if (got === 0) break;
    at += got;
  }
  return at;
}

function concat(parts: Float32Array[][], channels: number): Float32Array[] {
  const n = parts.reduce((s, p) => s + p[0].length, 0);
  return Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p[c], o);
      o += p[c].length;
    }
    return out;
  });
}

export async function renderAudioPreview(path: string, o: AudioPreviewOptions): Promise<AudioPreview> {
  if (!(o.durationSec > 0) || o.durationSec > MAX_PREVIEW_SECONDS) {
    throw new HushError('internal', `preview duration must be in (0, ${MAX_PREVIEW_SECONDS}] s, got ${o.durationSec}`);
  }
  if (!(o.startSec >= 0)) throw new HushError('internal', `preview start must be ≥ 0, got ${o.startSec}`);
  let reductionDb: number;
  let estimate: number | undefined;
  if (o.reductionDb === 'auto') {
    const probe = await openAudioReader(path);
    try {
      const est = await estimateStrength(probe, o.denoiser, o.signal);
      reductionDb = Math.max(0, Math.min(MAX_REDUCTION_DB, est.reductionDb));
      estimate = est.snrDb;
    } finally {
      await probe.close();
    }
  } else {
    if (!(o.reductionDb >= 0 && o.reductionDb <= MAX_REDUCTION_DB)) throw new HushError('internal', `reductionDb out of range: ${o.reductionDb}`);
    reductionDb = o.reductionDb;
  }
  const reader = await openAudioReader(path);
  try {
    const { sampleRate, channels } = reader.info;
    const spec = o.denoiser.frameSpec(sampleRate);
    const { past, future } = o.denoiser.contextFrames;
    // Samples of context the model's frames reach beyond the excerpt on each side.
    const marginBefore = (past + 2) * spec.hop + spec.fftSize;
    const marginAfter = (future + 2) * spec.hop + spec.fftSize;
    const start = Math.round(o.startSec * sampleRate);
    if (reader.info.framesExact && start >= reader.info.frames) {
      throw new HushError('internal', `preview start ${o.startSec.toFixed(2)} s is past the end of the audio (${reader.info.durationSec.toFixed(2)} s)`);
    }
    const length = Math.max(1, Math.round(o.durationSec * sampleRate));
    if ((length + marginBefore + marginAfter) * channels > MAX_PREVIEW_SAMPLES) {
      throw new HushError('too-large', `A ${o.durationSec} s preview of ${channels} channels at ${sampleRate} Hz is too large; choose a shorter excerpt.`);
    }
    // Start on a multiple of the hop so the excerpt's STFT frames coincide with the full file's.
    const from = Math.max(0, Math.floor((start - marginBefore) / spec.hop) * spec.hop);
    const readFrom = await skipTo(reader, from, o.signal);
    const lead = start - readFrom; // context samples before the excerpt (fewer at the file start)
    const seg = await reader.read(lead + length + marginAfter);
    const got = seg[0].length;
    if (got <= lead) throw new HushError('internal', `preview start ${o.startSec.toFixed(2)} s is past the end of the audio`);
    const excerptLen = Math.min(length, got - lead);
    const before = seg.map((c) => c.slice(lead, lead + excerptLen));
    for (const c of seg) for (let i = 0; i < c.length; i++) if (!Number.isFinite(c[i])) throw new HushError('corrupt-file', 'The excerpt contains invalid samples (NaN or infinity).');
    let after: Float32Array[];
    if (reductionDb === 0) after = before.map((c) => c.slice());
    else {
      let pos = 0;
      const outParts: Float32Array[][] = [];
      await denoiseStream(
        async (k) => {
          const n = Math.min(k, got - pos);
          const block = seg.map((c) => c.slice(pos, pos + n));
          pos += n;
          return block;
        },
        async (out) => void outParts.push(out),
        { denoiser: o.denoiser, sampleRate, channels, maxAttenuationDb: reductionDb, signal: o.signal },
      );
      after = concat(outParts, channels).map((c) => c.slice(lead, lead + excerptLen));
    }
    return {
      before: encodeWavBuffer(before, sampleRate, 'float32'),
      after: encodeWavBuffer(after, sampleRate, 'float32'),
      sampleRate,
      channels,
      startSec: start / sampleRate,
      durationSec: excerptLen / sampleRate,
      reductionDb,
      estimate,
    };
  } finally {
    await reader.close();
  }
}
