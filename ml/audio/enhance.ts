// Offline enhancement of a whole mono signal with the audio DAE (training validation and eval):
// the same steps as the app's audio pipeline — STFT → power → band gains → per-bin gains → ISTFT.
import type * as tf from '@tensorflow/tfjs';
import { applyGains, istft, powerSpectrum, stft } from '../../main/engine/audio/stft.ts';
import { TfAudioDenoiser, type AudioDaeMetadata } from '../../main/engine/models/audio-denoiser.ts';
import type { AudioDenoiser } from '../../main/engine/types.ts';

/** Enhances `x` with a bare model + metadata (used during training, before a denoiser exists). */
export function enhanceWithModel(model: tf.LayersModel, meta: AudioDaeMetadata, x: Float32Array, rate: number, maxAttenuationDb: number): Promise<Float32Array> {
  return enhanceWithDenoiser(new TfAudioDenoiser(model, meta), x, rate, maxAttenuationDb);
}

/** Enhances `x` through the AudioDenoiser interface, whole signal in one block. */
export async function enhanceWithDenoiser(d: AudioDenoiser, x: Float32Array, rate: number, maxAttenuationDb: number): Promise<Float32Array> {
  const spec = d.frameSpec(rate);
  const S = stft(x, spec);
  const g = await d.gains(powerSpectrum(S), S.nFrames, S.nBins, rate, maxAttenuationDb);
  applyGains(S, g);
  return istft(S, spec, x.length);
}
