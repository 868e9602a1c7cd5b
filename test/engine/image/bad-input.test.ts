// Bad image files get a clear HushError with a stable code and the file's name in the message;
// nothing is written for them. (The reliability issue extends this matrix.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { denoiseImageFile } from '../../../main/engine/image/pipeline.ts';
import { probeImage } from '../../../main/engine/image/probe.ts';
import { makeImageThumbnail } from '../../../main/engine/image/preview.ts';
import { HushError, type ErrorCode } from '../../../main/engine/types.ts';
import { BlurBlockDenoiser } from './test-denoisers.ts';
import { PHOTO, tempDir } from './helpers.ts';

const ctx = { denoiser: new BlurBlockDenoiser(2, 8) };
let dir = '';
let outDir = '';
let cleanup: () => Promise<void> = async () => {};

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  outDir = join(dir, 'out');
  await mkdir(outDir);
});
afterAll(() => cleanup());

async function expectHushError(p: Promise<unknown>, code: ErrorCode, name: string, text?: RegExp): Promise<HushError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, `expected ${code}`).toBeInstanceOf(HushError);
  const h = err as HushError;
  expect(h.code).toBe(code);
  expect(h.message).toContain(name);
  if (text) expect(h.message).toMatch(text);
  return h;
}

/** A real PNG whose IHDR claims `width`×`height` (CRC fixed), i.e. a decompression bomb header. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp(PHOTO).resize(16, 16).png().toBuffer());
  // Signature (8) + length (4) + 'IHDR' (4) → width at 16, height at 20, CRC after the 13 data bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

describe('bad image files', () => {
  const cases: Array<{ name: string; make: () => Promise<Buffer>; code: ErrorCode; text?: RegExp }> = [
    { name: 'empty.jpg', make: async () => Buffer.alloc(0), code: 'empty-file', text: /empty/ },
    { name: 'notes.jpg', make: async () => Buffer.from('This is a text file, not a photo.\n'.repeat(20)), code: 'unsupported-format', text: /not an image/ },
    { name: 'half.jpg', make: async () => { const b = await sharp(PHOTO).jpeg().toBuffer(); return b.subarray(0, b.length >> 1); }, code: 'corrupt-file', text: /damaged|incomplete/ },
    { name: 'half.png', make: async () => { const b = await sharp(PHOTO).png().toBuffer(); return b.subarray(0, b.length >> 1); }, code: 'corrupt-file' },
    { name: 'half.tif', make: async () => { const b = await sharp(PHOTO).tiff().toBuffer(); return b.subarray(0, b.length >> 1); }, code: 'corrupt-file' },
    { name: 'header-only.png', make: async () => (await sharp(PHOTO).png().toBuffer()).subarray(0, 60), code: 'corrupt-file' },
    { name: 'bomb.png', make: () => pngClaiming(100_000, 100_000), code: 'too-large', text: /100000×100000.*10000 MP/ },
    { name: 'drawing.svg', make: async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'), code: 'unsupported-format', text: /SVG/ },
  ];

  it.each(cases)('$name → $code', async ({ name, make, code, text }) => {
    const input = join(dir, name);
    await writeFile(input, await make());
    await expectHushError(denoiseImageFile(input, join(outDir, name), { sigma: 25 }, ctx), code, name, text);
    expect(await readdir(outDir)).toEqual([]);
  });

  it('probe and thumbnail report the same errors', async () => {
    await writeFile(join(dir, 'e.png'), '');
    await expectHushError(probeImage(join(dir, 'e.png')), 'empty-file', 'e.png');
    await expectHushError(makeImageThumbnail(join(dir, 'e.png'), 64), 'empty-file', 'e.png');
    await writeFile(join(dir, 't.png'), 'hello');
    await expectHushError(makeImageThumbnail(join(dir, 't.png'), 64), 'unsupported-format', 't.png');
    const bomb = join(dir, 'bomb2.png');
    await writeFile(bomb, await pngClaiming(60_000, 60_000));
    expect((await probeImage(bomb)).width).toBe(60_000); // probing still tells the UI how big it is
    await expectHushError(makeImageThumbnail(bomb, 64), 'too-large', 'bomb2.png');
  });

  it('a pixel limit set by the caller is honoured', async () => {
    await expectHushError(denoiseImageFile(PHOTO, join(outDir, 'x.png'), { sigma: 25, maxPixels: 100_000 }, ctx), 'too-large', '101087.png', /0\.2 MP/);
  });

  it('missing files and folders are unreadable', async () => {
    await expectHushError(denoiseImageFile(join(dir, 'nope.jpg'), join(outDir, 'nope.jpg'), { sigma: 25 }, ctx), 'unreadable', 'nope.jpg', /does not exist/);
    await expectHushError(denoiseImageFile(outDir, join(dir, 'o.jpg'), { sigma: 25 }, ctx), 'unreadable', 'out', /folder/);
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission is unreadable', async () => {
    const input = join(dir, 'locked.png');
    await sharp(PHOTO).png().toFile(input);
    const { chmod } = await import('node:fs/promises');
    await chmod(input, 0o000);
    await expectHushError(denoiseImageFile(input, join(outDir, 'locked.png'), { sigma: 25 }, ctx), 'unreadable', 'locked.png', /permission/);
  });

  it('an output folder that does not exist, or is a file, is reported as unwritable', async () => {
    await expectHushError(denoiseImageFile(PHOTO, join(dir, 'missing-folder', 'x.png'), { sigma: 25 }, ctx), 'output-unwritable', 'x.png');
    await writeFile(join(dir, 'afile'), 'x');
    await expectHushError(denoiseImageFile(PHOTO, join(dir, 'afile', 'x.png'), { sigma: 25 }, ctx), 'output-unwritable', 'x.png');
  });

  it('content decides the format, not the extension', async () => {
    const input = join(dir, 'really-a-png.jpg');
    await sharp(PHOTO).png().toFile(input);
    expect((await probeImage(input)).format).toBe('png');
    const out = join(outDir, 'really-a-png.png');
    const r = await denoiseImageFile(input, out, { sigma: 25 }, ctx);
    expect(r.format).toBe('png');
    expect((await sharp(await readFile(out)).metadata()).format).toBe('png');
  });

  it('1×1 and 1-pixel-thin images go through', async () => {
    for (const [w, h] of [[1, 1], [1, 500], [900, 1], [2, 3]]) {
      const input = join(dir, `thin-${w}x${h}.png`);
      await sharp({ create: { width: w, height: h, channels: 3, background: '#808080' } }).png().toFile(input);
      const out = join(outDir, `thin-${w}x${h}.png`);
      const r = await denoiseImageFile(input, out, { sigma: 25 }, ctx);
      expect([r.width, r.height]).toEqual([w, h]);
      const m = await sharp(out).metadata();
      expect([m.width, m.height]).toEqual([w, h]);
    }
  });
});
