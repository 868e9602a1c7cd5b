import { describe, expect, it } from 'vitest';
import { cropDihedral, randomPatch } from '../../../ml/image/augment.ts';
import type { RgbImage } from '../../../ml/image/images.ts';
import { Rng } from '../../../ml/image/rng.ts';

function image(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  return { name: 't', width: w, height: h, data };
}

describe('augmentation', () => {
  it('transform 0 is a plain crop; all 8 dihedral transforms are distinct permutations of it', () => {
    const img = image(20, 16);
    const size = 8;
    const plain = cropDihedral(img, 3, 5, size, 0);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) expect(plain.data[(y * size + x) * 3 + c]).toBeCloseTo(img.data[((5 + y) * 20 + 3 + x) * 3 + c] / 255, 6);
    const sorted = (a: Float32Array) => Array.from(a).sort((p, q) => p - q);
    const seen = new Set<string>();
    for (let t = 0; t < 8; t++) {
      const p = cropDihedral(img, 3, 5, size, t);
      expect(sorted(p.data)).toEqual(sorted(plain.data));
      seen.add(Array.from(p.data).join(','));
    }
    expect(seen.size).toBe(8);
    // Transform 4 is the transpose.
    const tr = cropDihedral(img, 3, 5, size, 4);
    expect(tr.data[(2 * size + 5) * 3]).toBe(plain.data[(5 * size + 2) * 3]);
  });

  it('random patches stay inside the image and follow the seed', () => {
    const imgs = [image(10, 10), image(40, 30)];
    const cum = new Float64Array([100, 1300]);
    const a = randomPatch(imgs, cum, 10, new Rng(4));
    const b = randomPatch(imgs, cum, 10, new Rng(4));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    for (let i = 0; i < 50; i++) expect(randomPatch(imgs, cum, 10, new Rng(i)).data.length).toBe(300);
  });
});
