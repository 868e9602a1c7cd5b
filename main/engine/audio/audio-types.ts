// Types shared by the audio readers, writers and pipeline. Samples are always planar Float32Array
// per channel, nominally in [-1, 1] (float sources may exceed it; PCM writers clip).

/** Containers Hush reads (detected from content, never from the extension). */
export type AudioContainer = 'wav' | 'flac' | 'mp3' | 'ogg';

/** How samples are stored in the source. */
export type AudioCodec = 'pcm' | 'float' | 'alaw' | 'mulaw' | 'flac' | 'mp3' | 'vorbis';

export interface AudioInfo {
  readonly container: AudioContainer;
  readonly codec: AudioCodec;
  readonly sampleRate: number;
  readonly channels: number;
  /** Sample frames per channel; for MP3 without a Xing/Info header this is an estimate. */
  readonly frames: number;
  /** True when `frames` is exact (known from the header, or counted). */
  readonly framesExact: boolean;
  readonly durationSec: number;
  /** Bits per sample of the source (8–64); null for lossy codecs. */
  readonly bitDepth: number | null;
}

/** Pull-based reader of decoded audio. */
export interface AudioReader {
  readonly info: AudioInfo;
  /**
   * Reads the next `frames` sample frames (fewer only at the end of the stream; an empty result
   * means the end). Channel arrays are freshly allocated and owned by the caller.
   */
  read(frames: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Sample encodings Hush writes. */
export type WavSampleEncoding = 'pcm16' | 'pcm24' | 'float32';

/** Incremental writer; `finish` completes headers, `abort` removes whatever was written. */
export interface AudioWriter {
  write(channels: readonly Float32Array[]): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}
