// Per-patch ZCA whitening with an exact inverse.
//
// An image [B,H,W,C] is cut into non-overlapping p×p patches (space-to-depth, so a patch vector is
// ordered (row, col, channel)); each patch vector x becomes W·(x − μ), with W = U·diag(1/√(λ+ε))·Uᵀ
// from the eigen-decomposition of the patch covariance. The inverse W⁻¹ = U·diag(√(λ+ε))·Uᵀ is
// exact (up to float rounding), so a model can work in the whitened space and its output be mapped
// back. ZCA (rather than PCA) whitening keeps each patch looking like an image.
import * as tf from '@tensorflow/tfjs';
import { symmetricEigen } from '../../main/engine/linalg.ts';
import { depthToSpace, spaceToDepth } from '../../main/engine/tf/wasm-kernels.ts';

export interface ZcaJson {
  readonly patch: number;
  readonly channels: number;
  readonly epsilon: number;
  readonly mean: number[];
  readonly eigenvalues: number[];
  /** Eigenvectors, row-major dim×dim, column k = k-th eigenvector. */
  readonly eigenvectors: number[];
}

export class PatchZca {
  readonly dim: number;
  private readonly w: tf.Tensor2D;
  private readonly wInv: tf.Tensor2D;
  private readonly mu: tf.Tensor1D;

  private constructor(
    readonly patch: number,
    readonly channels: number,
    readonly epsilon: number,
    readonly mean: Float64Array,
    readonly eigenvalues: Float64Array,
    readonly eigenvectors: Float64Array,
  ) {
    const d = patch * patch * channels;
    this.dim = d;
    const w = new Float32Array(d * d);
    const wi = new Float32Array(d * d);
    for (let k = 0; k < d; k++) {
      const lam = Math.max(eigenvalues[k], 0) + epsilon;
      const f = 1 / Math.sqrt(lam);
      const g = Math.sqrt(lam);
      for (let i = 0; i < d; i++) {
        const uik = eigenvectors[i * d + k];
        if (uik === 0) continue;
        for (let j = 0; j < d; j++) {
          const u = uik * eigenvectors[j * d + k];
          w[i * d + j] += u * f;
          wi[i * d + j] += u * g;
        }
      }
    }
    this.w = tf.tensor2d(w, [d, d]);
    this.wInv = tf.tensor2d(wi, [d, d]);
    this.mu = tf.tensor1d(Float32Array.from(mean));
  }

  /**
   * Fits on images [N,H,W,C] (H, W multiples of `patch`; e.g. a few hundred training crops).
   * ε regularises small eigenvalues (in data units squared, e.g. 1e-3 for [0,1] pixels).
   */
  static fit(images: tf.Tensor4D, patch: number, epsilon = 1e-3): PatchZca {
    const c = images.shape[3];
    const d = patch * patch * c;
    const { meanArr, covArr } = tf.tidy(() => {
      const x = spaceToDepth(images, patch).reshape([-1, d]);
      const mean = tf.mean(x, 0);
      const xc = tf.sub(x, mean);
      const cov = tf.div(tf.matMul(xc, xc, true, false), x.shape[0]);
      return { meanArr: mean.dataSync(), covArr: cov.dataSync() };
    });
    const cov64 = Float64Array.from(covArr);
    // Symmetrise (float32 matMul rounding) before the decomposition.
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) cov64[i * d + j] = cov64[j * d + i] = 0.5 * (cov64[i * d + j] + cov64[j * d + i]);
    const { values, vectors } = symmetricEigen(cov64, d);
    return new PatchZca(patch, c, epsilon, Float64Array.from(meanArr), values, vectors);
  }

  static fromJSON(j: ZcaJson): PatchZca {
    const d = j.patch * j.patch * j.channels;
    if (j.mean.length !== d || j.eigenvalues.length !== d || j.eigenvectors.length !== d * d) throw new Error('PatchZca.fromJSON: sizes do not match');
    return new PatchZca(j.patch, j.channels, j.epsilon, Float64Array.from(j.mean), Float64Array.from(j.eigenvalues), Float64Array.from(j.eigenvectors));
  }

  toJSON(): ZcaJson {
    return {
      patch: this.patch,
      channels: this.channels,
      epsilon: this.epsilon,
      mean: Array.from(this.mean),
      eigenvalues: Array.from(this.eigenvalues),
      eigenvectors: Array.from(this.eigenvectors),
    };
  }

  /** Patch vectors [N, dim] → whitened [N, dim]. */
  whitenVectors(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.matMul(tf.sub(x, this.mu), this.w)); // W is symmetric
  }

  unwhitenVectors(y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(y, this.wInv), this.mu));
  }

  /** Images [B,H,W,C] → whitened images of the same shape (each p×p patch whitened). */
  whiten(x: tf.Tensor4D): tf.Tensor4D {
    return this.mapPatches(x, (v) => this.whitenVectors(v));
  }

  /** Exact inverse of whiten. */
  unwhiten(y: tf.Tensor4D): tf.Tensor4D {
    return this.mapPatches(y, (v) => this.unwhitenVectors(v));
  }

  dispose(): void {
    tf.dispose([this.w, this.wInv, this.mu]);
  }

  private mapPatches(x: tf.Tensor4D, f: (v: tf.Tensor2D) => tf.Tensor2D): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    if (c !== this.channels) throw new Error(`PatchZca: fitted for ${this.channels} channels, got ${c}`);
    if (h % this.patch !== 0 || w % this.patch !== 0) throw new Error(`PatchZca: ${h}×${w} is not a multiple of the ${this.patch}-pixel patch`);
    return tf.tidy(() => {
      const v = spaceToDepth(x, this.patch).reshape([-1, this.dim]) as tf.Tensor2D;
      const out = f(v).reshape([b, h / this.patch, w / this.patch, this.dim]) as tf.Tensor4D;
      return depthToSpace(out, this.patch);
    });
  }
}
