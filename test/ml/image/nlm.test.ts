import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadRgb } from '../../../ml/image/images.ts';
import { nlmDenoise, nlmParams } from '../../../ml/image/nlm.ts';
import { psnr, toUint8 } from '../../../ml/image/metrics.ts';
import { dpirNoisy } from '../../../ml/image/eval-image.ts';

const CBSD68 = path.resolve('../shared/data/images/eval/CBSD68');

describe('colour non-local means baseline', () => {
  it('leaves a flat image flat and σ = 0 untouched', () => {
    const flat = new Float32Array(20 * 20 * 3).fill(77);
    const out = nlmDenoise(flat, 20, 20, 25);
    for (const v of out) expect(v).toBeCloseTo(77, 4);
    const ramp = Float32Array.from({ length: 12 * 12 * 3 }, (_, i) => i % 251);
    expect(Array.from(nlmDenoise(ramp, 12, 12, 0))).toEqual(Array.from(ramp));
  });

  it('improves PSNR clearly on a real CBSD68 crop at σ = 25', async () => {
    const img = await loadRgb(path.join(CBSD68, '108005.png'));
    // 96×96 crop from the centre.
    const w = 96;
    const crop = new Uint8Array(w * w * 3);
    const x0 = (img.width - w) >> 1;
    const y0 = (img.height - w) >> 1;
    for (let y = 0; y < w; y++) crop.set(img.data.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x0 + w) * 3), y * w * 3);
    const noisy = dpirNoisy(crop, 25);
    const scaled = noisy.map((v) => v * 255);
    const out = nlmDenoise(scaled, w, w, 25, nlmParams(25));
    const before = psnr(toUint8(noisy), crop);
    const after = psnr(toUint8(out.map((v) => v / 255)), crop);
    expect(after - before).toBeGreaterThan(4);
  });
});
