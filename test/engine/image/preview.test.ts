// Previews show exactly what the saved file will contain; thumbnails are small upright JPEGs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { join } from 'node:path';
import { renderImagePreview, makeImageThumbnail } from '../../../main/engine/image/preview.ts';
import { denoiseImageFile } from '../../../main/engine/image/pipeline.ts';
import { BlurBlockDenoiser } from './test-denoisers.ts';
import { addNoise, decode, PHOTO, psnr, tempDir } from './helpers.ts';

const denoiser = new BlurBlockDenoiser(3, 8);
let dir = '';
let cleanup: () => Promise<void> = async () => {};
let noisy = '';

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const { data, info } = await sharp(PHOTO).raw().toBuffer({ resolveWithObject: true });
  noisy = join(dir, 'noisy.png');
  await sharp(Buffer.from(addNoise(new Uint8Array(data), 20, 3)), { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(noisy);
});
afterAll(() => cleanup());

describe('renderImagePreview', () => {
  it('a 1:1 region shows exactly the pixels the saved file will have', async () => {
    const out = join(dir, 'full.png');
    await denoiseImageFile(noisy, out, { sigma: 25 }, { denoiser });
    const region = { left: 101, top: 57, width: 150, height: 120 };
    const p = await renderImagePreview(noisy, { sigma: 25, region, denoiser });
    expect(p.region).toEqual(region);
    expect([p.width, p.height]).toEqual([150, 120]);
    const after = await decode(p.after);
    const before = await decode(p.before);
    const fileCrop = await decode(await sharp(out).extract(region).png().toBuffer());
    const srcCrop = await decode(await sharp(noisy).extract(region).png().toBuffer());
    expect(Buffer.compare(Buffer.from(before.data), Buffer.from(srcCrop.data))).toBe(0);
    let maxDiff = 0;
    for (let i = 0; i < after.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(after.data[i] - fileCrop.data[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(psnr(after.data, before.data)).toBeLessThan(40); // it did denoise
  });

  it('regions are in displayed (EXIF-oriented) coordinates', async () => {
    const rotated = join(dir, 'rotated-src.jpg');
    await sharp(noisy).rotate(90).withMetadata({ orientation: 8 }).jpeg({ quality: 95 }).toFile(rotated);
    const out = join(dir, 'rotated-out.png');
    await denoiseImageFile(rotated, out, { sigma: 25, format: 'png' }, { denoiser });
    const region = { left: 20, top: 200, width: 90, height: 60 };
    const p = await renderImagePreview(rotated, { sigma: 25, region, denoiser });
    const fileCrop = await decode(await sharp(out).extract(region).png().toBuffer());
    const after = await decode(p.after);
    let maxDiff = 0;
    for (let i = 0; i < after.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(after.data[i] - fileCrop.data[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('clips regions to the image and scales large views to maxSide', async () => {
    const { width, height } = await sharp(noisy).metadata();
    const p = await renderImagePreview(noisy, { sigma: 10, region: { left: width - 30, top: height - 40, width: 500, height: 500 }, denoiser });
    expect(p.region).toEqual({ left: width - 30, top: height - 40, width: 30, height: 40 });
    expect([p.width, p.height]).toEqual([30, 40]);
    const whole = await renderImagePreview(noisy, { sigma: 30, maxSide: 200, denoiser });
    expect(Math.max(whole.width, whole.height)).toBe(200);
    expect(whole.region).toBeUndefined();
    expect(whole.sigma).toBe(30);
  });

  it('σ = 0 returns the source unchanged; auto reports its estimate', async () => {
    const p = await renderImagePreview(noisy, { sigma: 0, region: { left: 0, top: 0, width: 64, height: 64 }, denoiser });
    expect(Buffer.compare(Buffer.from((await decode(p.after)).data), Buffer.from((await decode(p.before)).data))).toBe(0);
    const a = await renderImagePreview(noisy, { sigma: 'auto', region: { left: 0, top: 0, width: 64, height: 64 }, denoiser });
    expect(a.estimate).toBeDefined();
    expect(Math.abs(a.estimate! - 20)).toBeLessThan(3);
    expect(a.sigma).toBe(a.estimate);
  });
});

describe('makeImageThumbnail', () => {
  it('returns an upright JPEG no larger than maxSide', async () => {
    const rotated = join(dir, 'rot.jpg');
    await sharp(noisy).rotate(90).withMetadata({ orientation: 8 }).jpeg().toFile(rotated);
    const jpg = await makeImageThumbnail(rotated, 128);
    const m = await sharp(jpg).metadata();
    expect(m.format).toBe('jpeg');
    expect(Math.max(m.width, m.height)).toBe(128);
    const upright = await sharp(noisy).metadata();
    expect(m.width > m.height).toBe(upright.width > upright.height); // same way up as the photo
  });
});
