import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { symmetricEigen } from '../../../main/engine/linalg.ts';
import { PatchZca } from '../../../ml/core/whitening.ts';
import { Rng } from '../../../ml/core/rng.ts';
import { crops, loadPhotos, type Photo } from './real-patches.ts';

let photos: Photo[];
beforeAll(async () => {
  await initBackend();
  photos = await loadPhotos(6);
});

describe('symmetricEigen', () => {
  it('decomposes a symmetric matrix: A·v = λ·v with orthonormal v', () => {
    const n = 5;
    const r = new Rng(5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r.normal();
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
        expect(av).toBeCloseTo(values[k] * vectors[i * n + k], 9);
      }
      for (let l = 0; l < n; l++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * n + k] * vectors[i * n + l];
        expect(dot).toBeCloseTo(k === l ? 1 : 0, 9);
      }
    }
  });
});

describe('PatchZca on real photo patches', () => {
  it('whitens 4×4 RGB patches to (near) identity covariance and inverts exactly', async () => {
    const rng = new Rng(11);
    const fitSet = tf.tensor4d(crops(photos, rng, 64, 32), [64, 32, 32, 3]);
    const eps = 1e-5;
    const zca = PatchZca.fit(fitSet, 4, eps);
    expect(zca.dim).toBe(48);
    const eig = [...zca.eigenvalues].sort((a, b) => b - a);
    expect(eig[0] / eig[47]).toBeGreaterThan(100); // natural images: strongly correlated pixels

    // Covariance of the whitened fit patches must be U·diag(λ/(λ+ε))·Uᵀ (≈ I where λ ≫ ε).
    const w = zca.whiten(fitSet);
    expect(w.shape).toEqual([64, 32, 32, 3]);
    const cov = tf.tidy(() => {
      const v = tf.reshape(tf.transpose(tf.reshape(w, [64, 8, 4, 8, 4, 3]), [0, 1, 3, 2, 4, 5]), [-1, 48]);
      const c = tf.sub(v, tf.mean(v, 0));
      return tf.div(tf.matMul(c, c, true, false), v.shape[0]);
    });
    const cv = (await cov.array()) as number[][];
    let worst = 0;
    for (let i = 0; i < 48; i++) {
      for (let j = 0; j < 48; j++) {
        let want = 0;
        for (let k = 0; k < 48; k++) {
          const lam = Math.max(zca.eigenvalues[k], 0);
          want += zca.eigenvectors[i * 48 + k] * zca.eigenvectors[j * 48 + k] * (lam / (lam + eps));
        }
        worst = Math.max(worst, Math.abs(cv[i][j] - want));
      }
      expect(cv[i][i]).toBeGreaterThan(0.5);
    }
    expect(worst).toBeLessThan(0.02);
    // Along the strongest directions the whitened data has unit variance.
    expect(eig[5] / (eig[5] + eps)).toBeGreaterThan(0.95);

    // Round trip on held-out crops (not used for fitting).
    const test = tf.tensor4d(crops(photos, new Rng(99), 8, 16), [8, 16, 16, 3]);
    const back = zca.unwhiten(zca.whiten(test));
    const err = (await tf.max(tf.abs(tf.sub(back, test))).data())[0];
    expect(err).toBeLessThan(1e-3);
    const rel = (await tf.div(tf.norm(tf.sub(back, test)), tf.norm(test)).data())[0];
    expect(rel).toBeLessThan(1e-4);
  });

  it('serialises to JSON and gives identical results after reload; rejects wrong shapes', async () => {
    const fitSet = tf.tensor4d(crops(photos, new Rng(12), 32, 16), [32, 16, 16, 3]);
    const zca = PatchZca.fit(fitSet, 2, 1e-3);
    const copy = PatchZca.fromJSON(JSON.parse(JSON.stringify(zca.toJSON())) as ReturnType<PatchZca['toJSON']>);
    const x = tf.tensor4d(crops(photos, new Rng(13), 2, 8), [2, 8, 8, 3]);
    const a = await zca.whiten(x).data();
    const b = await copy.whiten(x).data();
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    expect(d).toBeLessThan(1e-5);
    expect(() => zca.whiten(tf.zeros([1, 7, 8, 3]) as tf.Tensor4D)).toThrow(/multiple/);
    expect(() => zca.whiten(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D)).toThrow(/channels/);
  });
});
