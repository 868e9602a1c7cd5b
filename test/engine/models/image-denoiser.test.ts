import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { buildImageDae } from '../../../main/engine/models/image-dae.ts';
import { imageDenoiserFromModel, loadImageDenoiser } from '../../../main/engine/models/image-denoiser.ts';
import { loadRgb } from '../../../ml/image/images.ts';
import { psnr, toUint8 } from '../../../ml/image/metrics.ts';
import { dpirNoisy } from '../../../ml/image/eval-image.ts';

const SHIPPED = path.resolve('resources/models/image-dae');

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('imageDenoiserFromModel', () => {
  it('returns a tile of the input shape, leaves σ = 0 untouched, and frees its tensors', async () => {
    const d = imageDenoiserFromModel(buildImageDae({ c1: 8, c2: 16, n1: 1, nLatent: 1 }));
    expect(d.sizeMultiple).toBe(4);
    expect(d.receptiveField).toBeGreaterThan(8);
    const data = Float32Array.from({ length: 16 * 24 * 3 }, (_, i) => (i % 97) / 97);
    const before = tf.memory().numTensors;
    const out = await d.denoise({ data, width: 24, height: 16 }, 25);
    expect(tf.memory().numTensors).toBe(before);
    expect(out.width).toBe(24);
    expect(out.height).toBe(16);
    expect(out.data.length).toBe(data.length);
    const same = await d.denoise({ data, width: 24, height: 16 }, 0);
    expect(Array.from(same.data)).toEqual(Array.from(data));
    await expect(d.denoise({ data: new Float32Array(10 * 12 * 3), width: 10, height: 12 }, 25)).rejects.toThrow(/multiples of 4/);
    await expect(d.denoise({ data, width: 24, height: 16 }, -1)).rejects.toThrow();
    d.dispose();
    await expect(d.denoise({ data, width: 24, height: 16 }, 25)).rejects.toThrow(/dispose/);
  });
});

describe('shipped image DAE (resources/models/image-dae)', () => {
  it('loads and improves PSNR of a real CBSD68 crop at σ = 25 by a clear margin', async () => {
    const d = await loadImageDenoiser(SHIPPED);
    const img = await loadRgb(path.resolve('../shared/data/images/eval/CBSD68/108005.png'));
    const w = 128;
    const x0 = (img.width - w) >> 1;
    const y0 = (img.height - w) >> 1;
    const crop = new Uint8Array(w * w * 3);
    for (let y = 0; y < w; y++) crop.set(img.data.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x0 + w) * 3), y * w * 3);
    const noisy = dpirNoisy(crop, 25);
    const out = await d.denoise({ data: noisy, width: w, height: w }, 25);
    const before = psnr(toUint8(noisy), crop);
    const after = psnr(toUint8(out.data), crop);
    expect(before).toBeLessThan(21);
    expect(after - before).toBeGreaterThan(3);
    d.dispose();
  });
});
