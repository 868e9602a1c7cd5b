// Training and validation data for the image DAE: clean patches from the fixed split, corrupted on
// the fly, packed into model inputs [B, P, P, 4] (noisy RGB + σ/255 map) and targets [B, P, P, 3].
import { loadRgb, type RgbImage } from './images.ts';
import { imageSplit } from './split.ts';
import { randomPatch, cropDihedral } from './augment.ts';
import { corrupt, addGaussian, type CorruptionConfig, type Corrupted } from './corruption.ts';
import { Rng } from './rng.ts';
import { packRgbAndSigma } from '../../main/engine/models/image-input.ts';

/** Long side cap for the large free photos: keeps them close to CBSD's scale and memory small. */
const MAX_SIDE = 1024;

export interface Batch {
  /** [n, size, size, 4] noisy RGB + σ map, row-major. */
  readonly input: Float32Array;
  /** [n, size, size, 3] clean RGB. */
  readonly target: Float32Array;
  readonly n: number;
  readonly size: number;
}

export class ImageDataset {
  private readonly cumArea: Float64Array;
  private constructor(
    readonly train: readonly RgbImage[],
    readonly validation: readonly RgbImage[],
  ) {
    this.cumArea = new Float64Array(train.length);
    let acc = 0;
    train.forEach((im, i) => (this.cumArea[i] = acc += im.width * im.height));
  }

  static async load(opts: { limit?: number } = {}): Promise<ImageDataset> {
    const split = await imageSplit();
    const trainFiles = opts.limit === undefined ? split.train : split.train.slice(0, opts.limit);
    const train = await Promise.all(trainFiles.map((f) => loadRgb(f, MAX_SIDE)));
    const validation = await Promise.all(split.validation.map((f) => loadRgb(f)));
    return new ImageDataset(train, validation);
  }

  /** A batch of freshly corrupted random patches. */
  async batch(n: number, size: number, cfg: CorruptionConfig, rng: Rng): Promise<Batch & { corruptions: Corrupted[] }> {
    const input = new Float32Array(n * size * size * 4);
    const target = new Float32Array(n * size * size * 3);
    const corruptions: Corrupted[] = [];
    for (let b = 0; b < n; b++) {
      const p = randomPatch(this.train, this.cumArea, size, rng);
      const c = await corrupt(p, cfg, rng);
      corruptions.push(c);
      packRgbAndSigma(c.noisy, c.sigma, input, b * size * size * 4);
      target.set(p.data, b * size * size * 3);
    }
    return { input, target, n, size, corruptions };
  }

  /**
   * The fixed validation set: the centre size×size crop of every validation image with Gaussian
   * noise at `sigma`, seeded per image, so numbers are comparable across runs and steps.
   */
  validationBatch(size: number, sigma: number): Batch {
    const n = this.validation.length;
    const input = new Float32Array(n * size * size * 4);
    const target = new Float32Array(n * size * size * 3);
    this.validation.forEach((img, b) => {
      const p = cropDihedral(img, (img.width - size) >> 1, (img.height - size) >> 1, size, 0);
      const c = addGaussian(p, sigma, new Rng(1000 + b));
      packRgbAndSigma(c.noisy, sigma, input, b * size * size * 4);
      target.set(p.data, b * size * size * 3);
    });
    return { input, target, n, size };
  }
}
