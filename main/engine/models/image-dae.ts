// Image denoising autoencoder (DAE) builder: a small two-level U-Net with an FFDNet-style noise-level
// map input, built only from ops that are fast on the wasm backend (stride-1 3×3/1×1 convolutions,
// ReLU, adds, and space↔depth shuffles written as reshape+transpose so they also have gradients).
//
//   input  [b, H, W, 4] = noisy RGB in [0,1] + σ/255 map
//   ── SpaceToDepth(2)            → H/2 × W/2 × 16           (pixel-unshuffle, like FFDNet)
//   ── head conv3×3 → C1, n1 × conv3×3 C1                    (encoder level 1, kept for the skip)
//   ── SpaceToDepth(2) + conv1×1 → C2                        (= a 2×2 stride-2 conv: downsampling)
//   ── nLatent × residual blocks (conv3×3 C2 ×2) at H/4      (latent)
//   ── conv1×1 → 4·C1 + DepthToSpace(2)                      (= a 2×2 stride-2 transposed conv)
//   ── add skip from encoder level 1, n1 × conv3×3 C1        (decoder)
//   ── conv3×3 → 12, DepthToSpace(2) → H × W × 3 residual r
//   output = noisy RGB + r                                   (residual output)
//
// Residual output: the network predicts the (negated) noise rather than the clean image. At σ → 0 the
// identity is the right answer and a zero-initialised-ish residual starts there, and the noise is a
// simpler, zero-mean target (DnCNN's argument), which makes training converge in far fewer steps —
// what matters on a 2-core machine.
import * as tf from '@tensorflow/tfjs';

export interface ImageDaeConfig {
  /** Channels at half resolution (encoder/decoder level 1). */
  readonly c1: number;
  /** Channels at quarter resolution (latent). */
  readonly c2: number;
  /** 3×3 convs after the head at level 1 in the encoder, and in the decoder after the skip. */
  readonly n1: number;
  /** Residual blocks (two 3×3 convs each) in the latent at quarter resolution. */
  readonly nLatent: number;
  /** Seed for the weight initialisers (deterministic builds). */
  readonly seed?: number;
}

export const DEFAULT_IMAGE_DAE_CONFIG: ImageDaeConfig = { c1: 48, c2: 96, n1: 2, nLatent: 2 };

/** Input channels: RGB + noise-level map. */
export const IMAGE_DAE_INPUT_CHANNELS = 4;
/** Total downsampling of the encoder: tile sides must be a multiple of this. */
export const IMAGE_DAE_SIZE_MULTIPLE = 4;

// ---------------------------------------------------------------------------------------------------
// Custom layers (registered, so model.json round-trips through tf.loadLayersModel)

function spaceToDepth(x: tf.Tensor4D, block: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const r = tf.reshape(x, [b, h / block, block, w / block, block, c]);
  const t = tf.transpose(r, [0, 1, 3, 2, 4, 5]);
  return tf.reshape(t, [b, h / block, w / block, block * block * c]);
}

function depthToSpace(x: tf.Tensor4D, block: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const oc = c / (block * block);
  const r = tf.reshape(x, [b, h, w, block, block, oc]);
  const t = tf.transpose(r, [0, 1, 3, 2, 4, 5]);
  return tf.reshape(t, [b, h * block, w * block, oc]);
}

interface BlockArgs {
  blockSize: number;
  name?: string;
}

/** Shared by the two pixel-shuffle layers: a block size, serialised in the layer config. */
abstract class BlockLayer extends tf.layers.Layer {
  readonly blockSize: number;
  constructor(args: BlockArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.blockSize = args.blockSize;
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), blockSize: this.blockSize };
  }
}

/** Pixel-unshuffle; channel order matches TensorFlow's space_to_depth ((dy·B + dx)·C + c). */
export class SpaceToDepth extends BlockLayer {
  static readonly className = 'HushSpaceToDepth';
  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, c] = s as tf.Shape;
    const B = this.blockSize;
    return [b, h == null ? null : h / B, w == null ? null : w / B, (c as number) * B * B];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return spaceToDepth(x as tf.Tensor4D, this.blockSize);
  }
}

/** Pixel-shuffle; inverse of SpaceToDepth (same as tf.depthToSpace, DCR order), with a gradient. */
export class DepthToSpace extends BlockLayer {
  static readonly className = 'HushDepthToSpace';
  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, c] = s as tf.Shape;
    const B = this.blockSize;
    return [b, h == null ? null : h * B, w == null ? null : w * B, (c as number) / (B * B)];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return depthToSpace(x as tf.Tensor4D, this.blockSize);
  }
}

interface ResidualOutArgs {
  channels: number;
  name?: string;
}

/** [input (RGB + σ map), residual] → input's first `channels` channels + residual. */
export class ResidualOut extends tf.layers.Layer {
  static readonly className = 'HushResidualOut';
  readonly channels: number;
  constructor(args: ResidualOutArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.channels = args.channels;
  }
  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w] = (s as tf.Shape[])[0];
    return [b, h, w, this.channels];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, r] = inputs as tf.Tensor4D[];
    const [b, h, w] = x.shape;
    const rgb = tf.slice(x, [0, 0, 0, 0], [b, h, w, this.channels]);
    return tf.add(rgb, r);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), channels: this.channels };
  }
}

tf.serialization.registerClass(SpaceToDepth);
tf.serialization.registerClass(DepthToSpace);
tf.serialization.registerClass(ResidualOut);

// ---------------------------------------------------------------------------------------------------

/** Build the image DAE. Spatial dims are free (null); feed tiles whose sides are multiples of 4. */
export function buildImageDae(cfg: ImageDaeConfig = DEFAULT_IMAGE_DAE_CONFIG): tf.LayersModel {
  let seed = cfg.seed ?? 1;
  const init = (): tf.serialization.Serializable =>
    tf.initializers.heNormal({ seed: seed++ });
  const conv = (filters: number, k: number, name: string, relu = true): tf.layers.Layer =>
    tf.layers.conv2d({
      filters,
      kernelSize: k,
      padding: 'same',
      activation: relu ? 'relu' : 'linear',
      kernelInitializer: init() as never,
      name,
    });

  const input = tf.input({ shape: [null, null, IMAGE_DAE_INPUT_CHANNELS], name: 'noisy_and_sigma' });
  let x = new SpaceToDepth({ blockSize: 2, name: 'unshuffle' }).apply(input) as tf.SymbolicTensor;
  x = conv(cfg.c1, 3, 'head').apply(x) as tf.SymbolicTensor;
  for (let i = 0; i < cfg.n1; i++) x = conv(cfg.c1, 3, `enc1_${i}`).apply(x) as tf.SymbolicTensor;
  const skip = x;

  // Downsample: 2×2 stride-2 conv written as space-to-depth + 1×1 conv.
  x = new SpaceToDepth({ blockSize: 2, name: 'down_shuffle' }).apply(x) as tf.SymbolicTensor;
  x = conv(cfg.c2, 1, 'down').apply(x) as tf.SymbolicTensor;
  for (let i = 0; i < cfg.nLatent; i++) {
    const a = conv(cfg.c2, 3, `latent${i}_a`).apply(x) as tf.SymbolicTensor;
    const b = conv(cfg.c2, 3, `latent${i}_b`, false).apply(a) as tf.SymbolicTensor;
    x = tf.layers.add({ name: `latent${i}_add` }).apply([x, b]) as tf.SymbolicTensor;
  }

  // Upsample: 2×2 stride-2 transposed conv written as 1×1 conv to 4·C1 + depth-to-space.
  x = conv(4 * cfg.c1, 1, 'up').apply(x) as tf.SymbolicTensor;
  x = new DepthToSpace({ blockSize: 2, name: 'up_shuffle' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'skip_add' }).apply([x, skip]) as tf.SymbolicTensor;
  for (let i = 0; i < cfg.n1; i++) x = conv(cfg.c1, 3, `dec1_${i}`).apply(x) as tf.SymbolicTensor;

  // Residual at half resolution: 12 channels = 3 colours × 2×2 sub-pixels. Small init so the model
  // starts near the identity.
  const tail = tf.layers.conv2d({
    filters: 12,
    kernelSize: 3,
    padding: 'same',
    kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1e-3, seed: seed++ }),
    name: 'tail',
  });
  x = tail.apply(x) as tf.SymbolicTensor;
  const r = new DepthToSpace({ blockSize: 2, name: 'shuffle_out' }).apply(x) as tf.SymbolicTensor;
  const out = new ResidualOut({ channels: 3, name: 'residual_out' }).apply([input, r]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'hush_image_dae' });
}

/**
 * Receptive-field radius in full-resolution pixels: output (y, x) depends only on inputs within ±R
 * rows and columns. Half-resolution radius a = (1 + n1) encoder + (2·2·nLatent + 1) latent detour
 * (each quarter-resolution pixel spans two half-resolution ones) + (n1 + 1) decoder and tail;
 * unshuffling to half resolution then gives R = 2a + 1.
 */
export function imageDaeReceptiveField(cfg: ImageDaeConfig): number {
  const a = 1 + cfg.n1 + (2 * 2 * cfg.nLatent + 1) + cfg.n1 + 1;
  return 2 * a + 1;
}

/** Recover the builder config from a built or loaded model (layer names are part of the format). */
export function imageDaeConfigFromModel(model: tf.LayersModel): ImageDaeConfig {
  const names = model.layers.map((l) => l.name);
  const n1 = names.filter((n) => /^enc1_\d+$/.test(n)).length;
  const nLatent = names.filter((n) => /^latent\d+_a$/.test(n)).length;
  const head = model.getLayer('head').getWeights()[0].shape;
  const down = model.getLayer('down').getWeights()[0].shape;
  if (head.length !== 4 || down.length !== 4) throw new Error('not a Hush image DAE: unexpected head/down kernels');
  return { c1: head[3], c2: down[3], n1, nLatent };
}

export interface ModelCost {
  readonly params: number;
  /** Multiply-accumulates per input pixel (full resolution). */
  readonly macPerPixel: number;
}

/**
 * Parameters and MAC per full-resolution pixel of any fully convolutional image model: each conv
 * costs k²·Cin·Cout per output position; the positions per input pixel are measured by running a
 * probe tile through a model that exposes every conv's output.
 */
export function imageDaeCost(model: tf.LayersModel): ModelCost {
  const params = model.countParams();
  const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
  const probe = 16;
  const mac = tf.tidy(() => {
    const tap = tf.model({ inputs: model.inputs, outputs: convs.map((l) => l.output as tf.SymbolicTensor) });
    const inChannels = (model.inputs[0].shape[3] ?? IMAGE_DAE_INPUT_CHANNELS) as number;
    const outs = tap.predict(tf.zeros([1, probe, probe, inChannels])) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(outs) ? outs : [outs];
    let total = 0;
    convs.forEach((layer, i) => {
      const [kh, kw, cin, cout] = layer.getWeights()[0].shape;
      const [, oh, ow] = list[i].shape;
      total += (kh * kw * cin * cout * oh * ow) / (probe * probe);
    });
    return total;
  });
  return { params, macPerPixel: mac };
}
