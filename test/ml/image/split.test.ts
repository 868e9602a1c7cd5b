import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { imageSplit } from '../../../ml/image/split.ts';
import { listImages } from '../../../ml/image/images.ts';

describe('image train/validation split', () => {
  it('is fixed, disjoint, and never touches eval/', async () => {
    const s = await imageSplit();
    expect(s.validation.length).toBe(36);
    expect(s.train.length).toBe(414);
    expect(path.basename(s.validation[0])).toBe('100007.jpg');
    const train = new Set(s.train);
    for (const v of s.validation) expect(train.has(v)).toBe(false);
    for (const f of [...s.train, ...s.validation]) expect(f).not.toMatch(/[/\\]eval[/\\]/);
    // No CBSD68 test image name appears in training (BSDS ids are unique per photo).
    const test = new Set((await listImages(path.resolve('../shared/data/images/eval/CBSD68'))).map((n) => n.replace(/\.\w+$/, '')));
    for (const f of s.train) expect(test.has(path.basename(f).replace(/\.\w+$/, ''))).toBe(false);
  });
});
