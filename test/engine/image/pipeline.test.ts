// denoiseImageFile end to end on real photos: every format in and out, bit depths, alpha, gray,
// orientation and metadata, checked by decoding what was written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp, { type Sharp } from 'sharp';
import { readdir, readFile, symlink, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { denoiseImageFile } from '../../../main/engine/image/pipeline.ts';
import { probeImage } from '../../../main/engine/image/probe.ts';
import { HushError, type ImageFormat, type Stage } from '../../../main/engine/types.ts';
import { BlurBlockDenoiser } from './test-denoisers.ts';
import { addNoise, decode, PHOTO, psnr, tempDir } from './helpers.ts';
import { floatTiff } from './float-tiff.ts';

const denoiser = new BlurBlockDenoiser(3, 8);
const ctx = { denoiser };
let dir = '';
let cleanup: () => Promise<void> = async () => {};
let clean: { data: Uint8Array; width: number; height: number };
let noisyPng = '';

const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="hush-test-marker"/></rdf:RDF></x:xmpmeta>';

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const { data, info } = await sharp(PHOTO).raw().toBuffer({ resolveWithObject: true });
  clean = { data: new Uint8Array(data), width: info.width, height: info.height };
  noisyPng = join(dir, 'noisy.png');
  await sharp(Buffer.from(addNoise(clean.data, 25, 7)), { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(noisyPng);
});
afterAll(() => cleanup());

async function noisyAs(name: string, encode: (s: Sharp) => Sharp): Promise<string> {
  const path = join(dir, name);
  await encode(sharp(noisyPng)).toFile(path);
  return path;
}

describe('formats', () => {
  const inputs: Array<[string, (s: Sharp) => Sharp, string]> = [
    ['in.jpg', (s) => s.jpeg({ quality: 95 }), 'jpeg'],
    ['in.png', (s) => s.png(), 'png'],
    ['in.webp', (s) => s.webp({ quality: 95 }), 'webp'],
    ['in.tif', (s) => s.tiff(), 'tiff'],
    ['in.avif', (s) => s.avif({ quality: 80 }), 'heif'],
    ['in.gif', (s) => s.gif(), 'gif'],
  ];
  it.each(inputs)('reads %s and writes the same format (GIF → PNG), denoised', async (name, encode, sharpFormat) => {
    const input = await noisyAs(name, encode);
    const output = join(dir, `out-${name}`);
    const r = await denoiseImageFile(input, output, { sigma: 25 }, ctx);
    const meta = await sharp(output).metadata();
    expect(meta.format).toBe(sharpFormat === 'gif' ? 'png' : sharpFormat);
    expect(r.format).toBe(sharpFormat === 'gif' ? 'png' : sharpFormat === 'heif' ? 'avif' : sharpFormat);
    expect([meta.width, meta.height]).toEqual([clean.width, clean.height]);
    const before = await decode(input);
    const after = await decode(output);
    // The blur denoiser brings the noisy photo closer to the clean one.
    expect(psnr(after.data, clean.data, 255, { channels: after.channels, use: 3 })).toBeGreaterThan(psnr(before.data, clean.data, 255, { channels: before.channels, use: 3 }) + 2);
  });

  it.each(['jpeg', 'png', 'webp', 'tiff', 'avif', 'heif'] as ImageFormat[])('writes %s when asked', async (format) => {
    const output = join(dir, `as-${format}.out`);
    const r = await denoiseImageFile(noisyPng, output, { sigma: 25, format }, ctx);
    expect(r.format).toBe(format);
    const meta = await sharp(output).metadata();
    expect(meta.format).toBe(format === 'avif' ? 'heif' : format);
    if (format === 'avif' || format === 'heif') expect(meta.compression).toBe('av1');
    const after = await decode(output);
    expect(psnr(after.data, clean.data)).toBeGreaterThan(psnr((await decode(noisyPng)).data, clean.data) + 2);
  });

  it('applies quality settings', async () => {
    const lo = join(dir, 'q20.jpg');
    const hi = join(dir, 'q98.jpg');
    await denoiseImageFile(noisyPng, lo, { sigma: 25, format: 'jpeg', quality: 20 }, ctx);
    await denoiseImageFile(noisyPng, hi, { sigma: 25, format: 'jpeg', quality: 98 }, ctx);
    expect((await stat(lo)).size).toBeLessThan((await stat(hi)).size / 2);
    await expect(denoiseImageFile(noisyPng, join(dir, 'q0.jpg'), { sigma: 25, format: 'jpeg', quality: 0 }, ctx)).rejects.toThrow(/quality/);
  });
});

describe('pixels and metadata', () => {
  it('σ = 0 passes pixels through unchanged (still re-encoded)', async () => {
    const output = join(dir, 'zero.png');
    const before = denoiser.calls.length;
    const r = await denoiseImageFile(noisyPng, output, { sigma: 0 }, ctx);
    expect(r.sigma).toBe(0);
    expect(denoiser.calls.length).toBe(before);
    expect(Buffer.compare(Buffer.from((await decode(output)).data), Buffer.from((await decode(noisyPng)).data))).toBe(0);
  });

  it('16-bit PNG and TIFF in → 16-bit out with 16-bit precision; 16-bit into JPEG → 8-bit', async () => {
    for (const [name, enc, fmt] of [['deep.png', (s: Sharp) => s.png(), 'png'], ['deep.tif', (s: Sharp) => s.tiff({ compression: 'lzw' }), 'tiff']] as const) {
      const input = join(dir, name);
      await enc(sharp(noisyPng).toColourspace('rgb16')).toFile(input);
      expect((await probeImage(input)).bitDepth).toBe(16);
      const output = join(dir, `out-${name}`);
      const r = await denoiseImageFile(input, output, { sigma: 25 }, ctx);
      expect(r.bitDepth).toBe(16);
      const meta = await sharp(output).metadata();
      expect(meta.format).toBe(fmt);
      expect(meta.depth).toBe('ushort');
      const px = (await decode(output, 'ushort')).data;
      const src = (await decode(input, 'ushort')).data;
      let fine = 0;
      for (const v of px) if (v % 257 !== 0) fine++;
      expect(fine).toBeGreaterThan(px.length / 2); // not just 8-bit values scaled up
      const clean16 = Array.from(clean.data, (v) => v * 257);
      expect(psnr(px, clean16, 65535)).toBeGreaterThan(psnr(src, clean16, 65535) + 2); // full scale, denoised
    }
    const jpg = join(dir, 'deep-to.jpg');
    const r = await denoiseImageFile(join(dir, 'deep.png'), jpg, { sigma: 25, format: 'jpeg' }, ctx);
    expect(r.bitDepth).toBe(8);
    expect((await sharp(jpg).metadata()).depth).toBe('uchar');
    await expect(denoiseImageFile(noisyPng, join(dir, 'x.jpg'), { sigma: 25, format: 'jpeg', bitDepth: 16 }, ctx)).rejects.toMatchObject({ code: 'unsupported-format' });
    // 8-bit in, 16-bit asked: written at 16 bits.
    const up = join(dir, 'up16.png');
    expect((await denoiseImageFile(noisyPng, up, { sigma: 25, bitDepth: 16 }, ctx)).bitDepth).toBe(16);
    expect((await sharp(up).metadata()).depth).toBe('ushort');
    const up16 = (await decode(up, 'ushort')).data;
    let fineUp = 0;
    for (const v of up16) if (v % 257 !== 0) fineUp++;
    expect(fineUp).toBeGreaterThan(up16.length / 2); // denoised at 16-bit precision, not 8-bit widened
    expect(psnr(up16, Array.from(clean.data, (v) => v * 257), 65535)).toBeGreaterThan(22);
  });

  it('float TIFF (scRGB 0–1) comes out as 16-bit TIFF on the right scale, or 8-bit JPEG', async () => {
    const { width, height } = clean;
    const noisy8 = (await decode(noisyPng)).data;
    // Linear-light floats whose sRGB encoding is the noisy photo.
    const lin = Float32Array.from(noisy8, (v) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    const input = join(dir, 'float.tif');
    await writeFile(input, floatTiff(width, height, lin));
    const probe = await probeImage(input);
    expect([probe.bitDepth, probe.space]).toEqual([32, 'scrgb']);
    const out16 = join(dir, 'float-out.tif');
    const r = await denoiseImageFile(input, out16, { sigma: 0 }, ctx);
    expect(r.bitDepth).toBe(16);
    expect((await sharp(out16).metadata()).depth).toBe('ushort');
    const px = (await decode(out16, 'ushort')).data;
    expect(psnr(Array.from(px, (v) => v / 257), noisy8)).toBeGreaterThan(45);
    const out8 = join(dir, 'float-out.jpg');
    await denoiseImageFile(input, out8, { sigma: 25, format: 'jpeg' }, ctx);
    expect(psnr((await decode(out8)).data, clean.data)).toBeGreaterThan(psnr(noisy8, clean.data) + 2);
  });

  it('keeps alpha untouched, byte for byte (8- and 16-bit)', async () => {
    for (const deep of [false, true]) {
      const input = join(dir, `alpha${deep ? 16 : 8}.png`);
      const { width, height } = clean;
      const alpha = Buffer.alloc(width * height);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) alpha[y * width + x] = (x * 7 + y * 3) % 256;
      if (deep) {
        // 16-bit RGBA from raw samples (sharp's rgb16 conversion of a joined alpha image is unreliable).
        const rgb = (await decode(noisyPng)).data;
        const px = new Uint16Array(width * height * 4);
        for (let p = 0; p < width * height; p++) {
          for (let c = 0; c < 3; c++) px[p * 4 + c] = rgb[p * 3 + c] * 257 + ((p * 13 + c) % 200);
          px[p * 4 + 3] = alpha[p] * 257 + (p % 251);
        }
        await sharp(px, { raw: { width, height, channels: 4 } }).toColourspace('rgb16').png().toFile(input);
      } else {
        await sharp(noisyPng).joinChannel(alpha, { raw: { width, height, channels: 1 } }).png().toFile(input);
      }
      expect((await probeImage(input)).bitDepth).toBe(deep ? 16 : 8);
      const output = join(dir, `out-alpha${deep ? 16 : 8}.png`);
      await denoiseImageFile(input, output, { sigma: 30 }, ctx);
      const a = await decode(input, deep ? 'ushort' : 'uchar');
      const b = await decode(output, deep ? 'ushort' : 'uchar');
      expect(b.channels).toBe(4);
      let same = true;
      let changed = 0;
      for (let i = 0; i < a.data.length; i++) {
        if (i % 4 === 3) same &&= a.data[i] === b.data[i];
        else if (a.data[i] !== b.data[i]) changed++;
      }
      expect(same).toBe(true);
      expect(changed).toBeGreaterThan(a.data.length / 2);
    }
  });

  it('keeps gray images gray (8- and 16-bit)', async () => {
    for (const space of ['b-w', 'grey16'] as const) {
      const input = join(dir, `gray-${space}.png`);
      await sharp(noisyPng).toColourspace(space).png().toFile(input);
      const output = join(dir, `out-gray-${space}.png`);
      await denoiseImageFile(input, output, { sigma: 25 }, ctx);
      const meta = await sharp(output).metadata();
      expect(meta.channels).toBe(1);
      expect(meta.space).toBe(space);
      const a = await decode(input);
      const b = await decode(output);
      let d = 0;
      for (let i = 0; i < a.data.length; i++) d += Math.abs(a.data[i] - b.data[i]);
      d /= a.data.length;
      expect(d).toBeGreaterThan(2);
      expect(d).toBeLessThan(30);
    }
  });

  it('an EXIF-rotated JPEG comes out the same way up', async () => {
    // Store the photo rotated 90° clockwise-stored with orientation 8, so viewers rotate it back.
    const input = join(dir, 'rotated.jpg');
    await sharp(noisyPng).rotate(90).withMetadata({ orientation: 8 }).jpeg({ quality: 95 }).toFile(input);
    const probe = await probeImage(input);
    expect(probe.orientation).toBe(8);
    expect([probe.width, probe.height]).toEqual([clean.width, clean.height]);
    const output = join(dir, 'out-rotated.jpg');
    const r = await denoiseImageFile(input, output, { sigma: 0 }, ctx);
    expect([r.width, r.height]).toEqual([clean.width, clean.height]);
    const meta = await sharp(output).metadata();
    expect(meta.orientation ?? 1).toBe(1);
    expect([meta.width, meta.height]).toEqual([clean.width, clean.height]);
    // As displayed, output ≈ input (JPEG re-encode only) and ≈ the upright photo.
    const shown = await decode(output);
    expect(psnr(shown.data, (await decode(input)).data)).toBeGreaterThan(35);
    const upright = (await decode(noisyPng)).data;
    const upsideDown = (await decode(await sharp(noisyPng).rotate(180).toBuffer())).data;
    expect(psnr(shown.data, upright)).toBeGreaterThan(psnr(shown.data, upsideDown) + 5);
  });

  it.each(['jpeg', 'png', 'webp', 'tiff', 'avif'] as ImageFormat[])('keeps ICC (unconverted), EXIF and XMP when writing %s', async (format) => {
    const input = join(dir, `meta-in-${format}.jpg`);
    await sharp(noisyPng).withIccProfile('p3').withExif({ IFD0: { Make: 'HushTestCam', Copyright: 'hush-test' } }).withXmp(XMP).jpeg({ quality: 95 }).toFile(input);
    const inMeta = await sharp(input).metadata();
    expect(inMeta.icc?.length).toBeGreaterThan(0);
    const output = join(dir, `meta-out.${format}`);
    await denoiseImageFile(input, output, { sigma: 0, format }, ctx);
    const outMeta = await sharp(output).metadata();
    expect(outMeta.icc && Buffer.compare(outMeta.icc, inMeta.icc!)).toBe(0);
    // libvips writes no EXIF block into TIFF files (it keeps ICC and XMP there).
    if (format !== 'tiff') expect(outMeta.exif?.toString('latin1')).toContain('HushTestCam');
    expect(outMeta.xmpAsString ?? outMeta.xmp?.toString()).toContain('hush-test-marker');
    if (format === 'png' || format === 'tiff') {
      // Lossless output of σ = 0: the very same pixel values, i.e. no colour conversion to sRGB.
      const a = await decode(input);
      const b = await decode(output);
      expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data))).toBe(0);
    }
  });

  it('converts CMYK to RGB and expands palettes', async () => {
    const cmyk = join(dir, 'cmyk.jpg');
    await sharp(noisyPng).toColourspace('cmyk').jpeg({ quality: 95 }).toFile(cmyk);
    expect((await probeImage(cmyk)).space).toBe('cmyk');
    const out = join(dir, 'out-cmyk.jpg');
    await denoiseImageFile(cmyk, out, { sigma: 0 }, ctx);
    const meta = await sharp(out).metadata();
    expect(meta.space).toBe('srgb');
    expect(meta.channels).toBe(3);
    expect(psnr((await decode(out)).data, (await decode(noisyPng)).data)).toBeGreaterThan(20);

    const pal = join(dir, 'palette.png');
    await sharp(noisyPng).png({ palette: true, colours: 64 }).toFile(pal);
    expect((await probeImage(pal)).isPalette).toBe(true);
    const outPal = join(dir, 'out-palette.png');
    await denoiseImageFile(pal, outPal, { sigma: 20 }, ctx);
    const pm = await sharp(outPal).metadata();
    expect(pm.channels).toBeGreaterThanOrEqual(3);
    expect(pm.isPalette).toBe(false);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = await Promise.all([0, 1, 2].map((k) => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 80 * k, g: 100, b: 200 - 60 * k } } }).raw().toBuffer()));
    const gif = join(dir, 'anim.gif');
    await sharp(Buffer.concat(frames), { raw: { width: 40, height: 90, channels: 3, pageHeight: 30 } } as never).gif({ loop: 0, delay: [100, 100, 100] }).toFile(gif);
    expect((await probeImage(gif)).pages).toBe(3);
    const out = join(dir, 'anim.png');
    const r = await denoiseImageFile(gif, out, { sigma: 10 }, ctx);
    expect([r.width, r.height]).toEqual([40, 30]);
    const px = (await decode(out)).data;
    expect(Math.abs(px[0] - 0)).toBeLessThan(8); // red of frame 0
    expect(Math.abs(px[2] - 200)).toBeLessThan(8);
  });

  it("estimates σ for 'auto' and applies it", async () => {
    const output = join(dir, 'auto.png');
    const stages = new Set<Stage>();
    const r = await denoiseImageFile(noisyPng, output, { sigma: 'auto' }, { denoiser, onProgress: (s) => stages.add(s) });
    expect(r.estimate).toBeDefined();
    expect(r.sigma).toBe(r.estimate);
    expect(Math.abs(r.estimate! - 25)).toBeLessThan(2.5);
    expect([...stages]).toEqual(['decoding', 'estimating', 'denoising', 'encoding']);
  });
});

describe('safety', () => {
  it('refuses to write over the input, also through a symlink', async () => {
    const input = join(dir, 'keep.png');
    await sharp(noisyPng).png().toFile(input);
    const original = await readFile(input);
    await expect(denoiseImageFile(input, input, { sigma: 25 }, ctx)).rejects.toMatchObject({ code: 'would-overwrite-input' });
    const link = join(dir, 'link.png');
    await symlink(input, link);
    await expect(denoiseImageFile(input, link, { sigma: 25 }, ctx)).rejects.toMatchObject({ code: 'would-overwrite-input' });
    await expect(denoiseImageFile(link, join(dir, '.', 'keep.png'), { sigma: 25 }, ctx)).rejects.toMatchObject({ code: 'would-overwrite-input' });
    expect(Buffer.compare(await readFile(input), original)).toBe(0);
  });

  it('a cancel or a failing model leaves no output and no temporary file, and an existing output intact', async () => {
    const sub = join(dir, 'atomic');
    await (await import('node:fs/promises')).mkdir(sub);
    const output = join(sub, 'out.png');
    await writeFile(output, 'previous output');
    const ac = new AbortController();
    const cancelling = { receptiveField: denoiser.receptiveField, sizeMultiple: 8, denoise: async (t: Parameters<typeof denoiser.denoise>[0], s: number) => { ac.abort(); return denoiser.denoise(t, s); } };
    const err = await denoiseImageFile(noisyPng, output, { sigma: 25, tileSize: 128 }, { denoiser: cancelling, signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HushError);
    expect((err as HushError).code).toBe('cancelled');
    const failing = { receptiveField: 4, sizeMultiple: 8, denoise: async () => { throw new Error('model exploded'); } };
    await expect(denoiseImageFile(noisyPng, output, { sigma: 25 }, { denoiser: failing })).rejects.toThrow('model exploded');
    expect(await readdir(sub)).toEqual(['out.png']);
    expect(await readFile(output, 'utf8')).toBe('previous output');
  });
});
