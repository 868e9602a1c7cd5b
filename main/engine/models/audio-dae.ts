// The audio denoising autoencoder: a 1-D convolutional U-Net over time on band features.
//
//   input  [T, nInputs] normalised log band power of the noisy STFT (10 ms frames), optionally
//                       plus log(power / minimum-statistics noise floor) per band
//   enc0   2 × conv1d k3                                   (T,   c0)  ───────────── skip ─┐
//   down1  space-to-depth [T, c0] → [T/2, 2·c0], conv1d k3, conv1d k3 (T/2, c1)  ── skip ─┐ │
//   down2  space-to-depth → [T/4, 2·c1], conv1d k3 + residual conv1d k5 blocks (T/4, c2)  │ │
//   up1    transposed conv (k1 → 2·c1, depth-to-space) ⊕ skip, conv1d k3        (T/2, c1) │
//   up0    transposed conv (k1 → 2·c0, depth-to-space) ⊕ skip, conv1d k3        (T,   c0)
//   output conv1d k1 → nBands, sigmoid: a gain in [0, 1] per band and frame
//
// Down- and upsampling are reshapes ([T, C] ↔ [T/2, 2C]) around stride-1 convolutions: a k3
// convolution after space-to-depth is a stride-2 convolution with a 6-frame kernel, and a 1×1
// convolution to 2·C channels before depth-to-space is a stride-2 transposed convolution. Written
// this way the model uses only built-in layers (loads anywhere TF.js runs) and every gradient runs
// on the fast stride-1 wasm kernels (strided conv1d gradients fall back to a slow naive kernel).
// Time length must be a multiple of TIME_MULTIPLE (the encoder's total downsampling).
import * as tf from '@tensorflow/tfjs';

export interface AudioDaeConfig {
  readonly nBands: number;
  /** Input channels per frame (default nBands: log band power only). */
  readonly nInputs?: number;
  /** Channels at full, half and quarter frame rate. */
  readonly widths: readonly [number, number, number];
  /** Residual conv1d blocks in the latent (quarter-rate) stage, and their kernel size. */
  readonly latentBlocks: number;
  readonly latentKernel: number;
}

// (No dilated convolutions: TF.js cannot take gradients through conv2d with dilation > 1, so the
// latent stage widens its context with quarter-rate k5 convolutions instead.)
export const DEFAULT_AUDIO_DAE: AudioDaeConfig = { nBands: 40, widths: [48, 64, 96], latentBlocks: 2, latentKernel: 5 };

/** Total downsampling in time: inputs are padded to a multiple of this. */
export const TIME_MULTIPLE = 4;

interface ConvCost {
  readonly name: string;
  readonly k: number;
  readonly cin: number;
  readonly cout: number;
  /** Output frames per input frame (1, 1/2, 1/4). */
  readonly rate: number;
}

export interface AudioDaeInfo {
  /** Multiply-accumulates per input frame for one pass. */
  readonly macsPerFrame: number;
  /** Frames on each side that can influence an output frame (conservative bound). */
  readonly reach: number;
  readonly convs: readonly ConvCost[];
}

/** MACs and receptive field of a configuration, from the same recipe the builder follows. */
export function describeAudioDae(cfg: AudioDaeConfig = DEFAULT_AUDIO_DAE): AudioDaeInfo {
  const [c0, c1, c2] = cfg.widths;
  const convs: ConvCost[] = [];
  let reach = 0;
  // reach grows by (k − 1) steps of the layer's input stride (conservative: the whole kernel span
  // on each side).
  const add = (name: string, k: number, cin: number, cout: number, rate: number, inStride = 1 / rate) => {
    convs.push({ name, k, cin, cout, rate });
    reach += (k - 1) * inStride;
  };
  add('enc0a', 3, cfg.nInputs ?? cfg.nBands, c0, 1);
  add('enc0b', 3, c0, c0, 1);
  reach += 1; // space-to-depth pairs frames
  add('down1', 3, 2 * c0, c1, 1 / 2);
  add('enc1b', 3, c1, c1, 1 / 2);
  reach += 2;
  add('down2', 3, 2 * c1, c2, 1 / 4);
  for (let i = 0; i < cfg.latentBlocks; i++) add(`latent${i}`, cfg.latentKernel, c2, c2, 1 / 4);
  add('up1', 1, c2, 2 * c1, 1 / 4);
  reach += 4; // depth-to-space: a latent frame feeds two half-rate frames
  add('dec1', 3, 2 * c1, c1, 1 / 2);
  add('up0', 1, c1, 2 * c0, 1 / 2);
  reach += 2;
  add('dec0', 3, 2 * c0, c0, 1);
  add('out', 1, c0, cfg.nBands, 1);
  const macsPerFrame = convs.reduce((s, c) => s + c.k * c.cin * c.cout * c.rate, 0);
  return { macsPerFrame, reach: Math.ceil(reach), convs };
}

export function buildAudioDae(cfg: AudioDaeConfig = DEFAULT_AUDIO_DAE, seed = 1): tf.LayersModel {
  const [c0, c1, c2] = cfg.widths;
  let n = 0;
  const init = () => tf.initializers.heNormal({ seed: seed * 1000 + n++ });
  const conv = (name: string, filters: number, kernelSize: number, opts: { activation?: 'relu' | 'sigmoid' | 'linear' } = {}) =>
    tf.layers.conv1d({
      name,
      filters,
      kernelSize,
      padding: 'same',
      activation: opts.activation ?? 'relu',
      kernelInitializer: opts.activation === 'sigmoid' ? tf.initializers.glorotUniform({ seed: seed * 1000 + n++ }) : init(),
    });
  const input = tf.input({ shape: [null, cfg.nInputs ?? cfg.nBands], name: 'band_features' });
  let e0 = conv('enc0a', c0, 3).apply(input) as tf.SymbolicTensor;
  e0 = conv('enc0b', c0, 3).apply(e0) as tf.SymbolicTensor;
  let e1 = tf.layers.reshape({ name: 'down1_s2d', targetShape: [-1, 2 * c0] }).apply(e0) as tf.SymbolicTensor;
  e1 = conv('down1', c1, 3).apply(e1) as tf.SymbolicTensor;
  e1 = conv('enc1b', c1, 3).apply(e1) as tf.SymbolicTensor;
  let z = tf.layers.reshape({ name: 'down2_s2d', targetShape: [-1, 2 * c1] }).apply(e1) as tf.SymbolicTensor;
  z = conv('down2', c2, 3).apply(z) as tf.SymbolicTensor;
  for (let i = 0; i < cfg.latentBlocks; i++) {
    const r = conv(`latent${i}`, c2, cfg.latentKernel).apply(z) as tf.SymbolicTensor;
    z = tf.layers.add({ name: `latent${i}_res` }).apply([z, r]) as tf.SymbolicTensor;
  }
  let u1 = conv('up1', 2 * c1, 1, { activation: 'linear' }).apply(z) as tf.SymbolicTensor;
  u1 = tf.layers.reshape({ name: 'up1_shuffle', targetShape: [-1, c1] }).apply(u1) as tf.SymbolicTensor;
  u1 = tf.layers.concatenate({ name: 'skip1', axis: -1 }).apply([u1, e1]) as tf.SymbolicTensor;
  u1 = conv('dec1', c1, 3).apply(u1) as tf.SymbolicTensor;
  let u0 = conv('up0', 2 * c0, 1, { activation: 'linear' }).apply(u1) as tf.SymbolicTensor;
  u0 = tf.layers.reshape({ name: 'up0_shuffle', targetShape: [-1, c0] }).apply(u0) as tf.SymbolicTensor;
  u0 = tf.layers.concatenate({ name: 'skip0', axis: -1 }).apply([u0, e0]) as tf.SymbolicTensor;
  u0 = conv('dec0', c0, 3).apply(u0) as tf.SymbolicTensor;
  const out = conv('out', cfg.nBands, 1, { activation: 'sigmoid' }).apply(u0) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'audio_dae' });
}

/** Config recovered from a built or loaded model (widths from layer shapes). */
export function configOfModel(model: tf.LayersModel): AudioDaeConfig {
  const units = (name: string) => (model.getLayer(name).getConfig() as { filters: number }).filters;
  const nBands = units('out');
  const nInputs = model.inputs[0].shape[2] as number;
  const latent = model.layers.filter((l) => /^latent\d+$/.test(l.name));
  const latentKernel = latent.length > 0 ? (latent[0].getConfig() as { kernelSize: number[] }).kernelSize[0] : 1;
  const widths: [number, number, number] = [units('enc0a'), units('down1'), units('down2')];
  return nInputs === nBands ? { nBands, widths, latentBlocks: latent.length, latentKernel } : { nBands, nInputs, widths, latentBlocks: latent.length, latentKernel };
}
