import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { fileIO } from '../../../main/engine/tf/file-io.ts';
import {
  buildImageDae,
  DepthToSpace,
  imageDaeConfigFromModel,
  imageDaeCost,
  imageDaeReceptiveField,
  SpaceToDepth,
} from '../../../main/engine/models/image-dae.ts';

const SHIPPED = { c1: 32, c2: 64, n1: 2, nLatent: 2 };

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('image DAE builder', () => {
  it('maps [b, H, W, 4] (RGB + σ map) to [b, H, W, 3] for any multiple-of-4 size', () => {
    const m = buildImageDae(SHIPPED);
    for (const [h, w] of [[32, 48], [20, 8]]) {
      const y = tf.tidy(() => (m.predict(tf.randomUniform([2, h, w, 4])) as tf.Tensor).shape);
      expect(y).toEqual([2, h, w, 3]);
    }
    m.dispose();
  });

  it('counts parameters and MAC/pixel by hand and stays within 100 k MAC/pixel', () => {
    const m = buildImageDae(SHIPPED);
    // head 9·16·32 /4, enc 2·9·32·32 /4, down 128·64 /16, latent 4·9·64·64 /16, up 64·128 /16,
    // dec 2·9·32·32 /4, tail 9·32·12 /4
    const mac = 1152 + 4608 + 512 + 9216 + 512 + 4608 + 864;
    const params = 4640 + 18496 + 8256 + 147712 + 8320 + 18496 + 3468;
    const cost = imageDaeCost(m);
    expect(cost.macPerPixel).toBe(mac);
    expect(cost.params).toBe(params);
    expect(cost.macPerPixel).toBeLessThanOrEqual(100_000);
    expect(imageDaeConfigFromModel(m)).toEqual(SHIPPED);
    m.dispose();
  });

  it('starts close to the identity (residual output with a small final layer)', () => {
    const m = buildImageDae(SHIPPED);
    const diff = tf.tidy(() => {
      const x = tf.randomUniform([1, 32, 32, 4]);
      const y = m.predict(x) as tf.Tensor;
      return tf.max(tf.abs(tf.sub(y, x.slice([0, 0, 0, 0], [1, 32, 32, 3])))).dataSync()[0];
    });
    expect(diff).toBeLessThan(0.05);
    m.dispose();
  });

  it('has exactly the receptive field it reports', () => {
    const cfg = { ...SHIPPED, seed: 3 };
    const m = buildImageDae(cfg);
    const R = imageDaeReceptiveField(cfg);
    const size = 96;
    const c = 48;
    const changed = tf.tidy(() => {
      const x = tf.randomUniform([1, size, size, 4], 0, 1, 'float32', 7);
      const bump = tf.buffer([1, size, size, 4]);
      bump.set(5, 0, c, c, 0);
      const y0 = m.predict(x) as tf.Tensor;
      const y1 = m.predict(tf.add(x, bump.toTensor())) as tf.Tensor;
      return tf.sum(tf.abs(tf.sub(y1, y0)), 3).squeeze().arraySync() as number[][];
    });
    let reach = 0;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (changed[y][x] > 0) reach = Math.max(reach, Math.abs(y - c), Math.abs(x - c));
    expect(reach).toBeLessThanOrEqual(R);
    expect(reach).toBeGreaterThanOrEqual(R - 2); // the bound is tight, not a loose guess
    m.dispose();
  });

  it('space↔depth layers invert each other and match tf.depthToSpace', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([2, 8, 12, 3]);
      const s2d = new SpaceToDepth({ blockSize: 2 }).apply(x) as tf.Tensor;
      expect(s2d.shape).toEqual([2, 4, 6, 12]);
      const back = new DepthToSpace({ blockSize: 2 }).apply(s2d) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(back, x))).dataSync()[0]).toBe(0);
      const ref = tf.depthToSpace(s2d as tf.Tensor4D, 2);
      expect(tf.max(tf.abs(tf.sub(ref, x))).dataSync()[0]).toBe(0);
    });
  });

  it('round-trips through model.json + weights.bin with identical outputs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hush-dae-'));
    try {
      const m = buildImageDae({ c1: 8, c2: 16, n1: 1, nLatent: 1, seed: 5 });
      await m.save(fileIO(dir));
      const loaded = await tf.loadLayersModel(fileIO(dir));
      const d = tf.tidy(() => {
        const x = tf.randomUniform([1, 16, 24, 4]);
        return tf.max(tf.abs(tf.sub(m.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor))).dataSync()[0];
      });
      expect(d).toBe(0);
      m.dispose();
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
