// Audio I/O and the per-file audio pipeline. Everything else in the app imports audio from here.
export type { AudioCodec, AudioContainer, AudioInfo, AudioReader, AudioWriter, WavSampleEncoding } from './audio-types.ts';
export { openAudioReader, type OpenedAudio } from './audio-reader.ts';
export { detectAudioFormat, DETECT_HEAD_BYTES, type DetectedAudio } from './detect-format.ts';
export { createAudioWriter, encodeWavBuffer, flacBitsFor, type AudioWriterOptions } from './audio-writer.ts';
export { createAtomicFile, TEMP_SUFFIX, type AtomicFile } from './atomic-file.ts';
export { FlacEncoder, flacUnsupportedReason, type FlacEncoderOptions } from './flac-encoder.ts';
export { decodeInterleaved, encodeInterleaved, TpdfDither, type SampleLayout, type WavEncoding } from './pcm-convert.ts';
export { buildWavHeader, parseWavLayout, type WavLayout } from './wav-format.ts';
export { denoiseStream, defaultBlockFrames, type StreamDenoiseOptions } from './stream-denoise.ts';
export { estimateStrength, type StrengthEstimate } from './estimate-strength.ts';
export {
  denoiseAudioFile,
  assertNotSameFile,
  defaultAudioFormat,
  defaultSampleFormat,
  MAX_REDUCTION_DB,
  type DenoiseAudioContext,
  type DenoiseAudioOptions,
  type DenoiseAudioResult,
} from './denoise-audio-file.ts';
export { probeAudio, type AudioProbe } from './probe.ts';
export { audioOverview, overviewOfSamples, magma, type AudioOverview, type ChannelPeaks, type OverviewOptions } from './overview.ts';
export { renderAudioPreview, MAX_PREVIEW_SECONDS, type AudioPreview, type AudioPreviewOptions } from './preview.ts';
export { readAudioMetadataFromPath, NO_METADATA, type AudioMetadata } from './metadata.ts';
