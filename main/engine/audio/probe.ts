// Quick facts about an audio file for the UI and CLI, without decoding it.
import { stat } from 'node:fs/promises';
import type { AudioCodec, AudioContainer } from './audio-types.ts';
import { openAudioReader } from './audio-reader.ts';

export interface AudioProbe {
  readonly format: AudioContainer;
  readonly codec: AudioCodec;
  readonly sampleRate: number;
  readonly channels: number;
  readonly durationSec: number;
  /** False for MP3 without a Xing/Info/VBRI frame count (duration estimated from the bit rate). */
  readonly durationExact: boolean;
  /** Bits per sample of the source; null for lossy codecs. */
  readonly bitDepth: number | null;
  readonly bytes: number;
}

/** Reads only headers (and, for Ogg, the last page). Throws HushError for unreadable/unsupported files. */
export async function probeAudio(path: string): Promise<AudioProbe> {
  const reader = await openAudioReader(path);
  try {
    const i = reader.info;
    const { size } = await stat(path);
    return {
      format: i.container,
      codec: i.codec,
      sampleRate: i.sampleRate,
      channels: i.channels,
      durationSec: i.durationSec,
      durationExact: i.framesExact,
      bitDepth: i.bitDepth,
      bytes: size,
    };
  } finally {
    await reader.close();
  }
}
